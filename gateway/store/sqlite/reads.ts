import { sql } from 'kysely';
import { MESSAGE_STATES } from '../../model/states.js';
import type { BacklogRow, MessageFilter, ProofSnapshot, ProofSubject, StoredMessage, Transition } from '../types.js';
import { listForms } from './forms.js';
import * as events from './vorgang-events.js';
import type { SqliteContext } from './connection.js';
import { boundLimit, MESSAGE_COLUMNS, toState, toStoredMessage, toTransition } from './rows.js';
import { purgedError } from './retention.js';
import { template } from './template.js';
import type { StoredPayload } from '../sealing.js';
import { canonicalId } from '../../model/patterns.js';

const BY_ID = template('message-by-id', (qb, p: { id: string }) => qb.selectFrom('messages').select(MESSAGE_COLUMNS).where('id', '=', p.id));
const BY_UUID = template('message-by-uuid', (qb, p: { author: string; message_uuid: string }) =>
  qb.selectFrom('messages').select(MESSAGE_COLUMNS).where('author', '=', p.author).where('message_uuid', '=', p.message_uuid),
);

/** Default and maximum page size of listMessages. */
const DEFAULT_LIST_LIMIT = 100;
const MAX_LIST_LIMIT = 1000;

export function getMessage(ctx: SqliteContext, id: string): StoredMessage | null {
  const row = ctx.sql.first(BY_ID, { id });
  return row === undefined ? null : toStoredMessage(row);
}

export function getMessageByUuid(ctx: SqliteContext, author: string, messageUuid: string): StoredMessage | null {
  const row = ctx.sql.first(BY_UUID, { author, message_uuid: canonicalId(messageUuid) });
  return row === undefined ? null : toStoredMessage(row);
}

/** The payload as stored (possibly sealed: the store opens it). Throws GW_PAYLOAD_PURGED once retention deleted it. */
export function getPayload(ctx: SqliteContext, id: string): StoredPayload | null {
  const row = ctx.sql.first(ctx.qb.selectFrom('messages').select(['payload', 'payload_key_id', 'payload_purged_at']).where('id', '=', id));
  if (row === undefined) return null;
  if (row.payload_purged_at !== null) throw purgedError(id, row.payload_purged_at);
  return { blob: row.payload, keyId: row.payload_key_id };
}

/** Newest first; every filter field given must match. Limit defaults to 100, at most 1000. */
export function listMessages(ctx: SqliteContext, f: MessageFilter): StoredMessage[] {
  let q = ctx.qb.selectFrom('messages').select(MESSAGE_COLUMNS);
  if (f.state !== undefined) q = q.where('state', '=', f.state);
  if (f.endpointId !== undefined) q = q.where('endpoint_id', '=', f.endpointId);
  if (f.vorgangId !== undefined) q = q.where('vorgang_id', '=', canonicalId(f.vorgangId));
  if (f.author !== undefined) q = q.where('author', '=', f.author);
  if (f.ags !== undefined) q = q.where('ags', '=', f.ags);
  if (f.agsNotIn !== undefined && f.agsNotIn.length > 0) q = q.where('ags', 'not in', [...f.agsNotIn]);
  if (f.messageType !== undefined) q = q.where('message_type', '=', f.messageType);
  if (f.beforeSeq !== undefined) q = q.where('seq', '<', f.beforeSeq);
  if (f.attachmentSha512 !== undefined) {
    if (!/^[0-9a-f]{128}$/.test(f.attachmentSha512)) return [];
    q = q.where('attachments', 'like', `%"sha512":"${f.attachmentSha512}"%`); // hex only: nothing to escape
  }
  if (f.services !== undefined) {
    const { leika, routeNames, knownLeika } = f.services;
    if (leika.length === 0 && routeNames.length === 0) return [];
    q = q.where((eb) =>
      eb.or([
        ...(leika.length > 0 ? [eb('leika', 'in', [...leika])] : []),
        ...(routeNames.length > 0 ? [eb.and([eb('route_name', 'in', [...routeNames]), ...(knownLeika.length > 0 ? [eb('leika', 'not in', [...knownLeika])] : [])])] : []),
      ]),
    );
  }
  const limit = boundLimit(f.limit, DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT);
  return ctx.sql.all(q.orderBy('seq', 'desc').limit(limit)).map(toStoredMessage);
}

