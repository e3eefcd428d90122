import type { Alert } from '../../monitoring/alerts.js';
import type { ServicesWith } from '../../api/services.js';
import { computeFigures, type FigureRow, type FiguresReport, type FiguresStore } from '../../reports/figures.js';
import { HOPS, type Hop } from '../../reports/hops.js';
import { monthPeriod, REPORT_TIME_ZONE } from '../../reports/period.js';
import { html, type Html } from '../html.js';
import { duration, page, table, time, type PageContext } from '../layout.js';

/** The figures page reads the service figures (ADR 0031, 0044). */
export type FiguresPageServices = ServicesWith<FiguresStore>;

/** The alerts the overview shows: those firing now and the recently resolved (newest first). */
export interface AlertView {
  active: readonly Alert[];
  recent: readonly Alert[];
}

const SEVERITY_LABEL: Record<string, string> = { critical: 'kritisch', warning: 'Warnung' };
const RULE_KIND_LABEL: Record<string, string> = {
  backlog: 'Rückstand',
  'oldest-undelivered': 'älteste unzugestellte Nachricht',
  'dead-letters': 'unzustellbare Nachrichten',
  'endpoint-down': 'Endpunkt nicht erreichbar',
  'certificate-expiry': 'Zertifikat läuft ab',
};
const UNIT_LABEL: Record<string, string> = { messages: 'Nachrichten', seconds: 's', days: 'Tage' };

/** A German description of an alert from its numbers (the evaluator's `summary` is English, for logs and the webhook). */
export function alertText(x: Pick<Alert, 'kind' | 'subject' | 'value' | 'threshold'>): string {
  const n = (v: number) => v.toLocaleString('de-DE');
  switch (x.kind) {
    case 'backlog':
      return `${n(x.value)} Nachrichten warten auf Zustellung an ${x.subject} (mehr als ${n(x.threshold)}).`;
    case 'oldest-undelivered':
      return `Die älteste unzugestellte Nachricht an ${x.subject} wartet seit ${duration(x.value * 1000)} (Grenze ${duration(x.threshold * 1000)}).`;
    case 'dead-letters':
      return `${n(x.value)} unzustellbare Nachricht(en) an ${x.subject} (mehr als ${n(x.threshold)}); erneut zustellen unter „Unzustellbare Nachrichten“.`;
    case 'endpoint-down':
      return `Endpunkt ${x.subject} ist seit ${duration(x.value * 1000)} nicht erreichbar (Grenze ${duration(x.threshold * 1000)}).`;
    case 'certificate-expiry':
      return x.value <= 0 ? `Zertifikat ${x.subject} ist abgelaufen.` : `Zertifikat ${x.subject} läuft in ${n(x.value)} Tagen ab (Warnung ab ${n(x.threshold)} Tagen).`;
  }
}

/** How many resolved alerts the overview lists (all are at GET /api/v1/alerts). */
const RECENT_SHOWN = 10;

/**
 * The overview's "Warnungen" section: first on the page, firing alerts with a badge each, then
 * the recently resolved. No role=alert: the live fragment is replaced every 10 s, and a screen
 * reader would announce the same alert again at each refresh; the count is in the heading.
 */
export function alertsSection(a: AlertView): Html {
  const rule = (x: Alert) => html`${x.rule}<br><small>${RULE_KIND_LABEL[x.kind] ?? x.kind}</small>`;
  const measured = (x: Alert) => `${x.value.toLocaleString('de-DE')} ${UNIT_LABEL[x.unit] ?? x.unit} (Grenze ${x.threshold.toLocaleString('de-DE')})`;
  const active = a.active.map((x) => [
    html`<span class="badge ${x.severity === 'critical' ? 'bad' : 'warn'}">${SEVERITY_LABEL[x.severity] ?? x.severity}</span>`,
    rule(x),
    x.subject,
    time(x.since),
    time(x.lastSeen),
    measured(x),
    alertText(x),
  ]);
  const recent = a.recent.slice(0, RECENT_SHOWN).map((x) => [rule(x), x.subject, time(x.since), time(x.resolvedAt), alertText(x)]);
  return html`<section aria-labelledby="h-alerts" class="alerts${a.active.length > 0 ? ' firing' : ''}"><h2 id="h-alerts">Warnungen${a.active.length > 0 ? html` <span class="badge bad">${a.active.length} aktiv</span>` : null}</h2>
${a.active.length === 0 ? html`<p class="notice" role="status">Keine Warnung aktiv.</p>` : table('Aktive Warnungen', ['Schwere', 'Regel', 'Betroffen', 'aktiv seit', 'zuletzt gesehen', 'Messwert', 'Beschreibung'], active)}
${table('Kürzlich behobene Warnungen', ['Regel', 'Betroffen', 'aktiv seit', 'behoben am', 'Beschreibung'], recent, 'Keine.')}
</section>`;
}

export const HOP_LABEL: Record<Hop, string> = {
  ingress: 'Eingang',
  toZsa: 'zur ZSA',
  delivery: 'Zustellung',
  release: 'Entwurf bis Freigabe',
  toCitizen: 'zum Onlinedienst',
  endToEnd: 'Ende zu Ende',
};

const who = (r: FigureRow) => (r.ags === null ? html`<strong>alle Gemeinden</strong>` : html`${r.municipality ?? `AGS ${r.ags}`}<br><small>${r.ags}</small>`);
const hopCell = (r: FigureRow, h: Hop) => {
  const f = r.hops[h];
  return f.count === 0 ? '–' : html`${duration(f.medianMs)} / ${duration(f.p90Ms)}<br><small>n = ${f.count}</small>`;
};

