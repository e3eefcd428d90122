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

/** Form rows (ADR 0020) with bytes not sealed under `activeKeyId`, oldest first; purged forms hold no bytes and are skipped. */
function formsNotUnder(ctx: SqliteContext, activeKeyId: string) {
  return ctx.qb
    .selectFrom('message_forms')
    .where('payload_purged_at', 'is', null)
    .where((eb) => eb.or([eb('payload_key_id', 'is', null), eb('payload_key_id', '!=', activeKeyId)]));
}

export function formsToRewrap(ctx: SqliteContext, activeKeyId: string, limit: number): Array<{ id: string; name: string } & StoredPayload> {
  return ctx.sql
    .all(formsNotUnder(ctx, activeKeyId).select(['message_id', 'name', 'payload', 'payload_key_id']).orderBy('created_at').limit(limit))
    .map((r) => ({ id: r.message_id, name: r.name, blob: r.payload, keyId: r.payload_key_id }));
}

export function countFormsToRewrap(ctx: SqliteContext, activeKeyId: string): number {
  return Number(ctx.sql.first(formsNotUnder(ctx, activeKeyId).select((eb) => eb.fn.countAll<number>().as('n')))?.n ?? 0);
}

/** Like replacePayload, for one form. */
export function replaceForm(ctx: SqliteContext, id: string, name: string, from: string | null, to: StoredPayload): boolean {
  const q = ctx.qb.updateTable('message_forms').set({ payload: to.blob, payload_key_id: to.keyId }).where('message_id', '=', id).where('name', '=', name);
  return ctx.sql.run(from === null ? q.where('payload_key_id', 'is', null) : q.where('payload_key_id', '=', from)).changes === 1;
}
