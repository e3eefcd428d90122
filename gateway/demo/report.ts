/** How the demo prints: one line per hop, and the burst's table and final line. */
import type { CaseRecord, Hop } from './tracker.js';

const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number): string => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

/** `14:03:07.412  3f2a91c0  hund      Magdeburg      EfA Hund → gateway          form JSON     hund.anmeldung.0101` */
export function hopLine(h: Hop): string {
  const t = new Date(h.at).toISOString().slice(11, 23);
  return `${t}  ${h.vorgangId.slice(0, 8)}  ${pad(h.service, 8)}  ${pad(h.municipality, 13)}  ${pad(`${h.from} → ${h.to}`, 32)}  ${pad(h.format, 13)}  ${h.messageType}`;
}

export const HOP_HEADER = `${pad('time', 12)}  ${pad('Vorgang', 8)}  ${pad('service', 8)}  ${pad('municipality', 13)}  ${pad('from → to', 32)}  ${pad('format', 13)}  message`;

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

export interface TableRow {
  municipality: string;
  service: string;
  cases: number;
  completed: number;
  nachforderungen: number;
  /** Median milliseconds between consecutive hops of the group's cases (the submission excluded). */
  medianHopMs: number | undefined;
  /** Median milliseconds from submission to final state of the completed cases. */
  medianCaseMs: number | undefined;
}

export function tableRows(cases: Iterable<CaseRecord>): TableRow[] {
  const groups = new Map<string, CaseRecord[]>();
  for (const c of cases) {
    const key = `${c.municipality}\u0000${c.service}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, list]) => {
    const [municipality = '', service = ''] = key.split('\u0000');
    const done = list.filter((c) => c.done);
    return {
      municipality,
      service,
      cases: list.length,
      completed: done.length,
      nachforderungen: list.reduce((n, c) => n + c.nachforderungen, 0),
      medianHopMs: median(list.flatMap((c) => c.hops.slice(1).map((h) => h.tookMs))),
      medianCaseMs: median(done.map((c) => c.lastAt - c.submittedAt)),
    };
  });
}

const ms = (v: number | undefined): string => (v === undefined ? '–' : `${Math.round(v)} ms`);

export function table(rows: readonly TableRow[]): string[] {
  const head = `${pad('municipality', 14)} ${pad('service', 9)} ${lpad('cases', 6)} ${lpad('completed', 10)} ${lpad('Nachforderungen', 16)} ${lpad('median/hop', 11)} ${lpad('median/case', 12)}`;
  return [head, '-'.repeat(head.length), ...rows.map((r) => `${pad(r.municipality, 14)} ${pad(r.service, 9)} ${lpad(String(r.cases), 6)} ${lpad(String(r.completed), 10)} ${lpad(String(r.nachforderungen), 16)} ${lpad(ms(r.medianHopMs), 11)} ${lpad(ms(r.medianCaseMs), 12)}`)];
}

/** The last line of a burst: `demo: cases N completed N stuck N`. */
export function finalLine(cases: number, completed: number): string {
  return `demo: cases ${cases} completed ${completed} stuck ${cases - completed}`;
}
