import type { SqliteContext } from './connection.js';
import type { StoredPayload } from '../sealing.js';

/** Payload rows not sealed under `activeKeyId` (older keys, or clear rows), oldest first. */
export function payloadsToRewrap(ctx: SqliteContext, activeKeyId: string, limit: number): Array<{ id: string } & StoredPayload> {
  return ctx.sql
    .all(
      ctx.qb
        .selectFrom('messages')
        .select(['id', 'payload', 'payload_key_id'])
        .where((eb) => eb.or([eb('payload_key_id', 'is', null), eb('payload_key_id', '!=', activeKeyId)]))
        .orderBy('seq')
        .limit(limit),
    )
    .map((r) => ({ id: r.id, blob: r.payload, keyId: r.payload_key_id }));
}

/** How many rows are still not under `activeKeyId`. */
export function countToRewrap(ctx: SqliteContext, activeKeyId: string): number {
  const row = ctx.sql.first(
    ctx.qb
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where((eb) => eb.or([eb('payload_key_id', 'is', null), eb('payload_key_id', '!=', activeKeyId)])),
  );
  return Number(row?.n ?? 0);
}

/**
 * Replaces a payload with its re-sealed form, only if the row still holds what was read
 * (`from`): a concurrent rewrap or a retention delete wins. Returns whether it was replaced.
 */
export function replacePayload(ctx: SqliteContext, id: string, from: string | null, to: StoredPayload): boolean {
  const q = ctx.qb.updateTable('messages').set({ payload: to.blob, payload_key_id: to.keyId }).where('id', '=', id);
  return ctx.sql.run(from === null ? q.where('payload_key_id', 'is', null) : q.where('payload_key_id', '=', from)).changes === 1;
}
