import type { FitConnectStore } from './fit-connect.js';
import type { AttachmentRef, MessageForm, MessageHeader, MessageState, NewForm, PayloadFormat } from '../model/index.js';

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
import type { DeadlineCandidate, DeadlineQuery, NewVorgangEvent, VorgangEvent } from './vorgang-events.js';
import type { RetentionRule, RetentionCandidate, PurgeResult, RetentionRecord, RecordDeletionCandidate, RecordDeletionResult } from './retention-types.js';
import type { BrowseReads } from './browse-types.js';
export type { BrowsePage, BrowseQuery, EndpointActivity, FlowCounts, FlowEdge, OverviewFigures } from './browse-types.js';
import type { CaseDefinition, ClosedIncomplete, FirstOf, OpenCaseCount, ProofSnapshot, ProofSubject, ReportMessage, ReportPeriod, UsageAggregate, VorgangMessageTime } from './report-types.js';
export type { CaseDefinition, ClosedIncomplete, FirstOf, OpenCaseCount, ProofSnapshot, ProofSnapshotMessage, ProofSubject, ReportMessage, ReportPeriod, UsageAggregate, VorgangMessageTime } from './report-types.js';

/**
 * How far the store's writes are behind, for admission control (ingress answers 503 before
 * queues and latency grow). Read synchronously and cheaply on every request.
 */
export interface StorePressure {
  /** Writes requested and not yet settled (queued, or in the batch now committing). */
  pendingWrites: number;
  /** Age in ms of the oldest of them; 0 when none. */
  oldestPendingMs: number;
  /** Duration in ms of the last committed batch (BEGIN to the end of COMMIT with its fsync); 0 before the first. */
  lastCommitMs: number;
}

/**
 * The one seam between the gateway and its database. Every method is one transaction;
 * a resolved promise means the change is durable (committed and fsync'd). Every state
 * change also writes a `Transition`. Backends: SQLite (embedded default); PostgreSQL
 * later, behind the same interface and the same test suite (test/store/).
 */
export interface MessageStore extends BrowseReads {
  readonly kind: string;

  /** Creates or upgrades the schema. Called once at start; safe to call again. */
  migrate(): Promise<void>;
  /** Flushes pending writes and closes. Idempotent. */
  close(): Promise<void>;
  /** Back-pressure figures of the writes now outstanding (synchronous, no I/O). */
  pressure(): StorePressure;

  // --- ingress -------------------------------------------------------------------------
  /**
   * Stores a valid, routed message: the message row, transitions
   * received → validated → routed → (mapped →) queued — or routed → dead when the delivery
   * mapping failed (`mappingFailure`) — its forms and its outbox row, in one transaction.
   * Idempotent on (author, messageUuid): see AcceptResult.
   */
  accept(msg: NewMessage): Promise<AcceptResult>;
  /** Records refused input (never a message). */
  recordRejection(r: Rejection): Promise<void>;
  listRejections(limit: number): Promise<StoredRejection[]>;

  // --- outbox --------------------------------------------------------------------------
  /** Leases due outbox items (queued/retrying, due, not dead, lease free or expired), oldest first. */
  claimDue(opts: ClaimOptions): Promise<OutboxItem[]>;
  /** Peer confirmed: state → delivered, outbox row removed. */
  markDelivered(item: OutboxItem, detail: string): Promise<void>;
  /** Placed in a pull mailbox (see mailbox*): state → in_mailbox, outbox row removed. */
  markInMailbox(item: OutboxItem, mailbox: string): Promise<void>;
  /** Failed, will retry at `dueAt`: attempts+1, state → retrying, lease released. */
  markRetrying(item: OutboxItem, reason: string, dueAt: Date): Promise<void>;
  /** Gave up: attempts+1 (when `countAttempt`), state → dead, outbox row kept for replay. */
  markDead(item: OutboxItem, reason: string, countAttempt: boolean): Promise<void>;
  /** Gives the item back without counting an attempt (not connected, shutdown). */
  release(item: OutboxItem, reason: string, dueAt?: Date): Promise<void>;
  /** Releases every lease held by `owner` (start-up of a single-instance store, shutdown). */
  releaseOwner(owner: string): Promise<number>;
  /** dead → queued with attempts reset. Returns false when the message is not dead; throws GW_PAYLOAD_PURGED when its payload is gone. */
  replay(messageId: string, actor: string): Promise<boolean>;
  /** Replays every dead message with a payload (optionally of one endpoint); returns the ids replayed. */
  replayAllDead(actor: string, endpointId?: string): Promise<string[]>;
  /** Earliest due time among pending outbox items (for the worker's sleep), or null. */
  nextDueAt(): Promise<Date | null>;
  /** Number of outbox items per endpoint that are pending (not dead). */
  outboxDepth(): Promise<Record<string, number>>;