/** Oldest first. */
export function history(ctx: SqliteContext, messageId: string): Transition[] {
  return ctx.sql
    .all(ctx.qb.selectFrom('transitions').selectAll().where('message_id', '=', messageId).orderBy('seq'))
    .map(toTransition);
}

/** Oldest first. */
export function vorgang(ctx: SqliteContext, vorgangId: string): StoredMessage[] {
  return ctx.sql
    .all(ctx.qb.selectFrom('messages').select(MESSAGE_COLUMNS).where('vorgang_id', '=', canonicalId(vorgangId)).orderBy('seq'))
    .map(toStoredMessage);
}

/**
 * Every state of the state machine, 0 when no message is in it (a gauge must drop to 0, not
 * vanish). Reads the running counts of migration 13: its cost does not grow with the store.
 */
export function countByState(ctx: SqliteContext): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(MESSAGE_STATES.map((s) => [s, 0]));
  const rows = ctx.sql.all(ctx.qb.selectFrom('message_counts').select((eb) => ['state', eb.fn.sum<number>('n').as('n')]).groupBy('state'));
  for (const r of rows) counts[r.state] = Number(r.n);
  return counts;
}

/** States `backlog` reports; the same list as the partial index messages_backlog (migration 9), so SQLite can use it. */
const BACKLOG_STATES = ['received', 'validated', 'routed', 'mapped', 'queued', 'retrying', 'in_mailbox', 'dead'] as const;

/**
 * Open and dead messages per endpoint and state with the oldest receive time: the counts
 * from message_counts (migration 13), the oldest of each group by one seek on the covering
 * index messages_backlog. Cost: one small table plus one index seek per non-empty group,
 * whatever the size of the backlog.
 */
export function backlog(ctx: SqliteContext): BacklogRow[] {
  return ctx.sql.all(backlogGroupsQuery(ctx.qb)).map((g) => {
    const oldest = ctx.sql.first(oldestOfGroupQuery(ctx.qb, toState(g.state), g.endpoint_id));
    return { endpointId: g.endpoint_id, state: toState(g.state), count: Number(g.n), oldestReceivedAt: Number(oldest?.oldest ?? 0) };
  });
}

/** The non-empty (state, endpoint) groups of the backlog with their counts (exported for the query-plan test). */
export function backlogGroupsQuery(qb: SqliteContext['qb']) {
  return qb
    .selectFrom('message_counts')
    .select((eb) => ['state', 'endpoint_id', eb.fn.sum<number>('n').as('n')])
    .where('state', 'in', [...BACKLOG_STATES])
    .groupBy(['state', 'endpoint_id'])
    .having((eb) => eb.fn.sum('n'), '>', 0);
}

/** The receive time of the oldest message of one backlog group: the first entry of the group in messages_backlog (exported for the query-plan test). */
export function oldestOfGroupQuery(qb: SqliteContext['qb'], state: string, endpointId: string) {
  if (!(BACKLOG_STATES as readonly string[]).includes(state)) throw new Error(`${state} is no backlog state`);
  return qb
    .selectFrom('messages')
    .select('received_at as oldest')
    // literals, not bound parameters, and the index's own IN list: only then can SQLite prove the partial index's WHERE holds
    .where('state', 'in', BACKLOG_STATES.map((st) => sql.lit(st)))
    .where('state', '=', sql.lit(state))
    .where('endpoint_id', '=', endpointId)
    .orderBy('received_at')
    .limit(1);
}

/**
 * See MessageStore.proofSnapshot. Runs each read of the bundle on the same connection; the
 * store wraps it in one read transaction (BEGIN DEFERRED … COMMIT), so every row comes from one
 * WAL snapshot even if another connection writes meanwhile.
 */
export function proofSnapshot(ctx: SqliteContext, subject: ProofSubject): ProofSnapshot {
  const found = subject.kind === 'message' ? [getMessage(ctx, subject.id)].filter((m): m is StoredMessage => m !== null) : vorgang(ctx, subject.id);
  const messages = found.map((message) => ({ message, history: history(ctx, message.id), forms: listForms(ctx, message.id) }));
  const vorgangEvents = subject.kind === 'vorgang' && found.length > 0 ? events.vorgangEvents(ctx, found[0]!.vorgangId) : [];
  return { messages, vorgangEvents };
}
