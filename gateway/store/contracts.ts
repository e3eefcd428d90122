import type { MessageForm, NewForm } from '../model/index.js';
import type { BrowseReads } from './browse-types.js';
import type { FitConnectStore } from './fit-connect.js';
import type { CaseDefinition, ClosedIncomplete, FirstOf, OpenCaseCount, ProofSnapshot, ProofSubject, ReportMessage, ReportPeriod, UsageAggregate, VorgangMessageTime } from './report-types.js';
import type { PurgeResult, RecordDeletionCandidate, RecordDeletionResult, RetentionCandidate, RetentionRecord, RetentionRule } from './retention-types.js';
import type {
  AcceptResult,
  AckedMessage,
  BacklogRow,
  ClaimOptions,
  DelegationChange,
  DelegationMode,
  MailboxItem,
  MailboxLease,
  MessageFilter,
  NewMessage,
  OutboxItem,
  Rejection,
  StoredMessage,
  StoredRejection,
  StorePressure,
  Transition,
  XtaFetchLease,
} from './types.js';
import type { DeadlineCandidate, DeadlineQuery, NewVorgangEvent, VorgangEvent } from './vorgang-events.js';

/*
 * The store's narrow contracts (ADR 0044). Each caller declares the ones it uses, so a
 * module's imports tell what it depends on; `MessageStore` is their intersection, the one
 * type every backend implements and the one test suite (test/store/) checks.
 *
 * Every method is one transaction; a resolved promise means the change is durable
 * (committed and fsync'd). Every state change also writes a `Transition`.
 */

/** Opening, closing and probing the store (the composition root, health, admission control). */
export interface StoreLifecycle {
  /** The backend: `sqlite`, later `postgres`. */
  readonly kind: string;
  /** Creates or upgrades the schema. Called once at start; safe to call again. */
  migrate(): Promise<void>;
  /** Flushes pending writes and closes. Idempotent. */
  close(): Promise<void>;
  /** Cheap liveness probe of the database. */
  ping(): Promise<void>;
  /** How far the writes are behind now; synchronous and cheap, no I/O (read on every ingress request by admission control, ADR 0036). */
  pressure(): StorePressure;
}

/** Ingress writes: a valid, routed message, or refused input. */
export interface MessageWrites {
  /**
   * Stores a valid, routed message: the message row, transitions
   * received → validated → routed → (mapped →) queued — or routed → dead when the delivery
   * mapping failed (`mappingFailure`) — its forms and its outbox row, in one transaction.
   * Idempotent on (author, messageUuid): see AcceptResult.
   */
  accept(msg: NewMessage): Promise<AcceptResult>;
  /** Records refused input (never a message). */
  recordRejection(r: Rejection): Promise<void>;
}

/** Reads of stored messages: metadata, payload, forms, history, Vorgang, rejections. */
export interface MessageReads {
  getMessage(id: string): Promise<StoredMessage | null>;
  getMessageByUuid(author: string, messageUuid: string): Promise<StoredMessage | null>;
  /** Null for an unknown id; throws GW_PAYLOAD_PURGED once retention deleted it. */
  getPayload(id: string): Promise<Buffer | null>;
  /** The forms kept with a message (ADR 0020), oldest first; empty for none or an unknown id. */
  listForms(messageId: string): Promise<MessageForm[]>;
  /** One form with its bytes; null when the message has no such form; throws GW_PAYLOAD_PURGED once retention deleted it. */
  getForm(messageId: string, name: string): Promise<{ form: MessageForm; body: Buffer } | null>;
  listMessages(filter: MessageFilter): Promise<StoredMessage[]>;
  history(messageId: string): Promise<Transition[]>;
  /** All messages of a Vorgang, oldest first. */
  vorgang(vorgangId: string): Promise<StoredMessage[]>;
  listRejections(limit: number): Promise<StoredRejection[]>;
}

