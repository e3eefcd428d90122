import type { XtaFetchLease } from '../types.js';
import type { SqliteContext } from './connection.js';
import { mailboxFetch, type StoredLease } from './mailbox.js';
import { iso } from './rows.js';

/** A fetch is kept this long after its lease ended, so that a repeated close (its answer got lost) still finds it. */
const KEEP_AFTER_MS = 60 * 60 * 1000;

/**
 * XTA getMessage: leases the item (mailboxFetch) and records the fetch in the same transaction,
 * replacing an earlier fetch of the message; fetches whose lease ended more than KEEP_AFTER_MS
 * ago are removed. Null when the item is not available.
 */
export function xtaFetch(ctx: SqliteContext, mailbox: string, itemId: number, leaseMs: number, exceptAgs?: readonly string[]): StoredLease | null {
  const lease = mailboxFetch(ctx, mailbox, leaseMs, itemId, exceptAgs);
  if (lease === null) return null;
  const row = { mailbox, message_id: lease.item.messageId, item_id: lease.item.id, lease_token: lease.leaseToken, lease_until: Date.parse(lease.leaseUntil) };
  ctx.sql.run(ctx.qb.deleteFrom('xta_fetches').where('lease_until', '<', ctx.now() - KEEP_AFTER_MS));
  ctx.sql.run(
    ctx.qb
      .insertInto('xta_fetches')
      .values(row)
      .onConflict((oc) => oc.columns(['mailbox', 'message_id']).doUpdateSet({ item_id: row.item_id, lease_token: row.lease_token, lease_until: row.lease_until })),
  );
  return lease;
}

/** The recorded lease of the latest XTA fetch of `messageId` from `mailbox`, or null. */
export function xtaFetchLease(ctx: SqliteContext, mailbox: string, messageId: string): XtaFetchLease | null {
  const r = ctx.sql.first(ctx.qb.selectFrom('xta_fetches').selectAll().where('mailbox', '=', mailbox).where('message_id', '=', messageId));
  return r === undefined ? null : { itemId: r.item_id, leaseToken: r.lease_token, leaseUntil: iso(r.lease_until) };
}
