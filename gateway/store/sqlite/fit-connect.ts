import type { FitEvent, FitEventRecord, FitSubmission, FitSubmissionStatus, NewFitSubmission, SubmittedParts } from '../fit-connect.js';
import type { FitSubmissionsTable } from '../tables.js';
import type { SqliteContext } from './connection.js';
import { iso } from './rows.js';

/** SQLite half of the FIT-Connect port (gateway/store/fit-connect.ts); each function runs inside one store operation. */

function toSubmission(r: FitSubmissionsTable): FitSubmission {
  return {
    submissionId: r.submission_id,
    caseId: r.case_id,
    destinationId: r.destination_id,
    author: r.author,
    leika: r.leika,
    announced: JSON.parse(r.announced) as string[],
    status: r.status as FitSubmissionStatus,
    messageId: r.message_id,
    encryptedMetadata: r.encrypted_metadata,
    encryptedData: r.encrypted_data,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

function insertEvents(ctx: SqliteContext, caseId: string, submissionId: string, events: readonly FitEventRecord[], at: number): void {
  for (const e of events) ctx.sql.run(ctx.qb.insertInto('fit_events').values({ case_id: caseId, submission_id: submissionId, event: e.event, token: e.token, at }));
}

export function create(ctx: SqliteContext, s: NewFitSubmission, event: FitEventRecord): void {
  const now = ctx.now();
  ctx.sql.run(
    ctx.qb.insertInto('fit_submissions').values({
      submission_id: s.submissionId,
      case_id: s.caseId,
      destination_id: s.destinationId,
      author: s.author,
      leika: s.leika,
      announced: JSON.stringify(s.announced),
      status: 'created',
      message_id: null,
      encrypted_metadata: null,
      encrypted_data: null,
      created_at: now,
      updated_at: now,
    }),
  );
  insertEvents(ctx, s.caseId, s.submissionId, [event], now);
}

export function get(ctx: SqliteContext, submissionId: string): FitSubmission | null {
  const r = ctx.sql.first(ctx.qb.selectFrom('fit_submissions').selectAll().where('submission_id', '=', submissionId));
  return r === undefined ? null : toSubmission(r);
}

export function putAttachment(ctx: SqliteContext, submissionId: string, attachmentId: string, jwe: string): boolean {
  const s = get(ctx, submissionId);
  if (s === null || s.status !== 'created') return false;
  ctx.sql.run(
    ctx.qb
      .insertInto('fit_attachments')
      .values({ submission_id: submissionId, attachment_id: attachmentId, jwe, at: ctx.now() })
      .onConflict((oc) => oc.columns(['submission_id', 'attachment_id']).doUpdateSet({ jwe, at: ctx.now() })),
  );
  return true;
}

export function attachments(ctx: SqliteContext, submissionId: string): Map<string, string> {
  const rows = ctx.sql.all(ctx.qb.selectFrom('fit_attachments').select(['attachment_id', 'jwe']).where('submission_id', '=', submissionId).orderBy('attachment_id'));
  return new Map(rows.map((r) => [r.attachment_id, r.jwe]));
}

export function transition(ctx: SqliteContext, submissionId: string, from: readonly FitSubmissionStatus[], to: FitSubmissionStatus, events: readonly FitEventRecord[], opts: { parts?: SubmittedParts; purge?: boolean } = {}): boolean {
  const now = ctx.now();
  const parts = opts.parts;
  const r = ctx.sql.run(
    ctx.qb
      .updateTable('fit_submissions')
      .set({
        status: to,
        updated_at: now,
        ...(parts !== undefined && { message_id: parts.messageId, encrypted_metadata: parts.encryptedMetadata, encrypted_data: parts.encryptedData }),
        ...(opts.purge === true && { encrypted_metadata: null, encrypted_data: null }),
      })
      .where('submission_id', '=', submissionId)
      .where('status', 'in', [...from]),
  );
  if (r.changes !== 1) return false;
  if (opts.purge === true) ctx.sql.run(ctx.qb.deleteFrom('fit_attachments').where('submission_id', '=', submissionId));
  const s = get(ctx, submissionId)!;
  insertEvents(ctx, s.caseId, submissionId, events, now);
  return true;
}

export function addEventOnce(ctx: SqliteContext, submissionId: string, event: FitEventRecord): boolean {
  const s = get(ctx, submissionId);
  if (s === null) return false;
  const seen = ctx.sql.first(ctx.qb.selectFrom('fit_events').select('seq').where('submission_id', '=', submissionId).where('event', '=', event.event));
  if (seen !== undefined) return false;
  insertEvents(ctx, s.caseId, submissionId, [event], ctx.now());
  return true;
}

export function listByDestination(ctx: SqliteContext, destinationId: string, status: FitSubmissionStatus, limit: number, offset: number): FitSubmission[] {
  return ctx.sql
    .all(ctx.qb.selectFrom('fit_submissions').selectAll().where('destination_id', '=', destinationId).where('status', '=', status).orderBy('created_at').orderBy('submission_id').limit(limit).offset(offset))
    .map(toSubmission);
}

export function caseSubmissions(ctx: SqliteContext, caseId: string): FitSubmission[] {
  return ctx.sql.all(ctx.qb.selectFrom('fit_submissions').selectAll().where('case_id', '=', caseId).orderBy('created_at')).map(toSubmission);
}

export function caseEvents(ctx: SqliteContext, caseId: string, limit: number, offset: number): FitEvent[] {
  return ctx.sql
    .all(ctx.qb.selectFrom('fit_events').selectAll().where('case_id', '=', caseId).orderBy('seq').limit(limit).offset(offset))
    .map((r) => ({ seq: r.seq, caseId: r.case_id, submissionId: r.submission_id, event: r.event, token: r.token, at: iso(r.at) }));
}
