import { sql, type Kysely } from 'kysely';
import type { DB } from '../tables.js';
import type { CaseDefinition, ClosedIncomplete, FirstOf, OpenCaseCount, ReportMessage, ReportPeriod, UsageAggregate, VorgangMessageTime } from '../report-types.js';
import type { SqliteContext } from './connection.js';

/**
 * The queries behind the service figures and usage (ADR 0031). Each reads the period through
 * the index on `received_at` (migration 10) and aggregates in SQL where the result is a sum or
 * count; percentiles are computed by the caller from `reportMessages`.
 */

const NONE = ['\u0000none'];
const list = (xs: readonly string[]) => (xs.length > 0 ? [...xs] : NONE);
/** SQLite-specific: the bytes of the attachments a message refers to (JSON array of AttachmentRef). */
const attachmentBytes = sql<number>`(SELECT coalesce(sum(json_extract(a.value, '$.size')), 0) FROM json_each(m.attachments) AS a)`;

/** The query of `reportMessages` (exported for the query-plan test). */
export function reportMessagesQuery(qb: Kysely<DB>, p: ReportPeriod) {
  let q = qb
    .selectFrom('messages as m')
    .select(['m.id', 'm.vorgang_id', 'm.message_type', 'm.leika', 'm.route_name', 'm.ags', 'm.endpoint_id', 'm.size', 'm.header_created_at', 'm.received_at'])
    .select((eb) => eb.selectFrom('transitions as t').select((x) => x.fn.min('t.at').as('first')).whereRef('t.message_id', '=', 'm.id').where('t.to_state', '=', 'delivered').as('delivered_at'))
    .select(attachmentBytes.as('attachment_bytes'))
    .where('m.received_at', '>=', p.from.getTime())
    .where('m.received_at', '<', p.to.getTime());
  if (p.ags !== undefined) q = q.where('m.ags', 'in', list(p.ags));
  return q.orderBy('m.received_at');
}

export function reportMessages(ctx: SqliteContext, p: ReportPeriod): ReportMessage[] {
  return ctx.sql.all(reportMessagesQuery(ctx.qb, p)).map((r) => ({
    id: r.id,
    vorgangId: r.vorgang_id,
    messageType: r.message_type,
    leika: r.leika,
    routeName: r.route_name,
    ags: r.ags,
    endpointId: r.endpoint_id,
    size: r.size,
    attachmentBytes: Number(r.attachment_bytes),
    headerCreatedAt: r.header_created_at,
    receivedAt: r.received_at,
    deliveredAt: r.delivered_at === null || r.delivered_at === undefined ? null : Number(r.delivered_at),
  }));
}

/** Vorgänge opened (an opening-route message stored) before `to` and neither closed by a delivered closing message nor closed as incomplete before `to`. */
export function openCasesQuery(qb: Kysely<DB>, to: Date, def: CaseDefinition, ags?: readonly string[]) {
  const t = to.getTime();
  let q = qb
    .selectFrom('messages as o')
    .select(['o.ags', 'o.leika', 'o.route_name'])
    .select((eb) => eb.fn.countAll<number>().as('open'))
    .where('o.route_name', 'in', list(def.openingRoutes))
    .where('o.received_at', '<', t)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('messages as c')
            .innerJoin('transitions as ct', (j) => j.onRef('ct.message_id', '=', 'c.id').on('ct.to_state', '=', 'delivered'))
            .select('c.seq')
            .whereRef('c.vorgang_id', '=', 'o.vorgang_id')
            .where('c.message_type', 'in', list(def.closingTypes))
            .where('ct.at', '<', t),
        ),
      ),
    )
    .where((eb) => eb.not(eb.exists(eb.selectFrom('vorgang_events as e').select('e.seq').whereRef('e.vorgang_id', '=', 'o.vorgang_id').where('e.kind', '=', 'closed').where('e.at', '<', t))))
    .groupBy(['o.ags', 'o.leika', 'o.route_name']);
  return ags === undefined ? q : q.where('o.ags', 'in', list(ags));
}

