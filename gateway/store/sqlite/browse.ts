import { OPEN_STATES } from '../../model/states.js';
import { canonicalId } from '../../model/patterns.js';
import type { BrowsePage, BrowseQuery, EndpointActivity, FlowCounts, FlowEdge, OverviewFigures } from '../browse-types.js';
import type { SqliteContext } from './connection.js';
import { boundLimit, MESSAGE_COLUMNS, toStoredMessage } from './rows.js';

const DEFAULT_PAGE = 50;
const MAX_PAGE = 500;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * The seq of the first message received at or after `ms` (index messages_received_at), or
 * null when none was. Time ranges become seq ranges with it, so every browser query walks
 * one index in seq order and never sorts.
 */
export function firstSeqAtOrAfter(ctx: SqliteContext, ms: number): number | null {
  const row = ctx.sql.first(ctx.qb.selectFrom('messages').select('seq').where('received_at', '>=', ms).orderBy('received_at').orderBy('seq').limit(1));
  return row === undefined ? null : row.seq;
}

/**
 * Builds the browser query (without running it): exported for the query-plan test and the
 * benchmark. Returns null when the time range holds no message at all.
 */
export function browseSql(ctx: SqliteContext, q: BrowseQuery) {
  let query = ctx.qb.selectFrom('messages').select(MESSAGE_COLUMNS);
  if (q.gatewayId !== undefined) query = query.where('id', '=', q.gatewayId);
  if (q.messageUuid !== undefined) query = query.where('message_uuid', '=', canonicalId(q.messageUuid));
  if (q.vorgangId !== undefined) query = query.where('vorgang_id', '=', canonicalId(q.vorgangId));
  if (q.messageType !== undefined) query = query.where('message_type', '=', q.messageType);
  if (q.ags !== undefined) query = query.where('ags', '=', q.ags);
  if (q.leika !== undefined) query = query.where('leika', '=', q.leika);
  if (q.state !== undefined) query = query.where('state', '=', q.state);
  if (q.endpointId !== undefined) query = query.where('endpoint_id', '=', q.endpointId);
  let upper = q.beforeSeq;
  if (q.fromMs !== undefined) {
    const lo = firstSeqAtOrAfter(ctx, q.fromMs);
    if (lo === null) return null;
    query = query.where('seq', '>=', lo);
  }
  if (q.toMs !== undefined) {
    const hi = firstSeqAtOrAfter(ctx, q.toMs);
    if (hi !== null) upper = upper === undefined ? hi : Math.min(upper, hi);
  }
  // always bounded: even the unfiltered newest page is a SEARCH on the primary key, never a SCAN
  query = query.where('seq', '<', upper ?? Number.MAX_SAFE_INTEGER);
  const limit = boundLimit(q.limit, DEFAULT_PAGE, MAX_PAGE);
  // one row more than the page tells whether there is a next page
  return { query: query.orderBy('seq', 'desc').limit(limit + 1), limit };
}

/** Newest first, one page; `next` is the cursor of the following page. */
export function browseMessages(ctx: SqliteContext, q: BrowseQuery): BrowsePage {
  const built = browseSql(ctx, q);
  if (built === null) return { items: [], next: null };
  const rows = ctx.sql.all(built.query);
  const page = rows.slice(0, built.limit).map(toStoredMessage);
  return { items: page, next: rows.length > built.limit && page.length > 0 ? page[page.length - 1]!.seq : null };
}

/** p-quantile (0..1) of ascending values by nearest rank; null for none. */
export function quantile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

/**
 * The overview's figures: the last day's messages are a seq range (no scan of older rows),
 * the backlog from the running counts (migration 13), times to delivery from each message's
 * `delivered` transition (index transitions_message_id).
 */
