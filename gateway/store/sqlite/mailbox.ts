import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { GatewayError } from '../../errors.js';
import { canTransition } from '../../model/states.js';
import type { AckedMessage, MailboxItem, MailboxLease } from '../types.js';
import type { MailboxTable } from '../tables.js';
import { deliveryForm, formPart } from './forms.js';
import type { SqliteContext } from './connection.js';
import { boundLimit, iso, toState } from './rows.js';
import { changeState } from './transitions.js';

type ItemRow = Selectable<MailboxTable> & {
  message_uuid: string;
  message_type: string;
  vorgang_id: string;
  author: string;
  size: number;
};

/** Open (not acknowledged) items of `mailbox` whose lease is free or expired at `now`, oldest first. */
function availableItems(ctx: SqliteContext, mailbox: string, now: number, limit: number, itemId?: number, exceptAgs?: readonly string[]): ItemRow[] {
  let q = ctx.qb
    .selectFrom('mailbox')
    .innerJoin('messages', 'messages.id', 'mailbox.message_id')
    .selectAll('mailbox')
    .select(['messages.message_uuid', 'messages.message_type', 'messages.vorgang_id', 'messages.author', 'messages.size'])
    .where('mailbox.mailbox', '=', mailbox)
    .where('mailbox.acked_at', 'is', null)
    .where((eb) => eb.or([eb('mailbox.lease_until', 'is', null), eb('mailbox.lease_until', '<=', now)]));
  if (itemId !== undefined) q = q.where('mailbox.id', '=', itemId);
  if (exceptAgs !== undefined && exceptAgs.length > 0) q = q.where('messages.ags', 'not in', [...exceptAgs]);
  return ctx.sql.all(q.orderBy('mailbox.id').limit(limit));
}

function toItem(r: ItemRow, now: number): MailboxItem {
  return {
    id: r.id,
    mailbox: r.mailbox,
    messageId: r.message_id,
    messageUuid: r.message_uuid,
    messageType: r.message_type,
    vorgangId: r.vorgang_id,
    author: r.author,
    size: r.size,
    enqueuedAt: iso(r.enqueued_at),
    leaseUntil: r.lease_until !== null && r.lease_until > now ? iso(r.lease_until) : null,
    deliveries: r.deliveries,
  };
}

/** Puts a stored message into a mailbox; idempotent on (mailbox, messageId). GW_NOT_FOUND for an unknown message. */
export function mailboxPut(ctx: SqliteContext, mailbox: string, messageId: string): void {
  const m = ctx.sql.first(ctx.qb.selectFrom('messages').select('id').where('id', '=', messageId));
  if (m === undefined) throw new GatewayError('GW_NOT_FOUND', `Message ${messageId} does not exist.`);
  ctx.sql.run(
    ctx.qb
      .insertInto('mailbox')
      .values({ mailbox, message_id: messageId, enqueued_at: ctx.now(), deliveries: 0 })
      .onConflict((oc) => oc.columns(['mailbox', 'message_id']).doNothing()),
  );
}

export function mailboxList(ctx: SqliteContext, mailbox: string, limit: number, exceptAgs?: readonly string[]): MailboxItem[] {
  const now = ctx.now();
  return availableItems(ctx, mailbox, now, boundLimit(limit, 100), undefined, exceptAgs).map((r) => toItem(r, now));
}

/** A lease with its payload still sealed at rest (the store opens it). */
export type StoredLease = MailboxLease & { payloadKeyId: string | null; payloadPart: string };

/** Leases the given item, or the oldest available one, for `leaseMs`: new token, deliveries+1. Null when none is available. */
export function mailboxFetch(ctx: SqliteContext, mailbox: string, leaseMs: number, itemId?: number, exceptAgs?: readonly string[]): StoredLease | null {
  const now = ctx.now();
  const row = availableItems(ctx, mailbox, now, 1, itemId, exceptAgs)[0];
  if (row === undefined) return null;
  const leaseToken = randomUUID();
  const leaseUntil = now + leaseMs;
  ctx.sql.run(
    ctx.qb
      .updateTable('mailbox')
      .set((eb) => ({ lease_token: leaseToken, lease_until: leaseUntil, deliveries: eb('deliveries', '+', 1) }))
      .where('id', '=', row.id),
  );
  const m = ctx.sql.first(ctx.qb.selectFrom('messages').select(['payload', 'payload_key_id', 'mapping']).where('id', '=', row.message_id));
  if (m === undefined) throw new Error(`Mailbox item ${row.id} refers to a missing message ${row.message_id}`);
  const leased = { ...row, lease_token: leaseToken, lease_until: leaseUntil, deliveries: row.deliveries + 1 };
  const lease = { item: toItem(leased, now), leaseToken, leaseUntil: iso(leaseUntil) };
  // a message with a delivery mapping is fetched in its mapped form (ADR 0020)
  const form = m.mapping === null ? null : deliveryForm(ctx, row.message_id);
  if (form === null) return { ...lease, payload: m.payload, payloadKeyId: m.payload_key_id, payloadPart: 'payload' };
  return { ...lease, payload: form.stored.blob, payloadKeyId: form.stored.keyId, payloadPart: formPart(form.name), form: { name: form.name, mediaType: form.mediaType, sha512: form.sha512 } };
}

/**
 * Closes the item with the token of a running lease, and moves its message to delivered
 * (from in_mailbox; from queued/retrying too, then its outbox row goes, so it is not
 * pushed as well). Repeating the ack with the same token is a no-op, so a client whose
 * answer got lost can retry. Throws GW_LEASE_INVALID for an unknown item, a wrong token
 * or an expired lease, GW_STATE_CONFLICT when the message can no longer become delivered.
 */
export function mailboxAck(ctx: SqliteContext, mailbox: string, itemId: number, leaseToken: string, actor: string): AckedMessage | null {
  const now = ctx.now();
  const row = ctx.sql.first(
    ctx.qb.selectFrom('mailbox').selectAll().where('id', '=', itemId).where('mailbox', '=', mailbox),
  );
  const invalid = (why: string) =>
    new GatewayError('GW_LEASE_INVALID', `Mailbox ${mailbox}, item ${itemId}: ${why}.`, { extra: { mailbox, itemId } });
  if (row === undefined) throw invalid('no such item');
  if (row.lease_token !== leaseToken) throw invalid('the lease token does not match');
  if (row.acked_at !== null) return null;
  if (row.lease_until === null || row.lease_until <= now) throw invalid('the lease has expired');

  ctx.sql.run(ctx.qb.updateTable('mailbox').set({ acked_at: now, acked_by: actor }).where('id', '=', itemId));
  const m = ctx.sql.first(ctx.qb.selectFrom('messages').select(['state', 'route_name', 'endpoint_id', 'leika', 'received_at']).where('id', '=', row.message_id));
  const state = m === undefined ? undefined : toState(m.state);
  if (state === 'delivered' || state === 'acknowledged') return null;
  if (state !== undefined && canTransition(state, 'delivered')) {
    ctx.sql.run(ctx.qb.deleteFrom('outbox').where('message_id', '=', row.message_id));
  }
  changeState(ctx, row.message_id, 'delivered', `acknowledged by ${actor} (mailbox ${mailbox})`, row.deliveries);
  // m is defined here: changeState throws GW_NOT_FOUND for a missing message
  return { messageId: row.message_id, routeName: m!.route_name, endpointId: m!.endpoint_id, leika: m!.leika, receivedAt: m!.received_at };
}
