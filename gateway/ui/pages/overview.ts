import type { GatewayConfig } from '../../config/schema.js';
import type { ServicesWith } from '../../api/services.js';
import type { BacklogReads, BrowseReads } from '../../store/contracts.js';
import { quantile } from '../../store/sqlite/browse.js';
import type { EndpointActivity, FlowCounts } from '../../store/browse-types.js';
import { html, type Html } from '../html.js';
import { duration, table, time, type PageContext, page } from '../layout.js';
import type { FiguresReport } from '../../reports/figures.js';
import { alertsSection, figuresSection, type AlertView } from './reports.js';

/** The overview page: flow figures, endpoint activity and outbox depth (ADR 0044). */
export type OverviewServices = ServicesWith<BrowseReads & BacklogReads>;

/**
 * Sources the overview shows when they exist (ADR 0030): the alert rules' current events
 * (the evaluator behind `GET /api/v1/alerts`) and the service figures of the current month
 * (gateway/reports). gateway/compose/http.ts passes both (gateway/ui/sources.ts); a section
 * whose source is absent is not rendered at all — never placeholder figures.
 */
export interface OverviewSources {
  /** Alerts firing now and the recently resolved, newest first. */
  alerts?: () => AlertView | Promise<AlertView>;
  /** Service figures of the current month per service and municipality. */
  figures?: () => Promise<FiguresReport>;
}

/** Names for keys: a LeiKa key's configured service, an AGS's configured municipality. */
export function namer(s: { cfg: Pick<GatewayConfig, 'services' | 'municipalities'> }) {
  const byLeika = new Map(s.cfg.services.flatMap((sv) => sv.leika.map((k) => [k, sv.name] as const)));
  const byAgs = new Map(s.cfg.municipalities.map((m) => [m.ags, m.name] as const));
  return {
    service: (leika: string) => byLeika.get(leika) ?? `LeiKa ${leika}`,
    municipality: (ags: string) => byAgs.get(ags) ?? `AGS ${ags}`,
  };
}

const percent = (part: number, whole: number) => (whole === 0 ? '–' : `${((100 * part) / whole).toLocaleString('de-DE', { maximumFractionDigits: 1 })} %`);

const BREAKER_LABEL: Record<string, string> = { closed: 'geschlossen (normal)', open: 'offen (gesperrt)', 'half-open': 'halb offen (Probe)' };
const CONNECTOR_LABEL: Record<string, string> = { up: 'verbunden', connecting: 'verbindet', down: 'getrennt', closed: 'geschlossen' };

