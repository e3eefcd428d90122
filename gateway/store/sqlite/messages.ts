import type { AcceptResult, NewMessage, Rejection, StoredRejection } from '../types.js';
import type { MessageState } from '../../model/states.js';
import type { SqliteContext } from './connection.js';
import { boundLimit, toReceipt, toStoredRejection } from './rows.js';
import { recordCreation } from './transitions.js';
import { template } from './template.js';
import type { Insertable } from 'kysely';
import type { MessagesTable } from '../tables.js';
import type { StoredPayload } from '../sealing.js';
import { insertForms, type SealedForm } from './forms.js';
import { canonicalId } from '../../model/patterns.js';
import { vorgangExists } from '../../errors.js';

const SELECT_EXISTING = template('select-existing', (qb, p: { author: string; message_uuid: string }) =>
  qb
    .selectFrom('messages')
    .select(['id', 'message_uuid', 'author', 'state', 'received_at', 'sha512'])
    .where('author', '=', p.author)
    .where('message_uuid', '=', p.message_uuid),
);
/** Another message of this Vorgang than `id` (the one just inserted). */
const VORGANG_TAKEN = template('vorgang-taken', (qb, p: { vorgang_id: string; id: string }) =>
  qb.selectFrom('messages').select('id').where('vorgang_id', '=', p.vorgang_id).where('id', '!=', p.id).limit(1),
);
// payload_purged_at is only ever set by retention (NULL on insert).
type MessageInsert = Required<Omit<Insertable<MessagesTable>, 'seq' | 'payload_purged_at'>>;
const MESSAGE_INSERT_COLUMNS: Array<keyof MessageInsert> = [
  'id', 'message_uuid', 'author', 'reader', 'message_type', 'namespace', 'standard', 'version', 'vorgang_id', 'leika', 'ags', 'test',
  'header_created_at', 'state', 'attempts', 'route_name', 'endpoint_id', 'size', 'sha512', 'payload', 'payload_key_id', 'payload_format', 'warnings', 'attachments',
  'last_error', 'received_at', 'updated_at', 'mapping',
];
/** Inserts unless the author already sent this message UUID (then changes nothing): the duplicate check and the insert in one statement. */
const INSERT_MESSAGE = template('insert-message', (qb, p: MessageInsert) =>
  qb
    .insertInto('messages')
    .values(Object.fromEntries(MESSAGE_INSERT_COLUMNS.map((c) => [c, p[c]])) as MessageInsert)
    .onConflict((oc) => oc.columns(['author', 'message_uuid']).doNothing()),
);
const INSERT_OUTBOX = template('insert-outbox', (qb, p: { message_id: string; endpoint_id: string; now: number; dead: number }) =>
  qb.insertInto('outbox').values({ message_id: p.message_id, endpoint_id: p.endpoint_id, due_at: p.now, attempts: 0, dead: p.dead, created_at: p.now }),
);

/**
 * The states a message passes through in `accept`, with the reason kept in its history:
 * … → routed → queued, or → routed → mapped → queued with a delivery form, or → routed →
 * dead when the delivery mapping failed (ADR 0020).
 */
function acceptPath(msg: NewMessage, forms: readonly SealedForm[]): Array<{ state: MessageState; reason: string }> {
  const warnings = msg.warnings.length === 0 ? '' : ` (${msg.warnings.length} warning${msg.warnings.length === 1 ? '' : 's'})`;
  const original = forms.find((f) => f.role === 'original');
  const delivery = forms.find((f) => f.role === 'delivery');
  const path: Array<{ state: MessageState; reason: string }> = [
    { state: 'received', reason: original ? `accepted as ${original.format}, mapped to XML by ${original.mapping}` : 'accepted' },
    { state: 'validated', reason: `schema valid${warnings}` },
    { state: 'routed', reason: msg.routeReason },
  ];
  if (msg.mappingFailure !== undefined) return [...path, { state: 'dead', reason: msg.mappingFailure }];
  if (delivery) path.push({ state: 'mapped', reason: `mapping ${delivery.mapping}: ${delivery.format} (${delivery.mediaType}), ${delivery.size} bytes` });
  return [...path, { state: 'queued', reason: `outbox: endpoint ${msg.endpointId}` }];
}

