import type { ColumnType, Generated } from 'kysely';

/**
 * The tables of the SQL store backends, typed once for Kysely. SQLite uses them now,
 * PostgreSQL will use the same types, so queries written against `DB` compile for both.
 *
 * Conventions that keep the types portable (see docs/adr/0001-store-sqlite-kysely.md):
 * - every time is epoch milliseconds (`INTEGER` in SQLite, `bigint` in PostgreSQL);
 *   the store API turns them into ISO strings;
 * - booleans are 0/1 integers (SQLite has no boolean and better-sqlite3 cannot bind one);
 * - lists (`warnings`, `attachments`) are JSON text.
 */
export interface DB {
  schema_version: SchemaVersionTable;
  messages: MessagesTable;
  transitions: TransitionsTable;
  outbox: OutboxTable;
  mailbox: MailboxTable;
  delegation_changes: DelegationChangesTable;
  rejections: RejectionsTable;
  retention_log: RetentionLogTable;
  attachment_uploads: AttachmentUploadsTable;
  message_forms: MessageFormsTable;
  vorgang_events: VorgangEventsTable;
  fit_submissions: FitSubmissionsTable;
  fit_attachments: FitAttachmentsTable;
  fit_events: FitEventsTable;
  fit_replies: FitRepliesTable;
  xta_fetches: XtaFetchesTable;
  message_counts: MessageCountsTable;
  outbox_counts: OutboxCountsTable;
}

/** Running count of messages per (state, endpoint, LeiKa, AGS), kept by triggers (migration 13, ADR 0036). */
export interface MessageCountsTable {
  state: string;
  endpoint_id: string;
  leika: string;
  ags: string;
  n: number;
}

/** Running count of outbox rows per (endpoint, dead), kept by triggers (migration 13, ADR 0036). */
export interface OutboxCountsTable {
  endpoint_id: string;
  dead: Flag;
  n: number;
}

export type EpochMs = number;
/** 0 or 1. */
export type Flag = number;

export interface SchemaVersionTable {
  version: number;
  name: string;
  applied_at: EpochMs;
}

export interface MessagesTable {
  /** Gateway id: the key every other table refers to. */
  id: string;
  /** Insertion order, never reused; used for ordering and paging. */
  seq: Generated<number>;
  message_uuid: string;
  author: string;
  reader: string;
  message_type: string;
  namespace: string;
  standard: string;
  version: string;
  vorgang_id: string;
  leika: string;
  ags: string;
  test: Flag;
  header_created_at: string;
  state: string;
  attempts: number;
  route_name: string;
  endpoint_id: string;
  size: number;
  sha512: string;
  payload: Buffer;
  /** At-rest key that sealed `payload`; null = plaintext (migration 2). */
  payload_key_id: string | null;
  /** `xml` or `jwe` (pass-through). */
  payload_format: string;
  /** When retention purged the payload (migration 3); null = payload present. */
  payload_purged_at: Generated<EpochMs | null>;
  /** JSON array of strings. */
  warnings: string;
  /** JSON array of AttachmentRef. */
  attachments: string;
  last_error: string | null;
  received_at: EpochMs;
  updated_at: EpochMs;
  /** The delivery mapping the route (or the receiver's declared version) named; null = the payload is delivered (migration 5). */
  mapping: Generated<string | null>;
}

export interface TransitionsTable {
  seq: Generated<number>;
  message_id: string;
  from_state: string | null;
  to_state: string;
  at: EpochMs;
  reason: string;
  attempt: number;
}

export interface OutboxTable {
  id: Generated<number>;
  message_id: string;
  endpoint_id: string;
  due_at: EpochMs;
  lease_owner: string | null;
  lease_token: string | null;
  lease_until: EpochMs | null;
  attempts: number;
  dead: Flag;
  dead_at: EpochMs | null;
  created_at: EpochMs;
}

export interface MailboxTable {
  id: Generated<number>;
  mailbox: string;
  message_id: string;
  enqueued_at: EpochMs;
  lease_token: string | null;
  lease_until: EpochMs | null;
  deliveries: number;
  acked_at: EpochMs | null;
  acked_by: string | null;
}