/** How much waits where: counts for metrics, alerts, admission control and the admin API. */
export interface BacklogReads {
  countByState(): Promise<Record<string, number>>;
  /**
   * Messages still on their way (OPEN_STATES) and dead ones, per endpoint and state, with the
   * receive time of the oldest: one query on a covering index (migration 9), called on every
   * metrics scrape and alert evaluation (gateway/monitoring, ADR 0029).
   */
  backlog(): Promise<BacklogRow[]>;
  /** Number of outbox items per endpoint that are pending (not dead). */
  outboxDepth(): Promise<Record<string, number>>;
}

/** The delivery worker's side of the transactional outbox: claim with a lease, then one named transition. */
export interface OutboxStore {
  /** Leases due outbox items (queued/retrying, due, not dead, lease free or expired), oldest first. */
  claimDue(opts: ClaimOptions): Promise<OutboxItem[]>;
  /** Peer confirmed: state → delivered, outbox row removed. */
  markDelivered(item: OutboxItem, detail: string): Promise<void>;
  /** Placed in a pull mailbox (see MailboxStore): state → in_mailbox, outbox row removed. */
  markInMailbox(item: OutboxItem, mailbox: string): Promise<void>;
  /** Failed, will retry at `dueAt`: attempts+1, state → retrying, lease released. */
  markRetrying(item: OutboxItem, reason: string, dueAt: Date): Promise<void>;
  /** Gave up: attempts+1 (when `countAttempt`), state → dead, outbox row kept for replay. */
  markDead(item: OutboxItem, reason: string, countAttempt: boolean): Promise<void>;
  /** Gives the item back without counting an attempt (not connected, shutdown). */
  release(item: OutboxItem, reason: string, dueAt?: Date): Promise<void>;
  /** Releases every lease held by `owner` (start-up of a single-instance store, shutdown). */
  releaseOwner(owner: string): Promise<number>;
  /** Earliest due time among pending outbox items (for the worker's sleep), or null. */
  nextDueAt(): Promise<Date | null>;
  /**
   * Stores the delivery form a replay produced (the delivery worker maps a message whose
   * mapping failed at ingress); replaces an earlier form of the same name. Throws GW_NOT_FOUND.
   */
  putForm(messageId: string, form: NewForm): Promise<MessageForm>;
}

/** Replay of dead messages (API, monitoring UI, CLI). */
export interface ReplayStore {
  /** dead → queued with attempts reset. Returns false when the message is not dead; throws GW_PAYLOAD_PURGED when its payload is gone. */
  replay(messageId: string, actor: string): Promise<boolean>;
  /** Replays every dead message with a payload (optionally of one endpoint); returns the ids replayed. */
  replayAllDead(actor: string, endpointId?: string): Promise<string[]>;
}

/**
 * Pull mailboxes (XTA-like: list, fetch with lease, acknowledge): the narrow port the mailbox
 * connector (connectors/types.ts `ConnectorContext.mailboxes`), the mailbox API and the XTA 2
 * message box get. `ping`: whether the store answers (the mailbox egress's `connect`).
 */
export interface MailboxStore {
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
  /** Cheap liveness probe of the database (same as StoreLifecycle.ping). */
  ping(): Promise<void>;
}

/** The XTA 2 web service's fetches (gateway/xta, migration 14): a getMessage whose lease `close` finds after a restart. */
export interface XtaFetchStore {
  /**
   * XTA 2 getMessage: leases item `itemId` as mailboxFetch does and, in the same
   * transaction, records the fetch (mailbox, message id → item, lease token, lease end), so that
   * `close` finds its lease after a gateway restart. Null when the item is not available.
   */
  xtaFetch(mailbox: string, itemId: number, leaseMs: number, exceptAgs?: readonly string[]): Promise<MailboxLease | null>;
  /** The lease of the latest XTA fetch of message `messageId` from `mailbox` (ended or not), or null when it was never fetched by XTA. */
  xtaFetchLease(mailbox: string, messageId: string): Promise<XtaFetchLease | null>;
}

/** Runtime delegation switches (routing, ownership checks, admin API, UI). */
export interface DelegationStore {
  /** Records a runtime delegation switch (overrides the config value from now on). */
  setDelegation(change: Omit<DelegationChange, 'seq' | 'at' | 'previous'>, configured: DelegationMode | null): Promise<DelegationChange>;
  /** Current overrides: key `${ags}/${service}`. */
  delegationOverrides(): Promise<Record<string, DelegationMode>>;
  delegationHistory(ags?: string): Promise<DelegationChange[]>;
}

