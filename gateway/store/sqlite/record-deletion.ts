import type { Compilable } from 'kysely';
import { GatewayError } from '../../errors.js';
import { OPEN_STATES } from '../../model/states.js';
import type { RecordDeletionCandidate, RecordDeletionResult } from '../retention-types.js';
import type { SqliteContext } from './connection.js';
import { iso } from './rows.js';

/**
 * The second retention stage (ADR 0049) on SQLite: the records of a Vorgang whose payloads the
 * first stage (retention.ts) purged long enough ago go together, leaving one tombstone per
 * message in the retention log. Every lookup runs on an index (migration 15 adds the missing
 * ones), so a deletion costs its Vorgang, not the store.
 */

interface VorgangVerdict {
  messageIds: string[];
  lastPurgedAt: number;
  /** Why its records stay; undefined when they may go. */
  refused?: string;
}

/** Whether every message of the Vorgang is final, purged at or before `cutoff` and not linked to FIT-Connect. */
function judgeVorgang(ctx: SqliteContext, vorgangId: string, cutoff: number): VorgangVerdict {
  const msgs = ctx.sql.all(ctx.qb.selectFrom('messages').select(['id', 'state', 'payload_purged_at']).where('vorgang_id', '=', vorgangId).orderBy('seq'));
  const v: VorgangVerdict = { messageIds: msgs.map((m) => m.id), lastPurgedAt: 0 };
  for (const m of msgs) {
    if (m.payload_purged_at === null) return { ...v, refused: `the payload of message ${m.id} is not purged` };
    if (m.payload_purged_at > cutoff) return { ...v, refused: `the payload of message ${m.id} was purged after the cut-off` };
    if ((OPEN_STATES as readonly string[]).includes(m.state)) return { ...v, refused: `message ${m.id} is ${m.state}, still on its way` };
    if (linkedToFitConnect(ctx, m.id)) return { ...v, refused: `a FIT-Connect submission or reply refers to message ${m.id}` };
    v.lastPurgedAt = Math.max(v.lastPurgedAt, m.payload_purged_at);
  }
  return v;
}

/** The FIT-Connect Submission API (ADR 0027) links the message: its records live as long as the submission's. */
function linkedToFitConnect(ctx: SqliteContext, id: string): boolean {
  return (
    ctx.sql.first(ctx.qb.selectFrom('fit_submissions').select('submission_id').where('message_id', '=', id).limit(1)) !== undefined ||
    ctx.sql.first(ctx.qb.selectFrom('fit_replies').select('reply_id').where('message_id', '=', id).limit(1)) !== undefined
  );
}

/** See MessageStore.recordDeletionCandidates. */
export function recordDeletionCandidates(ctx: SqliteContext, purgedBefore: Date, limit: number): RecordDeletionCandidate[] {
  const max = Math.max(1, Math.min(10_000, Math.floor(limit)));
  const cutoff = purgedBefore.getTime();
  const out: RecordDeletionCandidate[] = [];
  const seen = new Set<string>();
  let after: { purgedAt: number; seq: number } | undefined;
  // Pages through the purged messages (index messages_payload_purged_at), oldest purge first, and
  // judges each Vorgang once: Vorgänge that must stay cannot stall the scan.
  for (;;) {
    const from = after;
    let q = ctx.qb
      .selectFrom('messages')
      .select(['seq', 'vorgang_id', 'payload_purged_at'])
      .where('payload_purged_at', 'is not', null)
      .where('payload_purged_at', '<=', cutoff);
    if (from !== undefined) q = q.where((eb) => eb.or([eb('payload_purged_at', '>', from.purgedAt), eb.and([eb('payload_purged_at', '=', from.purgedAt), eb('seq', '>', from.seq)])]));
    const page = ctx.sql.all(q.orderBy('payload_purged_at').orderBy('seq').limit(max));
    for (const r of page) {
      if (seen.has(r.vorgang_id)) continue;
      seen.add(r.vorgang_id);
      const v = judgeVorgang(ctx, r.vorgang_id, cutoff);
      if (v.refused !== undefined) continue;
      out.push({ vorgangId: r.vorgang_id, messageIds: v.messageIds, lastPurgedAt: iso(v.lastPurgedAt) });
      if (out.length >= max) return out;
    }
    if (page.length < max) return out;
    const last = page[page.length - 1]!;
    after = { purgedAt: last.payload_purged_at!, seq: last.seq };
  }
}

/** See MessageStore.deleteVorgangRecords. Runs inside the group commit's transaction. */
export function deleteVorgangRecords(ctx: SqliteContext, vorgangId: string, purgedBefore: Date, reason: string): RecordDeletionResult {
  const v = judgeVorgang(ctx, vorgangId, purgedBefore.getTime());
  if (v.messageIds.length === 0) throw new GatewayError('GW_NOT_FOUND', `Vorgang ${vorgangId} has no stored messages.`);
  if (v.refused !== undefined) throw new GatewayError('GW_STATE_CONFLICT', `The records of Vorgang ${vorgangId} are kept: ${v.refused}.`, { extra: { vorgangId } });
  const del = (q: Compilable<unknown>): number => ctx.sql.run(q).changes;
  const ids = v.messageIds;
  // children first: their foreign keys refer to the message rows
  const rows = {
    vorgangEvents: del(ctx.qb.deleteFrom('vorgang_events').where('vorgang_id', '=', vorgangId)),
    transitions: del(ctx.qb.deleteFrom('transitions').where('message_id', 'in', ids)),
    forms: del(ctx.qb.deleteFrom('message_forms').where('message_id', 'in', ids)),
    outbox: del(ctx.qb.deleteFrom('outbox').where('message_id', 'in', ids)),
    mailbox: del(ctx.qb.deleteFrom('mailbox').where('message_id', 'in', ids)),
    xtaFetches: del(ctx.qb.deleteFrom('xta_fetches').where('message_id', 'in', ids)),
    messages: 0,
  };
  rows.messages = del(ctx.qb.deleteFrom('messages').where('id', 'in', ids));
  const now = ctx.now();
  ctx.sql.run(
    ctx.qb
      .insertInto('retention_log')
      .values(ids.map((id) => ({ message_id: id, vorgang_id: vorgangId, at: now, reason, bytes_removed: 0, attachments_removed: '[]', stage: 'records' as const }))),
  );
  return { vorgangId, messageIds: ids, rows, at: iso(now) };
}
