import type { AttachmentRef, MessageHeader, MessageState, NewForm, PayloadFormat } from '../model/index.js';

/** The core message types live in gateway/model/; re-exported for importers not yet moved there. */
export type { AttachmentRef, MessageHeader, PayloadFormat } from '../model/index.js';


/** What ingress hands to the store once a message is valid and routed. */
export interface NewMessage {
  id: string;
  header: MessageHeader;
  /** The plaintext payload; the store seals it at rest when it holds at-rest keys. */
  payload: Buffer;
  /** Default `xml`. */
  payloadFormat?: PayloadFormat;
  /** hex sha512 of the payload bytes. */
  payloadSha512: string;
  attachments: AttachmentRef[];
  routeName: string;
  endpointId: string;
  /** Human-readable routing explanation, kept in the history. */
  routeReason: string;
  /** Validation warnings kept with the message (empty when none). */
  warnings: string[];
  /**
   * The message opens its Vorgang (its route has `startsVorgang`): the store refuses it
   * (throws GW_VORGANG_EXISTS, nothing stored) when any message of that Vorgang id is
   * already stored, checked in the same write transaction as the insert, so two
   * concurrent openings cannot both win.
   */
  opensVorgang?: boolean;
  /**
   * The delivery mapping named for the target (ADR 0020). With a `delivery` form in `forms`
   * the message goes routed → mapped → queued; with `mappingFailure` it goes routed → dead.
   */
  mapping?: string;
  /** Forms kept with the message: the submitted `original` of an ingress mapping, the `delivery` form. */
  forms?: NewForm[];
  /** Why the delivery mapping produced no form (mapping, rule and path named; never values): stored `dead`, replayable. */
  mappingFailure?: string;
}

export interface Receipt {
  gatewayId: string;
  messageUuid: string;
  author: string;
  state: MessageState;
  receivedAt: string;
  sha512: string;
}

export type AcceptResult =
  | { kind: 'created'; receipt: Receipt }
  /** same (author, messageUuid) and same payload hash: nothing stored, original receipt returned */
  | { kind: 'duplicate'; receipt: Receipt }
  /** same (author, messageUuid) with a different payload hash */
  | { kind: 'conflict'; receipt: Receipt };

/** A stored message: every header fact (gateway/model; the header's `createdAt` kept as `headerCreatedAt`) plus what the gateway did with it. */
export interface StoredMessage extends Omit<MessageHeader, 'createdAt'> {
  id: string;
  seq: number;
  headerCreatedAt: string;
  state: MessageState;
  attempts: number;
  routeName: string;
  endpointId: string;
  size: number;
  sha512: string;
  payloadFormat: PayloadFormat;
  receivedAt: string;
  updatedAt: string;
  lastError: string | null;
  warnings: string[];
  attachments: AttachmentRef[];
  /** The delivery mapping (ADR 0020); null when the payload itself is delivered. */
  mapping: string | null;
  /** Set (ISO) once retention deleted the payload (ADR 0013); absent while the payload is kept. */
  payloadPurgedAt?: string;
}

/** How far the store's writes are behind (MessageStore.pressure; admission control, ADR 0036). */
export interface StorePressure {
  /** Writes queued and not yet committed. */
  pendingWrites: number;
  /** Age of the oldest of them in ms (0 when none waits). */
  oldestPendingMs: number;
  /** Duration of the last write batch in ms, from BEGIN to the end of COMMIT (a failed batch counts too). */
  lastCommitMs: number;
}

/** One group of `MessageStore.backlog`. */
export interface BacklogRow {
  endpointId: string;
  state: MessageState;
  count: number;
  /** Epoch ms of the oldest message of the group. */
  oldestReceivedAt: number;
}

/** What a mailbox acknowledgement made delivered (`MessageStore.mailboxAck`). */
export interface AckedMessage {
  messageId: string;
  routeName: string;
  endpointId: string;
  leika: string;
  /** Epoch ms. */
  receivedAt: number;
}

export interface Transition {
  seq: number;
  messageId: string;
  from: MessageState | null;
  to: MessageState;
  at: string;
  reason: string;
  attempt: number;
}