export function overviewFigures(ctx: SqliteContext, now: Date): OverviewFigures {
  const t = now.getTime();
  const dayLo = firstSeqAtOrAfter(ctx, t - DAY_MS);
  const hourAgo = t - HOUR_MS;
  const key = (leika: string, ags: string) => `${leika}|${ags}`;
  const rows = new Map<string, FlowCounts>();
  const row = (leika: string, ags: string): FlowCounts => {
    const k = key(leika, ags);
    let r = rows.get(k);
    if (!r) rows.set(k, (r = { leika, ags, lastHour: 0, lastDay: 0, failedDay: 0, backlog: 0, deliveryMs: [] }));
    return r;
  };
  const edges = new Map<string, FlowEdge>();
  if (dayLo !== null) {
    const recent = ctx.sql.db
      .prepare(
        `SELECT leika, ags, author, endpoint_id AS endpointId, count(*) AS day, sum(received_at >= ?) AS hour,
                sum(state = 'dead') AS dead, sum(state = 'retrying') AS retrying
           FROM messages WHERE seq >= ? AND received_at < ? GROUP BY leika, ags, author, endpoint_id`,
      )
      .all(hourAgo, dayLo, t + 1) as Array<{ leika: string; ags: string; author: string; endpointId: string; day: number; hour: number; dead: number; retrying: number }>;
    for (const r of recent) {
      const c = row(r.leika, r.ags);
      c.lastDay += r.day;
      c.lastHour += r.hour;
      c.failedDay += r.dead + r.retrying;
      const ek = `${r.author}|${r.endpointId}`;
      const e = edges.get(ek) ?? { author: r.author, endpointId: r.endpointId, lastHour: 0, lastDay: 0, deadDay: 0, retryingDay: 0 };
      e.lastHour += r.hour;
      e.lastDay += r.day;
      e.deadDay += r.dead;
      e.retryingDay += r.retrying;
      edges.set(ek, e);
    }
    const times = ctx.sql.db
      .prepare(
        `SELECT leika, ags, ms FROM (
           SELECT m.leika AS leika, m.ags AS ags,
                  (SELECT min(t.at) FROM transitions t WHERE t.message_id = m.id AND t.to_state = 'delivered') - m.received_at AS ms
             FROM messages m WHERE m.seq >= ? AND m.state IN ('delivered', 'acknowledged')) WHERE ms IS NOT NULL`,
      )
      .all(dayLo) as Array<{ leika: string; ags: string; ms: number }>;
    for (const r of times) row(r.leika, r.ags).deliveryMs.push(Math.max(0, r.ms));
  }
  // the running counts of migration 13 (ADR 0036): the cost does not grow with the backlog
  const backlog = ctx.sql.all(
    ctx.qb.selectFrom('message_counts').select((eb) => ['leika', 'ags', eb.fn.sum<number>('n').as('n')]).where('state', 'in', [...OPEN_STATES]).groupBy(['leika', 'ags']).having((eb) => eb.fn.sum('n'), '>', 0),
  );
  for (const b of backlog) row(b.leika, b.ags).backlog += Number(b.n);
  for (const r of rows.values()) r.deliveryMs.sort((a, b) => a - b);
  return { byServiceAndAgs: [...rows.values()].sort((a, b) => a.leika.localeCompare(b.leika) || a.ags.localeCompare(b.ags)), edges: [...edges.values()] };
}

/** See BrowseReads.endpointActivity: one index lookup per (endpoint, state). */
export function endpointActivity(ctx: SqliteContext, endpointIds: readonly string[]): Record<string, EndpointActivity> {
  const newest = (endpointId: string, states: readonly string[]) => {
    let best: { updated_at: number; last_error: string | null } | undefined;
    for (const state of states) {
      const r = ctx.sql.first(ctx.qb.selectFrom('messages').select(['updated_at', 'last_error']).where('state', '=', state).where('endpoint_id', '=', endpointId).orderBy('seq', 'desc').limit(1));
      if (r && (!best || r.updated_at > best.updated_at)) best = r;
    }
    return best;
  };
  const out: Record<string, EndpointActivity> = {};
  for (const id of endpointIds) {
    const ok = newest(id, ['delivered', 'acknowledged', 'in_mailbox']);
    const bad = newest(id, ['retrying', 'dead']);
    out[id] = { lastSuccessAt: ok ? new Date(ok.updated_at).toISOString() : null, lastErrorAt: bad ? new Date(bad.updated_at).toISOString() : null, lastError: bad?.last_error ?? null };
  }
  return out;
}