export function openCases(ctx: SqliteContext, to: Date, def: CaseDefinition, ags?: readonly string[]): OpenCaseCount[] {
  return ctx.sql.all(openCasesQuery(ctx.qb, to, def, ags)).map((r) => ({ ags: r.ags, leika: r.leika, routeName: r.route_name, open: Number(r.open) }));
}

/**
 * Per Vorgang of `vorgangIds`, its first stored message (lowest seq) of one of `which`'s
 * message types or routes, with that message's first delivery. Chunked by 500 ids.
 */
export function firstOf(ctx: SqliteContext, vorgangIds: readonly string[], which: FirstOf): VorgangMessageTime[] {
  const out: VorgangMessageTime[] = [];
  const ids = [...new Set(vorgangIds)];
  for (let i = 0; i < ids.length; i += 500) {
    const q = ctx.qb
      .selectFrom('messages as m')
      .select(['m.vorgang_id', 'm.message_type', 'm.received_at'])
      .select((eb) => eb.selectFrom('transitions as t').select((x) => x.fn.min('t.at').as('first')).whereRef('t.message_id', '=', 'm.id').where('t.to_state', '=', 'delivered').as('delivered_at'))
      .where('m.seq', 'in', (eb) =>
        eb
          .selectFrom('messages as f')
          .select((x) => x.fn.min('f.seq').as('s'))
          .where('f.vorgang_id', 'in', ids.slice(i, i + 500))
          .where((w) => w.or([w('f.message_type', 'in', list(which.messageTypes ?? [])), w('f.route_name', 'in', list(which.routeNames ?? []))]))
          .groupBy('f.vorgang_id'),
      );
    for (const r of ctx.sql.all(q)) {
      out.push({ vorgangId: r.vorgang_id, messageType: r.message_type, receivedAt: r.received_at, deliveredAt: r.delivered_at === null || r.delivered_at === undefined ? null : Number(r.delivered_at) });
    }
  }
  return out;
}

/** Vorgänge a deadline closed as incomplete within the period, with the keys of their first message. */
export function closedIncomplete(ctx: SqliteContext, p: ReportPeriod): ClosedIncomplete[] {
  let q = ctx.qb
    .selectFrom('vorgang_events as e')
    .innerJoin('messages as m', (j) => j.onRef('m.vorgang_id', '=', 'e.vorgang_id'))
    .select(['e.vorgang_id', 'e.at', 'm.ags', 'm.leika', 'm.route_name'])
    .where('e.kind', '=', 'closed')
    .where('e.at', '>=', p.from.getTime())
    .where('e.at', '<', p.to.getTime())
    .where((eb) => eb('m.seq', '=', eb.selectFrom('messages as f').select((x) => x.fn.min('f.seq').as('s')).whereRef('f.vorgang_id', '=', 'e.vorgang_id')));
  if (p.ags !== undefined) q = q.where('m.ags', 'in', list(p.ags));
  return ctx.sql.all(q).map((r) => ({ vorgangId: r.vorgang_id, at: r.at, ags: r.ags, leika: r.leika, routeName: r.route_name }));
}

/** Messages and bytes per (AGS, LeiKa, route) stored in the period, summed in SQL. */
export function usageQuery(qb: Kysely<DB>, p: ReportPeriod) {
  let q = qb
    .selectFrom('messages as m')
    .select(['m.ags', 'm.leika', 'm.route_name'])
    .select((eb) => [eb.fn.countAll<number>().as('messages'), eb.fn.sum<number>('m.size').as('payload_bytes'), eb.fn.sum<number>(attachmentBytes).as('attachment_bytes')])
    .where('m.received_at', '>=', p.from.getTime())
    .where('m.received_at', '<', p.to.getTime())
    .groupBy(['m.ags', 'm.leika', 'm.route_name']);
  return p.ags === undefined ? q : q.where('m.ags', 'in', list(p.ags));
}

export function usage(ctx: SqliteContext, p: ReportPeriod): UsageAggregate[] {
  return ctx.sql.all(usageQuery(ctx.qb, p)).map((r) => ({
    ags: r.ags,
    leika: r.leika,
    routeName: r.route_name,
    messages: Number(r.messages),
    payloadBytes: Number(r.payload_bytes ?? 0),
    attachmentBytes: Number(r.attachment_bytes ?? 0),
  }));
}
