import type { DeadlineCandidate, DeadlineQuery, NewVorgangEvent, VorgangEvent, VorgangEventKind } from '../vorgang-events.js';
import type { SqliteContext } from './connection.js';
import { iso } from './rows.js';

/** Records a case event once: true when this call recorded it, false when it was there already. */
export function recordVorgangEvent(ctx: SqliteContext, e: NewVorgangEvent): boolean {
  const r = ctx.sql.run(
    ctx.qb
      .insertInto('vorgang_events')
      .values({
        vorgang_id: e.vorgangId,
        kind: e.kind,
        deadline: e.deadline,
        after_message_id: e.afterMessageId,
        notice_message_id: e.noticeMessageId ?? null,
        at: e.at?.getTime() ?? ctx.now(),
      })
      .onConflict((oc) => oc.columns(['vorgang_id', 'deadline', 'kind', 'after_message_id']).doNothing()),
  );
  return r.changes === 1;
}

/** The case events of a Vorgang, oldest first. */
export function vorgangEvents(ctx: SqliteContext, vorgangId: string): VorgangEvent[] {
  return ctx.sql
    .all(ctx.qb.selectFrom('vorgang_events').selectAll().where('vorgang_id', '=', vorgangId).orderBy('seq'))
    .map((r) => ({
      seq: r.seq,
      vorgangId: r.vorgang_id,
      kind: r.kind as VorgangEventKind,
      deadline: r.deadline,
      afterMessageId: r.after_message_id,
      noticeMessageId: r.notice_message_id,
      at: iso(r.at),
    }));
}

/**
 * The `after` messages of a deadline that are not settled: no later `until` or `after` message
 * in their Vorgang, and the Vorgang not closed by a deadline. Settled is for good (a Vorgang's
 * messages are deleted only all together, by retention's second stage, ADR 0049; a closed case stays closed), so a pass may start at the watermark of the pass
 * before (`fromSeq`, see deadlineWatermark) and skip everything below it.
 */
function unsettledAfterMessages(ctx: SqliteContext, q: DeadlineQuery) {
  const until = q.until.length > 0 ? [...q.until] : ['\u0000none'];
  const after = [...q.after];
  let query = ctx.qb
    .selectFrom('messages as m')
    .where('m.message_type', 'in', after)
    .where('m.seq', '>=', q.fromSeq ?? 0)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('messages as later')
            .select('later.seq')
            .whereRef('later.vorgang_id', '=', 'm.vorgang_id')
            .whereRef('later.seq', '>', 'm.seq')
            .where((w) => w.or([w('later.message_type', 'in', until), w('later.message_type', 'in', after)])),
        ),
      ),
    )
    .where((eb) =>
      eb.not(
        eb.exists(
          eb.selectFrom('vorgang_events as e').select('e.seq').whereRef('e.vorgang_id', '=', 'm.vorgang_id').where('e.kind', '=', 'closed'),
        ),
      ),
    );
  if (q.leika.length > 0) query = query.where('m.leika', 'in', [...q.leika]);
  return query;
}

/**
 * Per Vorgang, its latest `after` message (of the service's LeiKa keys) when it reached
 * `delivered` and no `until` message came after it, unless a deadline closed the Vorgang
 * already (a closed case stays closed: a later message of the municipality starts no new deadline).
 * With `fromSeq`, only `after` messages from that seq on (ADR 0036: the scan covers the open cases, not the whole store).
 */
export function deadlineCandidates(ctx: SqliteContext, q: DeadlineQuery): DeadlineCandidate[] {
  if (q.after.length === 0) return [];
  const query = unsettledAfterMessages(ctx, q)
    .innerJoin('transitions as t', (j) => j.onRef('t.message_id', '=', 'm.id').on('t.to_state', '=', 'delivered'))
    .select(['m.id', 'm.vorgang_id'])
    .select((eb) => eb.fn.min('t.at').as('delivered_at'))
    .groupBy(['m.id', 'm.vorgang_id'])
    .orderBy('delivered_at');
  return ctx.sql.all(query).map((r) => {
    const recorded = ctx.sql
      .all(ctx.qb.selectFrom('vorgang_events').select('kind').where('after_message_id', '=', r.id).where('deadline', '=', q.deadline))
      .map((k) => k.kind as VorgangEventKind);
    return { vorgangId: r.vorgang_id, afterMessageId: r.id, deliveredAt: iso(Number(r.delivered_at)), recorded };
  });
}

/**
 * Where the next pass of the deadline must start scanning (its `fromSeq`): the seq of the
 * oldest unsettled `after` message from `q.fromSeq` on — delivered or not yet —, or, when
 * there is none, the seq the next stored message will get. Walks the seq index from
 * `fromSeq` and stops at the first unsettled message.
 */
export function deadlineWatermark(ctx: SqliteContext, q: DeadlineQuery): number {
  const next = Number(ctx.sql.first(ctx.qb.selectFrom('messages').select((eb) => eb.fn.max<number>('seq').as('s')))?.s ?? 0) + 1;
  if (q.after.length === 0) return next;
  const oldest = ctx.sql.first(unsettledAfterMessages(ctx, q).select('m.seq').orderBy('m.seq').limit(1));
  return oldest?.seq ?? next;
}