/** Rows per service: each municipality, then the service's total (several municipalities only). */
function rowsOf(r: FiguresReport): FigureRow[] {
  const out: FigureRow[] = [];
  for (const total of r.totals) {
    const mine = r.items.filter((i) => i.service === total.service);
    out.push(...mine);
    if (mine.length > 1) out.push(total);
  }
  return out;
}

/** The two tables of service figures: case counts, and median / p90 of each hop. */
export function figuresTables(r: FiguresReport, headingLevel: 'h2' | 'h3' = 'h3'): Html {
  const rows = rowsOf(r);
  const h = (id: string, text: string) => (headingLevel === 'h2' ? html`<h2 id="${id}">${text}</h2>` : html`<h3 id="${id}">${text}</h3>`);
  return html`${h('h-cases', 'Vorgänge')}
${table('Vorgänge je Dienst und Gemeinde', ['Dienst', 'Gemeinde', 'eröffnet', 'abgeschlossen', 'unvollständig geschlossen', 'offen', 'überfällige Fristen'], rows.map((x) => [x.serviceName, who(x), x.cases.opened, x.cases.closed, x.cases.closedIncomplete, x.cases.open, x.cases.overdueDeadlines]), 'Keine Vorgänge im Zeitraum.')}
${h('h-hops', 'Laufzeiten (Median / 90. Perzentil)')}
${table('Laufzeit je Abschnitt und Ende zu Ende', ['Dienst', 'Gemeinde', ...HOPS.map((x) => HOP_LABEL[x])], rows.map((x) => [x.serviceName, who(x), ...HOPS.map((hop) => hopCell(x, hop))]), 'Keine Laufzeiten im Zeitraum.')}
<p class="hint">Median und 90. Perzentil (nächster Rang, also jeweils eine wirklich gemessene Dauer); n: Anzahl der Messungen. Überfällige Fristen: jetzt laufende Fristen nach ihrer Erinnerungszeit, Stand ${time(r.asOf)}.</p>`;
}

/** The overview's service figures of the current month. */
export function figuresSection(r: FiguresReport): Html {
  return html`<section aria-labelledby="h-figures"><h2 id="h-figures">Kennzahlen der Dienste (${monthLabel(r.period.month ?? '')})</h2>
${figuresTables(r)}
<p><a href="/ui/figures">Kennzahlen anderer Monate und Nutzung je Gemeinde</a></p></section>`;
}

/** The current calendar month in German time, `YYYY-MM`. */
export function currentMonth(now = new Date()): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: REPORT_TIME_ZONE, year: 'numeric', month: '2-digit' }).formatToParts(now);
  return `${parts.find((p) => p.type === 'year')!.value}-${parts.find((p) => p.type === 'month')!.value}`;
}

const MONTHS = ['Januar', 'Februar', 'März', 'April', 'Mai', 'Juni', 'Juli', 'August', 'September', 'Oktober', 'November', 'Dezember'];
export const monthLabel = (m: string) => (/^\d{4}-\d{2}$/.test(m) ? `${MONTHS[Number(m.slice(5, 7)) - 1]} ${m.slice(0, 4)}` : m);

/** `month` from the query: a valid `YYYY-MM` (else GW_BAD_REQUEST naming query.month), default the current month. */
export function monthOf(raw: unknown): string {
  if (raw === undefined || raw === '') return currentMonth();
  return monthPeriod(typeof raw === 'string' ? raw : '', 'query.month').month!;
}

/** "Kennzahlen": the figures of one month (selector), with the CSV downloads of figures and usage. */
export async function figuresPage(s: FiguresPageServices, c: PageContext, month: string): Promise<Html> {
  const report = await computeFigures(s.cfg, s.store, monthPeriod(month));
  const q = `month=${encodeURIComponent(month)}`;
  return page(c, 'Kennzahlen', html`<form method="get" action="/ui/figures" class="inline" aria-label="Monat wählen">
<label for="month">Monat</label><input id="month" name="month" type="month" value="${month}" required pattern="\\d{4}-\\d{2}" max="${currentMonth()}"><button type="submit">Anzeigen</button></form>
<p>Zeitraum: ${monthLabel(month)} (${time(report.period.from)} bis ${time(report.period.to)}, deutsche Zeit).</p>
${figuresTables(report, 'h2')}
<section aria-labelledby="h-dl"><h2 id="h-dl">Downloads</h2><ul>
<li><a href="/ui/usage.csv?${q}" download>Nutzung ${monthLabel(month)} je Gemeinde (CSV)</a> – Vorgänge, Nachrichten und Bytes je Gemeinde und Dienst, Grundlage der Kostenteilung.</li>
<li><a href="/ui/figures.csv?${q}" download>Kennzahlen ${monthLabel(month)} (CSV)</a></li>
</ul></section>`);
}

/** The "Zustellnachweis" section of the message and Vorgang pages: the three formats of the proof route at `base`. */
export function proofLinks(base: string, of: string): Html {
  return html`<section aria-labelledby="h-proof"><h2 id="h-proof">Zustellnachweis</h2>
<p>Nachweis ${of} mit den signierten Quittungen und Ereignissen und den zugehörigen Audit-Einträgen; offline prüfbar mit <code>zsa-gateway proof verify &lt;Datei&gt;</code>.</p>
<ul class="proof">
<li><a href="${base}?format=json" download>Zustellnachweis als JSON-Bündel</a></li>
<li><a href="${base}?format=html" target="_blank" rel="noopener">Zustellnachweis zum Drucken (HTML)</a></li>
<li><a href="${base}?format=pdf" download>Zustellnachweis als PDF</a></li>
</ul></section>`;
}
