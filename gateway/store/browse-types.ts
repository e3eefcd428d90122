import type { MessageState } from '../model/states.js';
import type { StoredMessage } from './types.js';

/**
 * The message browser's query (monitoring UI, ADR 0030). Every field given must match; each
 * one is answered from an index of migration 10 (`test/store/browse.index-per-filter.test.ts`
 * checks the query plans on a million rows).
 */
export interface BrowseQuery {
  gatewayId?: string;
  messageUuid?: string;
  vorgangId?: string;
  messageType?: string;
  ags?: string;
  leika?: string;
  state?: MessageState;
  endpointId?: string;
  /**
   * Time range of arrival, epoch ms: `from` inclusive, `to` exclusive. Answered in arrival
   * order: from the first message received at or after `from` up to the first received at
   * or after `to` (the gateway stamps `received_at` and `seq` in one transaction, so both
   * orders agree unless the wall clock steps back).
   */
  fromMs?: number;
  toMs?: number;
  /** Cursor: the `next` of the previous page (messages with a lower seq). */
  beforeSeq?: number;
  /** Default 50, at most 500. */
  limit?: number;
}

export interface BrowsePage {
  items: StoredMessage[];
  /** Cursor of the next (older) page; null on the last page. */
  next: number | null;
}

/** Counts of one (service key, AGS) pair for the overview. */
export interface FlowCounts {
  leika: string;
  ags: string;
  lastHour: number;
  lastDay: number;
  /** Messages of the last day now `dead` or `retrying`. */
  failedDay: number;
  /** Messages in an open state (any age). */
  backlog: number;
  /** Milliseconds from arrival to `delivered` of the last day's delivered messages, ascending. */
  deliveryMs: number[];
}

/** One edge of the flow picture: messages of an author to an endpoint. */
export interface FlowEdge {
  author: string;
  endpointId: string;
  lastHour: number;
  lastDay: number;
  deadDay: number;
  retryingDay: number;
}

/** The overview's figures, computed by the store on committed data. */
export interface OverviewFigures {
  byServiceAndAgs: FlowCounts[];
  edges: FlowEdge[];
}

/** The newest success and failure seen on an endpoint's messages (durable; any gateway instance). */
export interface EndpointActivity {
  lastSuccessAt: string | null;
  lastErrorAt: string | null;
  /** The stored reason of that failure (status and size, never the peer's text). */
  lastError: string | null;
}

/** Browser and overview reads; part of MessageStore. */
export interface BrowseReads {
  /** Per endpoint id: newest message delivered (or placed in a mailbox) and newest retrying or dead, from index messages_state_endpoint. */
  endpointActivity(endpointIds: readonly string[]): Promise<Record<string, EndpointActivity>>;
  browseMessages(q: BrowseQuery): Promise<BrowsePage>;
  /** Figures of the last hour and day before `now`, backlog of every open message. */
  overviewFigures(now: Date): Promise<OverviewFigures>;
}

export type { MessageState };
