import type { Compilable } from 'kysely';
import { GatewayError } from '../../errors.js';
import { OPEN_STATES } from '../../model/states.js';
import type { RecordDeletionCandidate, RecordDeletionResult } from '../retention-types.js';
import type { SqliteContext } from './connection.js';
import { iso } from './rows.js';

/**
 * The second retention stage (ADR 0049) on SQLite: the records of a message whose payload the
 * first stage (retention.ts) purged long enough ago go, leaving a tombstone in the retention log.
 * Every lookup here runs on an index of migration 15 (or older): the cost of a deletion does
 * not grow with the store.
 */

/** A case event names the message (as the message it follows, or as its notice). */
const namedByCaseEvent = (ctx: SqliteContext, id: string): boolean =>
  ctx.sql.first(ctx.qb.selectFrom('vorgang_events').select('seq').where((eb) => eb.or([eb('after_message_id', '=', id), eb('notice_message_id', '=', id)])).limit(1)) !== undefined;

/** Another message of the Vorgang is still stored. */
const othersInVorgang = (ctx: SqliteContext, vorgangId: string, id: string): boolean =>
  ctx.sql.first(ctx.qb.selectFrom('messages').select('id').where('vorgang_id', '=', vorgangId).where('id', '<>', id).limit(1)) !== undefined;

/** The FIT-Connect Submission API (ADR 0027) links the message: its records live as long as the submission's. */
const linkedToFitConnect = (ctx: SqliteContext, id: string): boolean =>
  ctx.sql.first(ctx.qb.selectFrom('fit_submissions').select('submission_id').where('message_id', '=', id).limit(1)) !== undefined ||
  ctx.sql.first(ctx.qb.selectFrom('fit_replies').select('reply_id').where('message_id', '=', id).limit(1)) !== undefined;

/** See MessageStore.recordDeletionCandidates. */
export function recordDeletionCandidates(ctx: SqliteContext, purgedBefore: Date, limit: number): RecordDeletionCandidate[] {
  const max = Math.max(1, Math.min(10_000, Math.floor(limit)));
  const out: RecordDeletionCandidate[] = [];
  let after: { purgedAt: number; seq: number } | undefined;
  // Pages through the purged messages (index messages_payload_purged_at), oldest purge first, and
  // leaves out those deleteRecords would refuse: refused rows cannot stall the scan.
  for (;;) {
    const from = after;
    let q = ctx.qb
      .selectFrom('messages')
      .select(['id', 'seq', 'vorgang_id', 'message_type', 'state', 'payload_purged_at'])
      .where('payload_purged_at', 'is not', null)
      .where('payload_purged_at', '<=', purgedBefore.getTime());
    if (from !== undefined) q = q.where((eb) => eb.or([eb('payload_purged_at', '>', from.purgedAt), eb.and([eb('payload_purged_at', '=', from.purgedAt), eb('seq', '>', from.seq)])]));
    const page = ctx.sql.all(q.orderBy('payload_purged_at').orderBy('seq').limit(max));
    for (const r of page) {
      if ((OPEN_STATES as readonly string[]).includes(r.state) || linkedToFitConnect(ctx, r.id)) continue;
      if (namedByCaseEvent(ctx, r.id) && othersInVorgang(ctx, r.vorgang_id, r.id)) continue;
      out.push({ messageId: r.id, vorgangId: r.vorgang_id, messageType: r.message_type, payloadPurgedAt: iso(r.payload_purged_at!) });
      if (out.length >= max) return out;
    }
    if (page.length < max) return out;
    const last = page[page.length - 1]!;
    after = { purgedAt: last.payload_purged_at!, seq: last.seq };
  }
}

/** See MessageStore.deleteRecords. Runs inside the group commit's transaction. */
export function deleteRecords(ctx: SqliteContext, messageId: string, reason: string): RecordDeletionResult {
  const m = ctx.sql.first(ctx.qb.selectFrom('messages').select(['vorgang_id', 'state', 'payload_purged_at']).where('id', '=', messageId));
  if (m === undefined) throw new GatewayError('GW_NOT_FOUND', `Message ${messageId} does not exist.`);
  const refuse = (why: string) => new GatewayError('GW_STATE_CONFLICT', `The records of message ${messageId} are kept: ${why}.`, { extra: { messageId } });
  if (m.payload_purged_at === null) throw refuse('its payload was not purged yet');
  if ((OPEN_STATES as readonly string[]).includes(m.state)) throw refuse(`it is ${m.state}, still on its way`);
  if (linkedToFitConnect(ctx, messageId)) throw refuse('a FIT-Connect submission or reply refers to it');
  const vorgangGone = !othersInVorgang(ctx, m.vorgang_id, messageId);
  if (!vorgangGone && namedByCaseEvent(ctx, messageId)) throw refuse('a case event of its Vorgang names it while other messages of the Vorgang stay');
  const del = (q: Compilable<unknown>): number => ctx.sql.run(q).changes;
  const rows = {
    // children first: their foreign keys refer to the message row
    vorgangEvents: vorgangGone ? del(ctx.qb.deleteFrom('vorgang_events').where('vorgang_id', '=', m.vorgang_id)) : 0,
    transitions: del(ctx.qb.deleteFrom('transitions').where('message_id', '=', messageId)),
    forms: del(ctx.qb.deleteFrom('message_forms').where('message_id', '=', messageId)),
    outbox: del(ctx.qb.deleteFrom('outbox').where('message_id', '=', messageId)),
    mailbox: del(ctx.qb.deleteFrom('mailbox').where('message_id', '=', messageId)),
    xtaFetches: del(ctx.qb.deleteFrom('xta_fetches').where('message_id', '=', messageId)),
    messages: 0,
  };
  rows.messages = del(ctx.qb.deleteFrom('messages').where('id', '=', messageId));
  const now = ctx.now();
  ctx.sql.run(ctx.qb.insertInto('retention_log').values({ message_id: messageId, vorgang_id: m.vorgang_id, at: now, reason, bytes_removed: 0, attachments_removed: '[]', stage: 'records' }));
  return { messageId, vorgangId: m.vorgang_id, rows, vorgangGone, at: iso(now) };
}