/** The live part of the overview (also served alone at /ui/overview/live for the refresh). */
export async function overviewLive(s: OverviewServices, sources: OverviewSources): Promise<Html> {
  const now = new Date();
  const figures = await s.store.overviewFigures(now);
  const names = namer(s);
  // one row per configured service (several LeiKa keys) and municipality
  const merged = new Map<string, FlowCounts & { keys: string[] }>();
  for (const r of figures.byServiceAndAgs) {
    const k = `${names.service(r.leika)}|${r.ags}`;
    const m = merged.get(k);
    if (!m) merged.set(k, { ...r, deliveryMs: [...r.deliveryMs], keys: [r.leika] });
    else {
      m.lastHour += r.lastHour;
      m.lastDay += r.lastDay;
      m.failedDay += r.failedDay;
      m.backlog += r.backlog;
      m.deliveryMs.push(...r.deliveryMs);
      m.keys.push(r.leika);
    }
  }
  for (const m of merged.values()) m.deliveryMs.sort((a, b) => a - b);
  const flowRows = [...merged.values()].map((r) => [
    html`${names.service(r.leika)}<br><small>${r.keys.join(', ')}</small>`,
    html`${names.municipality(r.ags)}<br><small>${r.ags}</small>`,
    r.lastHour,
    r.lastDay,
    r.backlog,
    percent(r.failedDay, r.lastDay),
    duration(quantile(r.deliveryMs, 0.5)),
    duration(quantile(r.deliveryMs, 0.95)),
  ]);
  const endpoints = [...s.endpoints.values()].map((e) => e.status());
  const depth = await s.store.outboxDepth();
  const activity: Record<string, EndpointActivity> = await s.store.endpointActivity(endpoints.map((e) => e.id));
  const endpointRows = endpoints.map((e) => {
    const healthy = e.connected && e.breaker === 'closed';
    const a = activity[e.id];
    return [
      html`<a href="/ui/messages?endpoint=${encodeURIComponent(e.id)}">${e.id}</a>`,
      e.connector,
      html`<span class="badge ${healthy ? 'ok' : 'bad'}">${CONNECTOR_LABEL[e.health.status] ?? e.health.status}</span>${e.health.detail ? html`<br><small>${e.health.detail}</small>` : null}`,
      html`<span class="badge ${e.breaker === 'closed' ? 'ok' : 'bad'}">${BREAKER_LABEL[e.breaker] ?? e.breaker}</span>`,
      time(a?.lastSuccessAt),
      html`${time(a?.lastErrorAt)}${a?.lastError ? html`<br><small>${a.lastError}</small>` : null}`,
      depth[e.id] ?? 0,
    ];
  });
  // Inbound channels (ingress connectors): health only, they have no outbox or circuit.
  const channelRows = [...(s.channels?.values() ?? [])].map((c) => c.status()).map((c) => [
    c.id,
    c.connector,
    html`<span class="badge ${c.health.status === 'up' ? 'ok' : 'bad'}">${CONNECTOR_LABEL[c.health.status] ?? c.health.status}</span>${c.health.detail ? html`<br><small>${c.health.detail}</small>` : null}`,
    time(c.health.since),
  ]);
  const alerts = sources.alerts ? await sources.alerts() : undefined;
  const caseFigures = sources.figures ? await sources.figures() : undefined;
  return html`<p class="stamp">Stand: ${time(now.toISOString())}</p>
${alerts === undefined ? null : alertsSection(alerts)}
<section aria-labelledby="h-flows"><h2 id="h-flows">Nachrichten je Dienst und Gemeinde</h2>
${table('Nachrichten der letzten Stunde und des letzten Tages, Rückstand, Fehlerquote und Zeit bis zur Zustellung', ['Dienst', 'Gemeinde', 'letzte Stunde', 'letzter Tag', 'Rückstand', 'Fehlerquote (Tag)', 'p50 bis Zustellung', 'p95 bis Zustellung'], flowRows, 'Noch keine Nachrichten.')}
<p class="hint">Fehlerquote: Anteil der Nachrichten des letzten Tages, die jetzt unzustellbar sind oder erneut versucht werden. Rückstand: Nachrichten, die noch auf dem Weg sind.</p>
</section>
<section aria-labelledby="h-endpoints"><h2 id="h-endpoints">Endpunkte</h2>
${table('Zustand der Endpunkte', ['Endpunkt', 'Connector', 'Verbindung', 'Schutzschalter', 'Letzter Erfolg', 'Letzter Fehler', 'Warteschlange'], endpointRows)}
</section>
${channelRows.length === 0 ? null : html`<section aria-labelledby="h-channels"><h2 id="h-channels">Eingangskanäle</h2>
${table('Zustand der Eingangskanäle', ['Kanal', 'Connector', 'Verbindung', 'Seit'], channelRows)}
</section>`}
${caseFigures === undefined ? null : figuresSection(caseFigures)}`;
}

export async function overviewPage(s: OverviewServices, c: PageContext, sources: OverviewSources): Promise<Html> {
  return page(c, 'Übersicht', html`<div id="live" data-live="/ui/overview/live" data-every="10" aria-busy="false">${await overviewLive(s, sources)}</div>
<p class="hint">Die Zahlen werden alle 10 Sekunden aktualisiert (ohne JavaScript: Seite neu laden).</p>`);
}