  // --- reads ---------------------------------------------------------------------------
  getMessage(id: string): Promise<StoredMessage | null>;
  getMessageByUuid(author: string, messageUuid: string): Promise<StoredMessage | null>;
  /** Null for an unknown id; throws GW_PAYLOAD_PURGED once retention deleted it. */
  getPayload(id: string): Promise<Buffer | null>;
  /** The forms kept with a message (ADR 0020), oldest first; empty for none or an unknown id. */
  listForms(messageId: string): Promise<MessageForm[]>;
  /** One form with its bytes; null when the message has no such form; throws GW_PAYLOAD_PURGED once retention deleted it. */
  getForm(messageId: string, name: string): Promise<{ form: MessageForm; body: Buffer } | null>;
  /**
   * Stores the delivery form a replay produced (the delivery worker maps a message whose
   * mapping failed at ingress); replaces an earlier form of the same name. Throws GW_NOT_FOUND.
   */
  putForm(messageId: string, form: NewForm): Promise<MessageForm>;
  listMessages(filter: MessageFilter): Promise<StoredMessage[]>;
  history(messageId: string): Promise<Transition[]>;
  /** All messages of a Vorgang, oldest first. */
  vorgang(vorgangId: string): Promise<StoredMessage[]>;
  /**
   * The facts of a proof bundle (ADR 0031, ADR 0049) in ONE read transaction: the message
   * (or every message of the Vorgang, oldest first), each with its history and form metadata,
   * and the Vorgang's case events — all from the same snapshot, so each message's `state`
   * equals the `to` of its last transition even while the outbox moves it. No payload or form
   * bytes. An unknown id gives no messages (and, for a Vorgang, no events). Never writes.
   */
  proofSnapshot(subject: ProofSubject): Promise<ProofSnapshot>;
  countByState(): Promise<Record<string, number>>;
  /**
   * Messages still on their way (OPEN_STATES) and dead ones, per endpoint and state, with the
   * receive time of the oldest: one query on a covering index (migration 9), called on every
   * metrics scrape and alert evaluation (gateway/monitoring, ADR 0029).
   */
  backlog(): Promise<BacklogRow[]>;

  // --- pull mailboxes (XTA-like: list, fetch with lease, acknowledge) ------------------
  /** Idempotent on (mailbox, messageId). */
  mailboxPut(mailbox: string, messageId: string): Promise<void>;
  /** Items not yet acknowledged whose lease is free or expired. */
  mailboxList(mailbox: string, limit: number, exceptAgs?: readonly string[]): Promise<MailboxItem[]>;
  /**
   * Leases one item (the given one, or the oldest available) for `leaseMs`; null when none.
   * `exceptAgs`: items of messages of these AGS are not available (the ZSA's queue of a
   * service some municipalities took back).
   */
  mailboxFetch(mailbox: string, leaseMs: number, itemId?: number, exceptAgs?: readonly string[]): Promise<MailboxLease | null>;
  /**
   * Acknowledges with the lease token: item closed, message → delivered. Resolves with the
   * facts of the message that became delivered now (for metrics), null when it was already
   * delivered (a repeated ack). Throws GW_LEASE_INVALID.
   */
  mailboxAck(mailbox: string, itemId: number, leaseToken: string, actor: string): Promise<AckedMessage | null>;
  /**
   * XTA 2 getMessage (gateway/xta): leases item `itemId` as mailboxFetch does and, in the same
   * transaction, records the fetch (mailbox, message id → item, lease token, lease end), so that
   * `close` finds its lease after a gateway restart. Null when the item is not available.
   */
  xtaFetch(mailbox: string, itemId: number, leaseMs: number, exceptAgs?: readonly string[]): Promise<MailboxLease | null>;
  /** The lease of the latest XTA fetch of message `messageId` from `mailbox` (ended or not), or null when it was never fetched by XTA. */
  xtaFetchLease(mailbox: string, messageId: string): Promise<XtaFetchLease | null>;

  // --- delegations ---------------------------------------------------------------------
  /** Records a runtime delegation switch (overrides the config value from now on). */
  setDelegation(change: Omit<DelegationChange, 'seq' | 'at' | 'previous'>, configured: DelegationMode | null): Promise<DelegationChange>;
  /** Current overrides: key `${ags}/${service}`. */
  delegationOverrides(): Promise<Record<string, DelegationMode>>;
  delegationHistory(ags?: string): Promise<DelegationChange[]>;

  // --- encryption at rest (ADR 0009) -----------------------------------------------------
  /**
   * Rotation job: re-seals up to `limit` payloads — and then stored forms (ADR 0020) —
   * that are not under the active at-rest key (older keys, and plaintext rows from before
   * encryption at rest) with the active key. Call it in a loop until `remaining` is 0; then old keys can leave the ring.
   * Throws GW_AT_REST_KEY_UNKNOWN / GW_AT_REST_INTEGRITY for a row that does not open, and
   * GW_NOT_READY when the store holds no at-rest keys.
   */
  rewrapPayloads(limit: number): Promise<{ rewrapped: number; remaining: number }>;

