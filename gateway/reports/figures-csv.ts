import { stringify } from 'csv-stringify/sync';
import { HOPS } from './hops.js';
import type { FiguresReport } from './figures.js';

/** The CSV columns of the figures, in order (docs/reports.md): one line per service and municipality, then one per service total (empty ags). */
export const FIGURES_CSV_COLUMNS = [
  'period',
  'service',
  'ags',
  'municipality',
  'cases_opened',
  'cases_closed',
  'cases_closed_incomplete',
  'cases_open',
  'deadlines_overdue',
  ...HOPS.flatMap((h) => [`${h}_count`, `${h}_median_ms`, `${h}_p90_ms`]),
] as const;

export function figuresCsv(r: FiguresReport): string {
  const period = r.period.month ?? `${r.period.from}/${r.period.to}`;
  const lines = [...r.items, ...r.totals].map((x) => [
    period,
    x.service,
    x.ags ?? '',
    x.municipality ?? '',
    x.cases.opened,
    x.cases.closed,
    x.cases.closedIncomplete,
    x.cases.open,
    x.cases.overdueDeadlines,
    ...HOPS.flatMap((h) => [x.hops[h].count, x.hops[h].medianMs ?? '', x.hops[h].p90Ms ?? '']),
  ]);
  return stringify(lines, { header: true, columns: [...FIGURES_CSV_COLUMNS], record_delimiter: 'windows' });
}