/** The lease of an XTA getMessage, until its close (migration 14). */
export interface XtaFetchesTable {
  mailbox: string;
  message_id: string;
  item_id: number;
  lease_token: string;
  lease_until: EpochMs;
}

export interface DelegationChangesTable {
  seq: Generated<number>;
  ags: string;
  service: string;
  mode: string;
  previous: string | null;
  actor: string;
  reason: string;
  at: EpochMs;
}

export interface RejectionsTable {
  seq: Generated<number>;
  at: EpochMs;
  code: string;
  detail: string;
  author: string | null;
  message_uuid: string | null;
  message_type: string | null;
  size: number;
  sha512: string;
  remote: string | null;
}

/** One row per payload purge by retention (ADR 0013); append-only. */
export interface RetentionLogTable {
  seq: Generated<number>;
  message_id: string;
  vorgang_id: string;
  at: EpochMs;
  reason: string;
  bytes_removed: number;
  /** JSON array of the sha512 of attachment files no unpurged message refers to any more. */
  attachments_removed: string;
  /** `payload` (the payload was purged) or `records` (the message's rows were deleted: its tombstone; migration 15). */
  stage: ColumnType<'payload' | 'records', 'payload' | 'records' | undefined, never>;
}

/** Who uploaded which attachment bytes (kennung, or `local` for `auth.mode: off`); one row per pair. */
export interface AttachmentUploadsTable {
  sha512: string;
  uploader: string;
  uploaded_at: EpochMs;
}

/**
 * Further forms of a message besides its payload (ADR 0020): the `original` a sender
 * submitted before an ingress mapping, and the `delivery` form a route's mapping produced.
 * Sealed at rest like the payload (additional data: message id and form name).
 */
export interface MessageFormsTable {
  message_id: string;
  /** `original`, or the name of the mapping that produced the form. */
  name: string;
  /** `original` or `delivery`. */
  role: string;
  mapping: string;
  format: string;
  media_type: string;
  size: number;
  sha512: string;
  payload: Buffer;
  payload_key_id: string | null;
  /** Set when retention purged the form together with the payload. */
  payload_purged_at: EpochMs | null;
  created_at: EpochMs;
}

/**
 * Case events the gateway itself raised (ADR 0023): a deadline's reminder or the close of
 * a Vorgang as incomplete. At most one row per (Vorgang, deadline, kind, the message that
 * started the deadline), so several instances raising the same event record it once.
 */
export interface VorgangEventsTable {
  seq: Generated<number>;
  vorgang_id: string;
  /** `reminder` or `closed`. */
  kind: string;
  deadline: string;
  /** The message whose delivery started the deadline (e.g. the Nachforderung). */
  after_message_id: string;
  /** The gateway-authored notice (kind `closed`); null for a reminder. */
  notice_message_id: string | null;
  at: EpochMs;
}

/** FIT-Connect submissions (ADR 0027, gateway/store/fit-connect.ts). */
export interface FitSubmissionsTable {
  submission_id: string;
  case_id: string;
  destination_id: string;
  author: string;
  leika: string;
  /** JSON array of announced attachment ids. */
  announced: string;
  status: string;
  message_id: string | null;
  encrypted_metadata: string | null;
  encrypted_data: string | null;
  /** The sender's reply key (public JWK as JSON) from `replyChannel.fitConnect`, or null (ADR 0033). */
  reply_key: string | null;
  created_at: EpochMs;
  updated_at: EpochMs;
}

/** Replies on FIT-Connect cases (ADR 0033): one per message to the sender's mailbox on the case. */
export interface FitRepliesTable {
  reply_id: string;
  case_id: string;
  submission_id: string;
  message_id: string;
  mailbox_item: number;
  status: string;
  created_at: EpochMs;
  updated_at: EpochMs;
}

/** Uploaded attachments of FIT-Connect submissions: compact JWEs to the destination's key. */
export interface FitAttachmentsTable {
  submission_id: string;
  attachment_id: string;
  jwe: string;
  at: EpochMs;
}

/** The event log of FIT-Connect cases: one signed SET per event. */
export interface FitEventsTable {
  seq: Generated<number>;
  case_id: string;
  submission_id: string;
  event: string;
  token: string;
  at: EpochMs;
}
