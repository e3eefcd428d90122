import { sql } from 'kysely';
import type { CaseMailboxItem, FitEvent, FitEventRecord, FitReply, FitReplyStatus, FitSubmission, FitSubmissionStatus, NewFitSubmission, SubmittedParts } from '../fit-connect.js';
import type { FitRepliesTable, FitSubmissionsTable } from '../tables.js';
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
    replyKey: r.reply_key,
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
      reply_key: null,
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
        ...(parts !== undefined && { message_id: parts.messageId, encrypted_metadata: parts.encryptedMetadata, encrypted_data: parts.encryptedData, reply_key: parts.replyKey ?? null }),
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

/** The submissions of a destination in a status, narrowed to some services when `leikas` is given (none: nothing). */
function byDestination(ctx: SqliteContext, destinationId: string, status: FitSubmissionStatus, leikas: readonly string[] | undefined) {
  const q = ctx.qb.selectFrom('fit_submissions').where('destination_id', '=', destinationId).where('status', '=', status);
  if (leikas === undefined) return q;
  return leikas.length === 0 ? q.where(sql<boolean>`0 = 1`) : q.where('leika', 'in', [...leikas]);
}

export function listByDestination(ctx: SqliteContext, destinationId: string, status: FitSubmissionStatus, limit: number, offset: number, leikas?: readonly string[]): FitSubmission[] {
  return ctx.sql
    .all(byDestination(ctx, destinationId, status, leikas).selectAll().orderBy('created_at').orderBy('submission_id').limit(limit).offset(offset))
    .map(toSubmission);
}

export function countByDestination(ctx: SqliteContext, destinationId: string, status: FitSubmissionStatus, leikas?: readonly string[]): number {
  return Number(ctx.sql.first(byDestination(ctx, destinationId, status, leikas).select((eb) => eb.fn.countAll().as('n')))?.n ?? 0);
}

export function countCaseEvents(ctx: SqliteContext, caseId: string): number {
  return Number(ctx.sql.first(ctx.qb.selectFrom('fit_events').where('case_id', '=', caseId).select((eb) => eb.fn.countAll().as('n')))?.n ?? 0);
}

export function caseSubmissions(ctx: SqliteContext, caseId: string): FitSubmission[] {
  return ctx.sql.all(ctx.qb.selectFrom('fit_submissions').selectAll().where('case_id', '=', caseId).orderBy('created_at')).map(toSubmission);
}

export function caseEvents(ctx: SqliteContext, caseId: string, limit: number, offset: number): FitEvent[] {
  return ctx.sql
    .all(ctx.qb.selectFrom('fit_events').selectAll().where('case_id', '=', caseId).orderBy('seq').limit(limit).offset(offset))
    .map((r) => ({ seq: r.seq, caseId: r.case_id, submissionId: r.submission_id, event: r.event, token: r.token, at: iso(r.at) }));
}

function toReply(r: FitRepliesTable): FitReply {
  return { replyId: r.reply_id, caseId: r.case_id, submissionId: r.submission_id, messageId: r.message_id, mailboxItem: r.mailbox_item, status: r.status as FitReplyStatus, createdAt: iso(r.created_at) };
}

export function ensureReply(ctx: SqliteContext, r: Omit<FitReply, 'status' | 'createdAt'>, event: FitEventRecord): FitReply {
  const seen = replyOfMessage(ctx, r.messageId);
  if (seen !== null) return seen;
  const now = ctx.now();
  ctx.sql.run(
    ctx.qb.insertInto('fit_replies').values({ reply_id: r.replyId, case_id: r.caseId, submission_id: r.submissionId, message_id: r.messageId, mailbox_item: r.mailboxItem, status: 'available', created_at: now, updated_at: now }),
  );
  insertEvents(ctx, r.caseId, r.submissionId, [event], now);
  return toReply(ctx.sql.first(ctx.qb.selectFrom('fit_replies').selectAll().where('reply_id', '=', r.replyId))!);
}

export function getReply(ctx: SqliteContext, replyId: string): FitReply | null {
  const r = ctx.sql.first(ctx.qb.selectFrom('fit_replies').selectAll().where('reply_id', '=', replyId));
  return r === undefined ? null : toReply(r);
}

export function replyOfMessage(ctx: SqliteContext, messageId: string): FitReply | null {
  const r = ctx.sql.first(ctx.qb.selectFrom('fit_replies').selectAll().where('message_id', '=', messageId));
  return r === undefined ? null : toReply(r);
}

export function acceptReply(ctx: SqliteContext, replyId: string, events: readonly FitEventRecord[]): boolean {
  const now = ctx.now();
  const r = ctx.sql.run(ctx.qb.updateTable('fit_replies').set({ status: 'accepted', updated_at: now }).where('reply_id', '=', replyId).where('status', '=', 'available'));
  if (r.changes !== 1) return false;
  const rep = getReply(ctx, replyId)!;
  insertEvents(ctx, rep.caseId, rep.submissionId, events, now);
  return true;
}

export function caseMailboxItems(ctx: SqliteContext, caseId: string, mailboxes: readonly string[]): CaseMailboxItem[] {
  if (mailboxes.length === 0) return [];
  const now = ctx.now();
  return ctx.sql
    .all(
      ctx.qb
        .selectFrom('messages')
        .innerJoin('mailbox', 'mailbox.message_id', 'messages.id')
        .select(['mailbox.id as id', 'mailbox.mailbox as mailbox', 'messages.id as messageId', 'messages.message_type as messageType'])
        .where('messages.vorgang_id', '=', caseId)
        .where('mailbox.mailbox', 'in', [...mailboxes])
        .where('mailbox.acked_at', 'is', null)
        .where((eb) => eb.or([eb('mailbox.lease_until', 'is', null), eb('mailbox.lease_until', '<=', now)]))
        .orderBy('mailbox.id'),
    )
    .map((r) => ({ id: r.id, mailbox: r.mailbox, messageId: r.messageId, messageType: r.messageType }));
}