  // --- retention (ADR 0013) ---------------------------------------------------------------
  /**
   * Messages whose payload is still stored and whose Vorgang was closed (per rule) at least
   * `deleteAfterDays` before `now`, oldest first. Messages still on their way (OPEN_STATES)
   * are left out until they are delivered or dead.
   */
  retentionCandidates(now: Date, rules: RetentionRule[]): Promise<RetentionCandidate[]>;
  /**
   * In one transaction: the payload becomes an empty blob, `payloadPurgedAt` is set, a dead
   * message's outbox row is removed (it can no longer be replayed), and a retention log row
   * is written. Metadata, attachment refs and history stay; no transition is written.
   * Throws GW_NOT_FOUND for an unknown id, GW_PAYLOAD_PURGED when already purged and
   * GW_STATE_CONFLICT while the message is still on its way.
   */
  purgePayload(messageId: string, reason: string): Promise<PurgeResult>;
  /** Retention log, oldest first (of one message when given): purges (stage `payload`) and tombstones (stage `records`). */
  retentionLog(messageId?: string): Promise<RetentionRecord[]>;
  /**
   * Second retention stage (ADR 0049): up to `limit` (1…10,000) Vorgänge whose records
   * `deleteVorgangRecords` would delete now — EVERY message of the Vorgang has its payload purged
   * at or before `purgedBefore`, is not on its way (OPEN_STATES) and is not linked to a FIT-Connect
   * submission or reply (ADR 0027) — ordered by the purge time of their oldest-purged message.
   * A Vorgang goes whole or not at all: case rules (deadlines ADR 0023/0036, evidence and case
   * matches ADR 0024) read earlier messages of a Vorgang and rely on them staying. Reads only.
   */
  recordDeletionCandidates(purgedBefore: Date, limit: number): Promise<RecordDeletionCandidate[]>;
  /**
   * In one transaction, after checking the candidate conditions again with `purgedBefore`:
   * deletes every message row of the Vorgang with its transitions, forms, outbox row, mailbox
   * items and XTA fetches, and the Vorgang's case events; writes one tombstone per message, a
   * retention log row of stage `records` (message id, Vorgang id, time, `reason`, 0 bytes). The
   * retention log and the audit log are never pruned. Running counts (countByState,
   * outboxDepth) drop with the rows. Throws GW_NOT_FOUND when the Vorgang has no stored
   * message (unknown, or deleted already), GW_STATE_CONFLICT when a condition does not hold.
   */
  deleteVorgangRecords(vorgangId: string, purgedBefore: Date, reason: string): Promise<RecordDeletionResult>;

  // --- attachment uploaders (docs/security.md) ------------------------------------------
  /** Records that `uploader` (a kennung) uploaded the attachment bytes `sha512`; idempotent. */
  recordUpload(sha512: string, uploader: string): Promise<void>;
  /** Whether `uploader` ever uploaded the bytes `sha512`. */
  uploadedBy(sha512: string, uploader: string): Promise<boolean>;

  // --- case events of deadlines (ADR 0023) ------------------------------------------------
  /**
   * Records a reminder or close of a Vorgang at most once per (Vorgang, deadline, kind, after
   * message): true when this call recorded it, false when another call (or instance) had.
   */
  recordVorgangEvent(e: NewVorgangEvent): Promise<boolean>;
  /** The FIT-Connect Submission API's submissions, attachments and event log (ADR 0027). */
  readonly fitConnect: FitConnectStore;
  /** The case events of a Vorgang, oldest first. */
  vorgangEvents(vorgangId: string): Promise<VorgangEvent[]>;
  /** Vorgänge whose deadline runs (see DeadlineCandidate), oldest delivery first. */
  deadlineCandidates(q: DeadlineQuery): Promise<DeadlineCandidate[]>;
  /**
   * Where the next pass of this deadline may start (`DeadlineQuery.fromSeq`): every `after`
   * message below it is settled for good (answered, or its Vorgang closed), so the pass costs
   * the open cases, not the whole store (ADR 0036).
   */
  deadlineWatermark(q: DeadlineQuery): Promise<number>;

  // --- service figures and usage (ADR 0031) ------------------------------------------------
  /** Messages stored in the period (oldest first) with the time each was first delivered; no payload. */
  reportMessages(p: ReportPeriod): Promise<ReportMessage[]>;
  /** Open Vorgänge at `to` per (AGS, LeiKa, opening route), counted in SQL (see CaseDefinition). */
  reportOpenCases(to: Date, def: CaseDefinition, ags?: readonly string[]): Promise<OpenCaseCount[]>;
  /** Per Vorgang of `vorgangIds`, its first stored message of `which`'s types or routes, with its first delivery. */
  reportFirstOf(vorgangIds: readonly string[], which: FirstOf): Promise<VorgangMessageTime[]>;
  /** Vorgänge closed as incomplete (case event `closed`) within the period. */
  reportClosedIncomplete(p: ReportPeriod): Promise<ClosedIncomplete[]>;
  /** Messages, payload and attachment bytes per (AGS, LeiKa, route) stored in the period, summed in SQL. */
  reportUsage(p: ReportPeriod): Promise<UsageAggregate[]>;

  /** Cheap liveness probe of the database. */
  ping(): Promise<void>;
  /** How far the writes are behind now; synchronous and cheap (read on every ingress request by admission control, ADR 0036). */
  pressure(): StorePressure;
}
