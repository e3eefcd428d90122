import type { SqliteContext } from './connection.js';

/** Records that `uploader` sent the attachment bytes `sha512`; idempotent. */
export function recordUpload(ctx: SqliteContext, sha512: string, uploader: string): void {
  ctx.sql.run(
    ctx.qb
      .insertInto('attachment_uploads')
      .values({ sha512, uploader, uploaded_at: ctx.now() })
      .onConflict((oc) => oc.columns(['sha512', 'uploader']).doNothing()),
  );
}

/** Whether `uploader` ever uploaded the bytes `sha512`. */
export function uploadedBy(ctx: SqliteContext, sha512: string, uploader: string): boolean {
  return ctx.sql.first(ctx.qb.selectFrom('attachment_uploads').select('sha512').where('sha512', '=', sha512).where('uploader', '=', uploader)) !== undefined;
}
