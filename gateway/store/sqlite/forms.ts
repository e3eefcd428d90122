import type { MessageForm } from '../../model/index.js';
import { GatewayError } from '../../errors.js';
import type { StoredPayload } from '../sealing.js';
import type { MessageFormsTable } from '../tables.js';
import type { SqliteContext } from './connection.js';
import { iso } from './rows.js';
import type { Selectable } from 'kysely';

/** A form as the store writes it: metadata, plaintext size and hash, and the sealed bytes. */
export interface SealedForm extends Omit<MessageForm, 'createdAt'> {
  stored: StoredPayload;
}

/** The at-rest additional-data part of a form (the payload's is `payload`): a blob moved to another form or message does not open. */
export const formPart = (name: string): string => `form:${name}`;

const META = ['name', 'role', 'mapping', 'format', 'media_type', 'size', 'sha512', 'created_at', 'payload_purged_at'] as const;
type MetaRow = Pick<Selectable<MessageFormsTable>, (typeof META)[number]>;

function toForm(r: MetaRow): MessageForm {
  return { name: r.name, role: r.role === 'original' ? 'original' : 'delivery', mapping: r.mapping, format: r.format, mediaType: r.media_type, size: r.size, sha512: r.sha512, createdAt: iso(r.created_at) };
}

/** Writes forms of a message inside the caller's transaction; `replace` overwrites a form of the same name (replay). */
export function insertForms(ctx: SqliteContext, messageId: string, forms: readonly SealedForm[], now: number, replace = false): void {
  for (const f of forms) {
    const row = {
      message_id: messageId,
      name: f.name,
      role: f.role,
      mapping: f.mapping,
      format: f.format,
      media_type: f.mediaType,
      size: f.size,
      sha512: f.sha512,
      payload: f.stored.blob,
      payload_key_id: f.stored.keyId,
      payload_purged_at: null,
      created_at: now,
    };
    const q = ctx.qb.insertInto('message_forms').values(row);
    ctx.sql.run(replace ? q.onConflict((oc) => oc.columns(['message_id', 'name']).doUpdateSet({ ...row })) : q);
  }
}

/** Replaces (or adds) one form of an existing message. Throws GW_NOT_FOUND for an unknown message. */
export function putForm(ctx: SqliteContext, messageId: string, form: SealedForm): MessageForm {
  const m = ctx.sql.first(ctx.qb.selectFrom('messages').select('id').where('id', '=', messageId));
  if (m === undefined) throw new GatewayError('GW_NOT_FOUND', `Message ${messageId} does not exist.`);
  const now = ctx.now();
  insertForms(ctx, messageId, [form], now, true);
  return { name: form.name, role: form.role, mapping: form.mapping, format: form.format, mediaType: form.mediaType, size: form.size, sha512: form.sha512, createdAt: iso(now) };
}

export function listForms(ctx: SqliteContext, messageId: string): MessageForm[] {
  return ctx.sql
    .all(ctx.qb.selectFrom('message_forms').select(META).where('message_id', '=', messageId).orderBy('created_at').orderBy('name'))
    .map(toForm);
}

/** One form with its stored (possibly sealed) bytes; null when absent. Throws GW_PAYLOAD_PURGED once retention deleted it. */
export function getForm(ctx: SqliteContext, messageId: string, name: string): { form: MessageForm; stored: StoredPayload } | null {
  const r = ctx.sql.first(
    ctx.qb.selectFrom('message_forms').select([...META, 'payload', 'payload_key_id']).where('message_id', '=', messageId).where('name', '=', name),
  );
  if (r === undefined) return null;
  if (r.payload_purged_at !== null) {
    throw new GatewayError('GW_PAYLOAD_PURGED', `Form ${name} of message ${messageId} was deleted by retention at ${iso(r.payload_purged_at)}.`, { extra: { messageId, purgedAt: iso(r.payload_purged_at) } });
  }
  return { form: toForm(r), stored: { blob: r.payload, keyId: r.payload_key_id } };
}

/** The delivery form of a message, as stored; null when it has none. */
export function deliveryForm(ctx: SqliteContext, messageId: string): { name: string; mediaType: string; sha512: string; stored: StoredPayload } | null {
  const r = ctx.sql.first(
    ctx.qb
      .selectFrom('message_forms')
      .select(['name', 'media_type', 'sha512', 'payload', 'payload_key_id'])
      .where('message_id', '=', messageId)
      .where('role', '=', 'delivery')
      .where('payload_purged_at', 'is', null)
      .orderBy('created_at', 'desc'),
  );
  return r === undefined ? null : { name: r.name, mediaType: r.media_type, sha512: r.sha512, stored: { blob: r.payload, keyId: r.payload_key_id } };
}

/** Retention (ADR 0013): the forms' bytes go with the payload; their metadata stays. Returns the bytes removed. */
export function purgeForms(ctx: SqliteContext, messageId: string, now: number): number {
  const rows = ctx.sql.all(ctx.qb.selectFrom('message_forms').select(['size']).where('message_id', '=', messageId).where('payload_purged_at', 'is', null));
  ctx.sql.run(
    ctx.qb.updateTable('message_forms').set({ payload: Buffer.alloc(0), payload_key_id: null, payload_purged_at: now }).where('message_id', '=', messageId).where('payload_purged_at', 'is', null),
  );
  return rows.reduce((n, r) => n + r.size, 0);
}
