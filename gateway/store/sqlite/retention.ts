import { GatewayError } from '../../errors.js';
import { OPEN_STATES } from '../../model/states.js';
import type { AttachmentRef } from '../../model/index.js';
import type { PurgeResult, RetentionCandidate, RetentionRecord, RetentionRule } from '../types.js';
import { purgeForms } from './forms.js';
import type { SqliteContext } from './connection.js';
import { iso } from './rows.js';

const DAY_MS = 86_400_000;
const EMPTY = Buffer.alloc(0);

/** The error for any read or replay of a payload that retention deleted. */
export function purgedError(messageId: string, purgedAt: number): GatewayError {
  return new GatewayError('GW_PAYLOAD_PURGED', `The payload of message ${messageId} was deleted by retention at ${iso(purgedAt)}.`, {
    extra: { messageId, purgedAt: iso(purgedAt) },
  });
}

/**
 * Per rule: the Vorgänge of the service whose first delivered `closedBy` message was
 * delivered at or before `now - deleteAfterDays`, then their messages with a payload that
 * are no longer on their way. A message counted by two rules (overlapping LeiKa keys)
 * is listed once, under the first rule.
 */
export function retentionCandidates(ctx: SqliteContext, now: Date, rules: RetentionRule[]): RetentionCandidate[] {
  const seen = new Set<string>();
  const out: Array<RetentionCandidate & { seq: number }> = [];
  for (const rule of rules) {
    if (rule.closedBy.length === 0 || rule.leika.length === 0) continue;
    const cutoff = now.getTime() - rule.deleteAfterDays * DAY_MS;
    const closed = ctx.qb
      .selectFrom('messages as c')
      .innerJoin('transitions as t', 't.message_id', 'c.id')
      .select((eb) => ['c.vorgang_id', eb.fn.min<number>('t.at').as('closed_at')])
      .where('t.to_state', '=', 'delivered')
      .where('c.message_type', 'in', rule.closedBy)
      .where('c.leika', 'in', rule.leika)
      .groupBy('c.vorgang_id')
      .having((eb) => eb.fn.min<number>('t.at'), '<=', cutoff);
    const rows = ctx.sql.all(
      ctx.qb
        .selectFrom('messages as m')
        .innerJoin(closed.as('v'), 'v.vorgang_id', 'm.vorgang_id')
        .select(['m.id', 'm.seq', 'm.vorgang_id', 'm.message_type', 'm.size', 'm.attachments', 'v.closed_at'])
        .where('m.leika', 'in', rule.leika)
        .where('m.payload_purged_at', 'is', null)
        .where('m.state', 'not in', [...OPEN_STATES])
        .orderBy('m.seq'),
    );
    for (const r of rows) {
      if (seen.has(r.id)) continue;
      seen.add(r.id);
      out.push({
        seq: r.seq,
        messageId: r.id,
        vorgangId: r.vorgang_id,
        messageType: r.message_type,
        service: rule.service,
        closedAt: iso(Number(r.closed_at)),
        size: r.size,
        attachments: JSON.parse(r.attachments) as AttachmentRef[],
      });
    }
  }
  return out.sort((a, b) => a.seq - b.seq).map(({ seq: _seq, ...c }) => c);
}

/** See MessageStore.purgePayload. Runs inside the group commit's transaction. */
export function purgePayload(ctx: SqliteContext, messageId: string, reason: string): PurgeResult {
  const m = ctx.sql.first(
    ctx.qb.selectFrom('messages').select(['vorgang_id', 'state', 'size', 'attachments', 'payload_purged_at']).where('id', '=', messageId),
  );
  if (m === undefined) throw new GatewayError('GW_NOT_FOUND', `Message ${messageId} does not exist.`);
  if (m.payload_purged_at !== null) throw purgedError(messageId, m.payload_purged_at);
  if ((OPEN_STATES as readonly string[]).includes(m.state)) {
    throw new GatewayError('GW_STATE_CONFLICT', `Message ${messageId} is ${m.state}; a payload on its way is not purged.`);
  }
  const now = ctx.now();
  ctx.sql.run(ctx.qb.updateTable('messages').set({ payload: EMPTY, payload_key_id: null, payload_purged_at: now }).where('id', '=', messageId));
  const formBytes = purgeForms(ctx, messageId, now); // mapped and original forms hold the same data (ADR 0020)
  // A dead message keeps its outbox row for replay; without a payload there is nothing to replay.
  ctx.sql.run(ctx.qb.deleteFrom('outbox').where('message_id', '=', messageId));
  const hashes = [...new Set((JSON.parse(m.attachments) as AttachmentRef[]).map((a) => a.sha512))];
  const attachmentsRemoved = hashes.filter((h) => !stillReferenced(ctx, h));
  ctx.sql.run(
    ctx.qb.insertInto('retention_log').values({
      message_id: messageId,
      vorgang_id: m.vorgang_id,
      at: now,
      reason,
      bytes_removed: m.size + formBytes,
      attachments_removed: JSON.stringify(attachmentsRemoved),
    }),
  );
  return { messageId, vorgangId: m.vorgang_id, bytes: m.size + formBytes, attachmentsRemoved, at: iso(now) };
}

/** Whether a message with a payload (not purged) lists `sha512` among its attachments. */
function stillReferenced(ctx: SqliteContext, sha512: string): boolean {
  const row = ctx.sql.first(
    ctx.qb
      .selectFrom('messages')
      .select('id')
      .where('payload_purged_at', 'is', null)
      .where((eb) => eb(eb.fn('instr', ['attachments', eb.val(sha512)]), '>', 0))
      .limit(1),
  );
  return row !== undefined;
}

export function retentionLog(ctx: SqliteContext, messageId?: string): RetentionRecord[] {
  let q = ctx.qb.selectFrom('retention_log').selectAll();
  if (messageId !== undefined) q = q.where('message_id', '=', messageId);
  return ctx.sql.all(q.orderBy('seq')).map((r) => ({
    seq: r.seq,
    messageId: r.message_id,
    vorgangId: r.vorgang_id,
    at: iso(r.at),
    reason: r.reason,
    bytes: r.bytes_removed,
    attachmentsRemoved: JSON.parse(r.attachments_removed) as string[],
    stage: r.stage,
  }));
}
