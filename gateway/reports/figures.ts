import type { GatewayConfig, ServiceConfig } from '../config/schema.js';
import { serviceOfMessage } from '../auth/ownership.js';
import type { DeadlineStore, MessageReads, ReportStore } from '../store/contracts.js';
import type { VorgangMessageTime } from '../store/types.js';

/** What the service figures read: the report queries, the opening messages and the deadline candidates (overdue cases). */
export type FiguresStore = ReportStore & Pick<MessageReads, 'getMessage'> & Pick<DeadlineStore, 'deadlineCandidates'>;
import { caseDefinition, HOPS, samplesOf, type Hop } from './hops.js';
import { REPORT_TIME_ZONE, type Period } from './period.js';
import { hopFigure, type HopFigure } from './stats.js';

/** Case counts of one service in one municipality (docs/reports.md). */
export interface CaseFigures {
  /** Opening messages stored in the period. */
  opened: number;
  /** Vorgänge whose first closing message was stored in the period and has been delivered. */
  closed: number;
  /** Vorgänge a deadline closed as incomplete in the period (not counted in `closed`). */
  closedIncomplete: number;
  /** Vorgänge opened before the period's end and not closed (either way) before it. */
  open: number;
  /** Deadlines running now whose reminder time has passed, unanswered (a snapshot at `asOf`, not of the period). */
  overdueDeadlines: number;
}

export interface FigureRow {
  service: string;
  serviceName: string;
  /** The municipality; null in `totals` (all municipalities in scope). */
  ags: string | null;
  municipality: string | null;
  cases: CaseFigures;
  hops: Record<Hop, HopFigure>;
}

/** The JSON answer of GET /api/v1/reports/figures; shape kept stable for the monitoring UI. */
export interface FiguresReport {
  period: { from: string; to: string; month: string | null; timeZone: string };
  asOf: string;
  /** AGS in scope, or `all`. */
  scope: string[] | 'all';
  items: FigureRow[];
  totals: FigureRow[];
}

const emptyCases = (): CaseFigures => ({ opened: 0, closed: 0, closedIncomplete: 0, open: 0, overdueDeadlines: 0 });

interface Acc {
  service: ServiceConfig;
  ags: string | null;
  cases: CaseFigures;
  samples: Record<Hop, number[]>;
  closedVorgaenge: Set<string>;
}

/**
 * Computes the figures per service and municipality for a period: counts in SQL, hop
 * durations from the messages stored in the period (gateway/reports/hops.ts). `ags`
 * narrows to those municipalities (the caller's remit); `service` to one service id.
 * Messages of no configured service (e.g. gateway notices of foreign standards) are left out.
 */
