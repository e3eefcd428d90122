/** Case events the gateway raises itself (ADR 0023): what a deadline did to a Vorgang. */
export const VORGANG_EVENT_KINDS = ['reminder', 'closed'] as const;
export type VorgangEventKind = (typeof VORGANG_EVENT_KINDS)[number];

export interface NewVorgangEvent {
  vorgangId: string;
  kind: VorgangEventKind;
  /** `services[].deadlines[].name`. */
  deadline: string;
  /** The message whose delivery started the deadline. */
  afterMessageId: string;
  /** The gateway-authored notice to the municipality (kind `closed`). */
  noticeMessageId?: string;
  /** Default: the store's clock. */
  at?: Date;
}

export interface VorgangEvent {
  seq: number;
  vorgangId: string;
  kind: VorgangEventKind;
  deadline: string;
  afterMessageId: string;
  noticeMessageId: string | null;
  at: string;
}

/** What the deadline watcher asks the store for: one deadline of one service. */
export interface DeadlineQuery {
  deadline: string;
  /** Message types that start the deadline once delivered. */
  after: readonly string[];
  /** Message types that answer it. */
  until: readonly string[];
  /** The service's LeiKa keys; empty = any. */
  leika: readonly string[];
  /** Only `after` messages from this seq on: the watermark of the pass before (MessageStore.deadlineWatermark, ADR 0036). */
  fromSeq?: number;
}

/**
 * A Vorgang whose latest `after` message was delivered (or acknowledged) and that no
 * `until` message followed, and that no deadline has closed yet.
 */
export interface DeadlineCandidate {
  vorgangId: string;
  afterMessageId: string;
  /** ISO: when the `after` message first reached `delivered`. */
  deliveredAt: string;
  /** Kinds already recorded for this (deadline, after message). */
  recorded: VorgangEventKind[];
}
