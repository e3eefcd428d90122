import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { ClaimOptions, OutboxItem } from '../types.js';
import type { SqliteContext } from './connection.js';
import { deliveryForm, formPart } from './forms.js';
import { MESSAGE_COLUMNS, toStoredMessage } from './rows.js';

/** Message states in which an outbox row may be delivered. */
const DELIVERABLE_STATES = ['queued', 'retrying'];

/**
 * Leases due outbox items (see MessageStore.claimDue): per endpoint listed in
 * `capacity`, at most that many items that are not dead, due at `now`, whose lease is free
 * or expired, and whose message is queued or retrying; oldest (due time, then insertion)
 * first. Each gets a fresh lease token; an earlier holder's token stops working.
 */
/** An outbox item whose payload is still as stored; `payloadKeyId` and `payloadPart` say how to open it. */
export type SealedOutboxItem = OutboxItem & { payloadKeyId: string | null; payloadPart: string };

export function claimDue(ctx: SqliteContext, opts: ClaimOptions): SealedOutboxItem[] {
  const now = opts.now?.getTime() ?? ctx.now();
  const leaseUntil = now + opts.leaseMs;
  const claimed: Array<SealedOutboxItem & { dueAt: number }> = [];
  // One token per claim round, made unique per item by its id: one UPDATE for the round
  // instead of one per item (the claim runs for every batch the worker takes).
  const round = randomUUID();
  for (const [endpointId, capacity] of Object.entries(opts.capacity)) {
    const take = Math.floor(capacity);
    if (!(take > 0)) continue;
    const rows = ctx.sql.all(
      ctx.qb
        .selectFrom('outbox')
        .innerJoin('messages', 'messages.id', 'outbox.message_id')
        .select(MESSAGE_COLUMNS.map((c) => `messages.${c}` as const))
        .select(['messages.payload', 'messages.payload_key_id', 'outbox.id as outbox_id', 'outbox.endpoint_id as outbox_endpoint_id', 'outbox.attempts as outbox_attempts', 'outbox.due_at'])
        .where('outbox.endpoint_id', '=', endpointId)
        .where('outbox.dead', '=', 0)
        .where('outbox.due_at', '<=', now)
        .where((eb) => eb.or([eb('outbox.lease_until', 'is', null), eb('outbox.lease_until', '<=', now)]))
        .where('messages.state', 'in', DELIVERABLE_STATES)
        .orderBy('outbox.due_at')
        .orderBy('outbox.id')
        .limit(take),
    );
    if (rows.length === 0) continue;
    ctx.sql.run(
      ctx.qb
        .updateTable('outbox')
        .set({ lease_owner: opts.owner, lease_token: sql<string>`${round} || ':' || id`, lease_until: leaseUntil })
        .where('id', 'in', rows.map((r) => r.outbox_id)),
    );
    for (const row of rows) {
      // a message with a delivery mapping goes out in its mapped form (ADR 0020)
      const form = row.mapping === null ? null : deliveryForm(ctx, row.id);
      claimed.push({
        id: row.outbox_id,
        messageId: row.id,
        endpointId: row.outbox_endpoint_id,
        attempts: row.outbox_attempts,
        lease: `${round}:${row.outbox_id}`,
        message: toStoredMessage(row),
        ...(form === null
          ? { payload: row.payload, payloadKeyId: row.payload_key_id, payloadPart: 'payload' }
          : { payload: form.stored.blob, payloadKeyId: form.stored.keyId, payloadPart: formPart(form.name), form: { name: form.name, mediaType: form.mediaType, sha512: form.sha512 } }),
        dueAt: row.due_at,
      });
    }
  }
  claimed.sort((a, b) => a.dueAt - b.dueAt || a.id - b.id);
  return claimed.map(({ dueAt: _dueAt, ...item }) => item);
}

/** Releases every outbox lease held by `owner`; returns how many. */
export function releaseOwner(ctx: SqliteContext, owner: string): number {
  return ctx.sql.run(
    ctx.qb
      .updateTable('outbox')
      .set({ lease_owner: null, lease_token: null, lease_until: null })
      .where('lease_owner', '=', owner),
  ).changes;
}

/**
 * When the next pending item becomes claimable: its due time, or the end of its lease
 * when it is leased beyond that (so a worker does not wake up for items in flight).
 *
 * Index-driven, so its cost does not grow with the backlog (ADR 0036; the worker asks after
 * every batch): per endpoint with pending items (the running counts), the first entry of
 * outbox_due in due order whose lease does not outlast its due time — it skips at most the
 * items in flight —, and the earliest lease among leased items (outbox_lease_owner, partial:
 * only leased rows).
 */
export function nextDueAt(ctx: SqliteContext): Date | null {
  const endpoints = ctx.sql.all(ctx.qb.selectFrom('outbox_counts').select('endpoint_id').where('dead', '=', 0).where('n', '>', 0));
  let next: number | null = null;
  for (const { endpoint_id } of endpoints) {
    const row = ctx.sql.first(firstDueQuery(ctx.qb, endpoint_id));
    if (row !== undefined && (next === null || row.due_at < next)) next = row.due_at;
  }
  const leased = ctx.sql.first(leaseEndQuery(ctx.qb));
  if (leased?.next != null && (next === null || leased.next < next)) next = leased.next;
  return next === null ? null : new Date(next);
}

/** The due time of an endpoint's first pending item not leased beyond it (exported for the query-plan test). */
export function firstDueQuery(qb: SqliteContext['qb'], endpointId: string) {
  return qb
    .selectFrom('outbox')
    .select('due_at')
    .where('endpoint_id', '=', endpointId)
    .where('dead', '=', 0)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', eb.ref('due_at'))]))
    .orderBy('due_at')
    .limit(1);
}

/** The earliest end of a lease that outlasts its item's due time (exported for the query-plan test). */
export function leaseEndQuery(qb: SqliteContext['qb']) {
  return qb
    .selectFrom('outbox')
    .select((eb) => eb.fn.min<number | null>('lease_until').as('next'))
    .where('lease_owner', 'is not', null)
    .where('dead', '=', 0)
    .where('lease_until', '>', (eb) => eb.ref('due_at'));
}

/** Pending (not dead) outbox items per endpoint; endpoints without any are absent. Reads the running counts of migration 13. */
export function outboxDepth(ctx: SqliteContext): Record<string, number> {
  const rows = ctx.sql.all(ctx.qb.selectFrom('outbox_counts').select(['endpoint_id', 'n']).where('dead', '=', 0).where('n', '>', 0));
  return Object.fromEntries(rows.map((r) => [r.endpoint_id, Number(r.n)]));
}

/** Pending (not dead) outbox items of all endpoints together (admission control, ADR 0036). */
export function outboxPending(ctx: SqliteContext): number {
  const row = ctx.sql.first(ctx.qb.selectFrom('outbox_counts').select((eb) => eb.fn.sum<number>('n').as('n')).where('dead', '=', 0));
  return Number(row?.n ?? 0);
}