export async function computeFigures(cfg: GatewayConfig, store: FiguresStore, period: Period, opts: { ags?: readonly string[]; service?: string; now?: Date } = {}): Promise<FiguresReport> {
  const now = opts.now ?? new Date();
  const def = caseDefinition(cfg);
  const scope = opts.ags === undefined ? {} : { ags: opts.ags };
  const rows = await store.reportMessages({ from: period.from, to: period.to, ...scope });
  const services = cfg.services.filter((s) => opts.service === undefined || s.id === opts.service);
  const serviceOf = (m: { leika: string; routeName: string }) => {
    const s = serviceOfMessage(cfg, m);
    return s && services.includes(s) ? s : undefined;
  };

  const releaseTypes = new Set(services.flatMap((s) => s.releases.map((r) => r.release)));
  const closingTypes = new Set(services.flatMap((s) => s.retention?.closedBy ?? []));
  const draftTypes = services.flatMap((s) => s.releases.map((r) => r.draft));
  const byVorgang = (xs: VorgangMessageTime[]) => new Map(xs.map((x) => [x.vorgangId, x]));
  const drafts = byVorgang(await store.reportFirstOf(rows.filter((m) => releaseTypes.has(m.messageType)).map((m) => m.vorgangId), { messageTypes: draftTypes }));
  const openings = byVorgang(await store.reportFirstOf(rows.filter((m) => closingTypes.has(m.messageType)).map((m) => m.vorgangId), { routeNames: def.openingRoutes }));
  const openingRoutes = new Set(def.openingRoutes);

  const accs = new Map<string, Acc>();
  const acc = (service: ServiceConfig, ags: string): Acc => {
    const key = `${service.id}\u0000${ags}`;
    let a = accs.get(key);
    if (!a) {
      a = { service, ags, cases: emptyCases(), samples: Object.fromEntries(HOPS.map((h) => [h, []])) as unknown as Record<Hop, number[]>, closedVorgaenge: new Set() };
      accs.set(key, a);
    }
    return a;
  };

  for (const m of rows) {
    const service = serviceOf(m);
    if (!service) continue;
    const a = acc(service, m.ags);
    if (openingRoutes.has(m.routeName)) a.cases.opened++;
    if (m.deliveredAt !== null && (service.retention?.closedBy ?? []).includes(m.messageType)) a.closedVorgaenge.add(m.vorgangId);
    for (const [hop, ms] of samplesOf(m, { service, openingRoutes, drafts, openings })) a.samples[hop].push(ms);
  }
  for (const c of await store.reportClosedIncomplete({ from: period.from, to: period.to, ...scope })) {
    const service = serviceOf(c);
    if (service) acc(service, c.ags).cases.closedIncomplete++;
  }
  for (const o of await store.reportOpenCases(period.to, def, opts.ags)) {
    const service = serviceOf(o);
    if (service) acc(service, o.ags).cases.open += o.open;
  }
  await countOverdue(store, services, now, opts.ags, (service, ags) => acc(service, ags).cases.overdueDeadlines++);

  const name = (ags: string) => cfg.municipalities.find((x) => x.ags === ags)?.name ?? null;
  const items = [...accs.values()]
    .map((a) => ({ ...a, cases: { ...a.cases, closed: a.closedVorgaenge.size } }))
    .sort((x, y) => (x.service.id === y.service.id ? String(x.ags).localeCompare(String(y.ags)) : x.service.id.localeCompare(y.service.id)));
  const row = (a: Pick<Acc, 'service' | 'ags' | 'cases' | 'samples'>): FigureRow => ({
    service: a.service.id,
    serviceName: a.service.name,
    ags: a.ags,
    municipality: a.ags === null ? null : name(a.ags),
    cases: a.cases,
    hops: Object.fromEntries(HOPS.map((h) => [h, hopFigure(a.samples[h])])) as Record<Hop, HopFigure>,
  });
  const totals = services
    .map((service) => {
      const mine = items.filter((a) => a.service === service);
      const cases = emptyCases();
      for (const a of mine) for (const k of Object.keys(cases) as Array<keyof CaseFigures>) cases[k] += a.cases[k];
      const samples = Object.fromEntries(HOPS.map((h) => [h, mine.flatMap((a) => a.samples[h])])) as Record<Hop, number[]>;
      return { service, ags: null, cases, samples, n: mine.length };
    })
    .filter((t) => t.n > 0);
  return {
    period: { from: period.from.toISOString(), to: period.to.toISOString(), month: period.month, timeZone: REPORT_TIME_ZONE },
    asOf: now.toISOString(),
    scope: opts.ags === undefined ? 'all' : [...opts.ags],
    items: items.map(row),
    totals: totals.map(row),
  };
}

/** Deadlines (services[].deadlines, ADR 0023) running now whose reminder time has passed: one call per service and deadline. */
async function countOverdue(store: FiguresStore, services: readonly ServiceConfig[], now: Date, ags: readonly string[] | undefined, hit: (s: ServiceConfig, ags: string) => void): Promise<void> {
  for (const service of services) {
    for (const d of service.deadlines) {
      const candidates = await store.deadlineCandidates({ deadline: d.name, after: d.after, until: d.until, leika: service.leika });
      for (const c of candidates) {
        if (Date.parse(c.deliveredAt) + d.remindAfter > now.getTime()) continue;
        const m = await store.getMessage(c.afterMessageId);
        if (m && (ags === undefined || ags.includes(m.ags))) hit(service, m.ags);
      }
    }
  }
}