/** Encryption at rest (ADR 0009): the key rotation job. */
export interface RewrapStore {
  /**
   * Rotation job: re-seals up to `limit` payloads — and then stored forms (ADR 0020) —
   * that are not under the active at-rest key (older keys, and plaintext rows from before
   * encryption at rest) with the active key. Call it in a loop until `remaining` is 0; then old keys can leave the ring.
   * Throws GW_AT_REST_KEY_UNKNOWN / GW_AT_REST_INTEGRITY for a row that does not open, and
   * GW_NOT_READY when the store holds no at-rest keys.
   */
  rewrapPayloads(limit: number): Promise<{ rewrapped: number; remaining: number }>;
}

/** Retention (ADR 0013): which payloads may go, deleting them, and the log of it. */
export interface RetentionStore {
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
}

/** Who uploaded which attachment bytes (docs/security.md): only the uploader may reference them. */
export interface UploadLedger {
  /** Records that `uploader` (a kennung) uploaded the attachment bytes `sha512`; idempotent. */
  recordUpload(sha512: string, uploader: string): Promise<void>;
  /** Whether `uploader` ever uploaded the bytes `sha512`. */
  uploadedBy(sha512: string, uploader: string): Promise<boolean>;
}

/** The case events of a Vorgang (reminders, closes; ADR 0023), as the API, UI and proof bundle read them. */
export interface VorgangEventReads {
  /** The case events of a Vorgang, oldest first. */
  vorgangEvents(vorgangId: string): Promise<VorgangEvent[]>;
}

/** The deadline watcher's store (ADR 0023, ADR 0036). */
export interface DeadlineStore extends VorgangEventReads {
  /**
   * Records a reminder or close of a Vorgang at most once per (Vorgang, deadline, kind, after
   * message): true when this call recorded it, false when another call (or instance) had.
   */
  recordVorgangEvent(e: NewVorgangEvent): Promise<boolean>;
  /** Vorgänge whose deadline runs (see DeadlineCandidate), oldest delivery first. */
  deadlineCandidates(q: DeadlineQuery): Promise<DeadlineCandidate[]>;
  /**
   * Where the next pass of this deadline may start (`DeadlineQuery.fromSeq`): every `after`
   * message below it is settled for good (answered, or its Vorgang closed), so the pass costs
   * the open cases, not the whole store (ADR 0036).
   */
  deadlineWatermark(q: DeadlineQuery): Promise<number>;
}

/** Service figures and usage, summed in the database, and the facts of proof bundles (ADR 0031). */
export interface ReportStore {
  /**
   * The facts of a proof bundle (ADR 0031, ADR 0049) in ONE read transaction: the message
   * (or every message of the Vorgang, oldest first), each with its history and form metadata,
   * and the Vorgang's case events — all from the same snapshot, so each message's `state`
   * equals the `to` of its last transition even while the outbox moves it. No payload or form
   * bytes. An unknown id gives no messages (and, for a Vorgang, no events). Never writes.
   */
  proofSnapshot(subject: ProofSubject): Promise<ProofSnapshot>;
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
}

/** The FIT-Connect Submission API's submissions, attachments and event log (ADR 0027). */
export interface FitConnectStores {
  readonly fitConnect: FitConnectStore;
}

export type { BrowseReads, FitConnectStore };

/**
 * The one seam between the gateway and its database: every contract above. Backends: SQLite
 * (embedded default); PostgreSQL behind the same interface and the same test suite
 * (test/store/). Only the composition root (gateway/compose/), store factories, tests and
 * benches hold a whole MessageStore; every other module declares the contracts it uses.
 */
export interface MessageStore
  extends StoreLifecycle,
    MessageWrites,
    MessageReads,
    BacklogReads,
    OutboxStore,
    ReplayStore,
    MailboxStore,
    XtaFetchStore,
    DelegationStore,
    RewrapStore,
    RetentionStore,
    UploadLedger,
    DeadlineStore,
    ReportStore,
    BrowseReads,
    FitConnectStores {}
