import type { Selectable } from 'kysely';
import { GatewayError } from '../../errors.js';
import type { OutboxItem } from '../types.js';
import type { OutboxTable } from '../tables.js';
import type { SqliteContext } from './connection.js';
import { purgedError } from './retention.js';
import { changeState } from './transitions.js';
import { template } from './template.js';

const NO_LEASE = { lease_owner: null, lease_token: null, lease_until: null } as const;

const SELECT_OUTBOX_ROW = template('select-outbox-row', (qb, p: { id: number }) => qb.selectFrom('outbox').selectAll().where('id', '=', p.id));
const DELETE_OUTBOX_ROW = template('delete-outbox-row', (qb, p: { id: number }) => qb.deleteFrom('outbox').where('id', '=', p.id));
const INSERT_MAILBOX_ITEM = template('insert-mailbox-item', (qb, p: { mailbox: string; message_id: string; enqueued_at: number }) =>
  qb
    .insertInto('mailbox')
    .values({ mailbox: p.mailbox, message_id: p.message_id, enqueued_at: p.enqueued_at, deliveries: 0 })
    .onConflict((oc) => oc.columns(['mailbox', 'message_id']).doNothing()),
);
const RETRY_OUTBOX_ROW = template('retry-outbox-row', (qb, p: { id: number; attempts: number; due_at: number }) =>
  qb.updateTable('outbox').set({ ...NO_LEASE, attempts: p.attempts, due_at: p.due_at }).where('id', '=', p.id),
);


/**
 * The outbox row `item` was claimed from, if `item.lease` is still its lease token.
 *
 * The token is a fencing token: it stays valid past `lease_until` as long as nobody else
 * claimed the row (expiry only makes the row claimable again), and stops working as soon
 * as the row is re-claimed, released, retried, dead or done. Throws GW_LEASE_INVALID
 * otherwise, so a stale worker can never overwrite the outcome of the current one.
 */
function leasedRow(ctx: SqliteContext, item: OutboxItem): Selectable<OutboxTable> {
  const row = ctx.sql.first(SELECT_OUTBOX_ROW, { id: item.id });
  if (row === undefined || row.lease_token === null || row.lease_token !== item.lease || row.message_id !== item.messageId) {
    throw new GatewayError('GW_LEASE_INVALID', `The lease on outbox item ${item.id} (message ${item.messageId}) is no longer held.`, {
      extra: { outboxId: item.id, messageId: item.messageId },
    });
  }
  return row;
}

function deleteRow(ctx: SqliteContext, id: number): void {
  ctx.sql.run(DELETE_OUTBOX_ROW, { id });
}

/** Peer confirmed: message → delivered, outbox row removed. The transition carries the attempt number that succeeded. */
export function markDelivered(ctx: SqliteContext, item: OutboxItem, detail: string): void {
  const row = leasedRow(ctx, item);
  changeState(ctx, row.message_id, 'delivered', detail, row.attempts + 1);
  deleteRow(ctx, row.id);
}

/** Message → in_mailbox, outbox row removed, and the mailbox item created (idempotent) in the same transaction. */
export function markInMailbox(ctx: SqliteContext, item: OutboxItem, mailbox: string): void {
  const row = leasedRow(ctx, item);
  changeState(ctx, row.message_id, 'in_mailbox', `placed in mailbox ${mailbox}`, row.attempts + 1);
  deleteRow(ctx, row.id);
  ctx.sql.run(INSERT_MAILBOX_ITEM, { mailbox, message_id: row.message_id, enqueued_at: ctx.now() });
}

/** Attempt failed: attempts+1, message → retrying, due again at `dueAt`, lease released. */
export function markRetrying(ctx: SqliteContext, item: OutboxItem, reason: string, dueAt: Date): void {
  const row = leasedRow(ctx, item);
  const attempts = row.attempts + 1;
  changeState(ctx, row.message_id, 'retrying', reason, attempts, { attempts, last_error: reason });
  ctx.sql.run(RETRY_OUTBOX_ROW, { id: row.id, attempts, due_at: dueAt.getTime() });
}

/** Gave up: attempts+1 when `countAttempt`, message → dead; the outbox row stays (flagged dead) for replay. */
export function markDead(ctx: SqliteContext, item: OutboxItem, reason: string, countAttempt: boolean): void {
  const row = leasedRow(ctx, item);
  const attempts = row.attempts + (countAttempt ? 1 : 0);
  changeState(ctx, row.message_id, 'dead', reason, attempts, { attempts, last_error: reason });
  ctx.sql.run(
    ctx.qb.updateTable('outbox').set({ ...NO_LEASE, attempts, dead: 1, dead_at: ctx.now() }).where('id', '=', row.id),
  );
}

/**
 * Gives the item back without counting an attempt and without a state change; due again
 * at `dueAt` (default: as before, i.e. at once). The reason is kept as the message's
 * last error so an operator sees why a queued message waits (e.g. "not connected").
 */
export function release(ctx: SqliteContext, item: OutboxItem, reason: string, dueAt?: Date): void {
  const row = leasedRow(ctx, item);
  ctx.sql.run(
    ctx.qb
      .updateTable('outbox')
      .set({ ...NO_LEASE, due_at: dueAt === undefined ? row.due_at : dueAt.getTime() })
      .where('id', '=', row.id),
  );
  ctx.sql.run(
    ctx.qb.updateTable('messages').set({ last_error: reason, updated_at: ctx.now() }).where('id', '=', row.message_id),
  );
}

/** dead → queued with attempts reset and due now. False when the message is unknown or not dead. */
export function replay(ctx: SqliteContext, messageId: string, actor: string): boolean {
  const m = ctx.sql.first(ctx.qb.selectFrom('messages').select(['state', 'endpoint_id', 'payload_purged_at']).where('id', '=', messageId));
  if (m === undefined || m.state !== 'dead') return false;
  if (m.payload_purged_at !== null) throw purgedError(messageId, m.payload_purged_at);
  changeState(ctx, messageId, 'queued', `replayed by ${actor}`, 0, { attempts: 0 });
  const now = ctx.now();
  const reset = ctx.sql.run(
    ctx.qb
      .updateTable('outbox')
      .set({ ...NO_LEASE, attempts: 0, dead: 0, dead_at: null, due_at: now })
      .where('message_id', '=', messageId),
  );
  if (reset.changes === 0) {
    // markDead keeps the row; this only repairs a database edited by hand.
    ctx.sql.run(
      ctx.qb
        .insertInto('outbox')
        .values({ message_id: messageId, endpoint_id: m.endpoint_id, due_at: now, attempts: 0, dead: 0, created_at: now }),
    );
  }
  return true;
}

/** Replays every dead message (of one endpoint, when given), oldest first; returns their ids. */
export function replayAllDead(ctx: SqliteContext, actor: string, endpointId?: string): string[] {
  let q = ctx.qb.selectFrom('messages').select('id').where('state', '=', 'dead').where('payload_purged_at', 'is', null);
  if (endpointId !== undefined) q = q.where('endpoint_id', '=', endpointId);
  const ids = ctx.sql.all(q.orderBy('seq')).map((r) => r.id);
  return ids.filter((id) => replay(ctx, id, actor));
}