/**
 * Stores a valid, routed message with its transitions and outbox row (see
 * MessageStore.accept). Runs inside the group-commit transaction, in its own savepoint: a
 * throw rolls back every row written here. The insert is the duplicate check (ON CONFLICT
 * of author and message UUID: nothing inserted, then the stored one is read), so a new
 * message costs no lookup before it; neither can interleave with another writer because
 * SQLite holds the write lock (BEGIN IMMEDIATE) for the whole batch. `stored` is the
 * payload as sealed by the caller (`size` stays the plaintext length).
 */
export function accept(ctx: SqliteContext, msg: NewMessage, stored: StoredPayload, forms: readonly SealedForm[] = []): AcceptResult {
  const h = msg.header;
  const now = ctx.now();
  const path = acceptPath(msg, forms);
  const state = path[path.length - 1]!.state;
  const inserted = ctx.sql.run(INSERT_MESSAGE, {
      id: msg.id,
      message_uuid: canonicalId(h.messageUuid),
      author: h.author,
      reader: h.reader,
      message_type: h.messageType,
      namespace: h.namespace,
      standard: h.standard,
      version: h.version,
      vorgang_id: canonicalId(h.vorgangId),
      leika: h.leika,
      ags: h.ags,
      test: h.test ? 1 : 0,
      header_created_at: h.createdAt,
      state,
      attempts: 0,
      route_name: msg.routeName,
      endpoint_id: msg.endpointId,
      size: msg.payload.length,
      sha512: msg.payloadSha512,
      payload: stored.blob,
      payload_key_id: stored.keyId,
      payload_format: msg.payloadFormat ?? 'xml',
      warnings: JSON.stringify(msg.warnings),
      attachments: JSON.stringify(msg.attachments),
      last_error: msg.mappingFailure ?? null,
      received_at: now,
      updated_at: now,
      mapping: msg.mapping ?? null,
  });
  if (inserted.changes === 0) {
    const existing = ctx.sql.first(SELECT_EXISTING, { author: h.author, message_uuid: canonicalId(h.messageUuid) });
    if (existing === undefined) throw new Error(`accept: message ${msg.id} was neither inserted nor found as a duplicate`);
    return { kind: existing.sha512 === msg.payloadSha512 ? 'duplicate' : 'conflict', receipt: toReceipt(existing) };
  }
  // checked after the insert (so a resent opening message is still a duplicate); a throw rolls the insert back with the savepoint
  if (msg.opensVorgang === true && ctx.sql.first(VORGANG_TAKEN, { vorgang_id: canonicalId(h.vorgangId), id: msg.id }) !== undefined) throw vorgangExists(h);
  recordCreation(ctx, msg.id, path, now);
  insertForms(ctx, msg.id, forms, now);
  // a message dead from a failed mapping keeps a dead outbox row: replay queues it again
  ctx.sql.run(INSERT_OUTBOX, { message_id: msg.id, endpoint_id: msg.endpointId, now, dead: state === 'dead' ? 1 : 0 });
  return {
    kind: 'created',
    receipt: toReceipt({ id: msg.id, message_uuid: h.messageUuid, author: h.author, state, received_at: now, sha512: msg.payloadSha512 }),
  };
}

export function recordRejection(ctx: SqliteContext, r: Rejection): void {
  ctx.sql.run(
    ctx.qb.insertInto('rejections').values({
      at: ctx.now(),
      code: r.code,
      detail: r.detail,
      author: r.author,
      message_uuid: r.messageUuid,
      message_type: r.messageType,
      size: r.size,
      sha512: r.sha512,
      remote: r.remote,
    }),
  );
}

/** Newest first. */
export function listRejections(ctx: SqliteContext, limit: number): StoredRejection[] {
  return ctx.sql
    .all(ctx.qb.selectFrom('rejections').selectAll().orderBy('seq', 'desc').limit(boundLimit(limit, 100)))
    .map(toStoredRejection);
}
