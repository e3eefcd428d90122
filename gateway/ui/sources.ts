import type { GatewayServices } from '../api/services.js';
import { computeFigures, type FiguresReport, type FiguresStore } from '../reports/figures.js';
import { monthPeriod } from '../reports/period.js';
import type { OverviewSources } from './pages/overview.js';
import { currentMonth } from './pages/reports.js';

/** How long the overview reuses the month's figures (they are a month's aggregate; the overview polls every 10 s). */
const FIGURES_TTL_MS = 30_000;

/**
 * The live sources of the overview (ADR 0030): the alerts of the process's evaluator
 * (`s.monitoring`, the same as `GET /api/v1/alerts`) and the service figures of the current
 * month computed by gateway/reports, reused for FIGURES_TTL_MS so that several open
 * overviews do not recompute a month every 10 seconds. Wired by gateway/compose/http.ts.
 */
export function overviewSources(s: Pick<GatewayServices, 'cfg' | 'monitoring'> & { store: FiguresStore }, ttlMs = FIGURES_TTL_MS): OverviewSources {
  let cached: { month: string; at: number; report: Promise<FiguresReport> } | undefined;
  const figures = (): Promise<FiguresReport> => {
    const month = currentMonth();
    const now = Date.now();
    if (!cached || cached.month !== month || now - cached.at >= ttlMs) {
      const report = computeFigures(s.cfg, s.store, monthPeriod(month));
      // a failed computation is not kept: the next refresh tries again
      report.catch(() => (cached?.report === report ? (cached = undefined) : undefined));
      cached = { month, at: now, report };
    }
    return cached.report;
  };
  const m = s.monitoring;
  return { ...(m ? { alerts: () => ({ active: m.alerts.active(), recent: m.alerts.recent() }) } : {}), figures };
}