export interface OutboxItem {
  id: number;
  messageId: string;
  endpointId: string;
  /** Attempts made before this claim (0 for the first try). */
  attempts: number;
  /** Opaque lease token; every mark* call must present it. */
  lease: string;
  message: StoredMessage;
  /** What is delivered: the payload, or the delivery form when `form` is set. */
  payload: Buffer;
  /** The delivery form (ADR 0020); absent when the payload is delivered, or when `message.mapping` is set but no form exists yet (replay after a failed mapping). */
  form?: DeliveryForm;
}

/** Metadata of the form an outbox item or mailbox lease carries instead of the payload. */
export interface DeliveryForm {
  name: string;
  mediaType: string;
  sha512: string;
}

export interface ClaimOptions {
  /** Identifies this gateway process; leases of a crashed owner expire and are claimed again. */
  owner: string;
  leaseMs: number;
  /** Per endpoint: how many more items this caller can take now. Endpoints not listed are skipped. */
  capacity: Record<string, number>;
  now?: Date;
}

export interface MessageFilter {
  state?: MessageState;
  endpointId?: string;
  vorgangId?: string;
  author?: string;
  ags?: string;
  messageType?: string;
  limit?: number;
  /** Return messages with seq lower than this (paging, newest first). */
  beforeSeq?: number;
  /** Messages that carry the attachment with this sha512 (hex). */
  attachmentSha512?: string;
  /**
   * Messages of these services only (a Fachverfahren's list): a message's service is the one
   * of its LeiKa key (`leika` lists the services' keys), else, when its LeiKa key belongs to no
   * configured service (`knownLeika`), the one its route names (`routeNames`).
   */
  services?: { leika: readonly string[]; routeNames: readonly string[]; knownLeika: readonly string[] };
  /** Messages of none of these AGS (the ZSA's queue without the municipalities that took the service back). */
  agsNotIn?: readonly string[];
}

export interface MailboxItem {
  id: number;
  mailbox: string;
  messageId: string;
  messageUuid: string;
  messageType: string;
  vorgangId: string;
  author: string;
  size: number;
  enqueuedAt: string;
  /** Set when fetched and the lease is still running. */
  leaseUntil: string | null;
  /** How many times it was fetched (leased). */
  deliveries: number;
}

export interface MailboxLease {
  item: MailboxItem;
  leaseToken: string;
  leaseUntil: string;
  /** The payload, or the delivery form when `form` is set. */
  payload: Buffer;
  form?: DeliveryForm;
}

/** A fetch of XTA getMessage as the store keeps it for `close` (migration 14). */
export interface XtaFetchLease {
  itemId: number;
  leaseToken: string;
  leaseUntil: string;
}

export type DelegationMode = string; // 'none' | 'e2e' | 'backoffice' | `prozessschritt:${string}` (validated by config schema)

export interface DelegationChange {
  seq: number;
  ags: string;
  service: string;
  mode: DelegationMode;
  previous: DelegationMode | null;
  actor: string;
  reason: string;
  at: string;
}

export interface Rejection {
  code: string;
  detail: string;
  author: string | null;
  messageUuid: string | null;
  messageType: string | null;
  size: number;
  sha512: string;
  remote: string | null;
}

export interface StoredRejection extends Rejection {
  seq: number;
  at: string;
}

export type { RetentionRule, RetentionCandidate, PurgeResult, RetentionRecord, RecordDeletionCandidate, RecordDeletionResult } from './retention-types.js';
export type { DeadlineCandidate, DeadlineQuery, NewVorgangEvent, VorgangEvent, VorgangEventKind } from './vorgang-events.js';
export type { BrowsePage, BrowseQuery, EndpointActivity, FlowCounts, FlowEdge, OverviewFigures } from './browse-types.js';
export type { CaseDefinition, ClosedIncomplete, FirstOf, OpenCaseCount, ProofSnapshot, ProofSnapshotMessage, ProofSubject, ReportMessage, ReportPeriod, UsageAggregate, VorgangMessageTime } from './report-types.js';

/** The store's narrow contracts and their intersection `MessageStore` (ADR 0044) live in contracts.ts. */
export type {
  BacklogReads,
  BrowseReads,
  DeadlineStore,
  DelegationStore,
  FitConnectStore,
  FitConnectStores,
  MailboxStore,
  MessageReads,
  MessageStore,
  MessageWrites,
  OutboxStore,
  ReplayStore,
  ReportStore,
  RetentionStore,
  RewrapStore,
  StoreLifecycle,
  UploadLedger,
  VorgangEventReads,
  XtaFetchStore,
} from './contracts.js';
