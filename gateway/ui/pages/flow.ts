import type { ServicesWith } from '../../api/services.js';
import type { BrowseReads } from '../../store/contracts.js';
import { escapeHtml, html, trusted, type Html } from '../html.js';
import { page, table, type PageContext } from '../layout.js';

/** The flow page reads the overview figures only (ADR 0044). */
export type FlowServices = ServicesWith<BrowseReads>;

/**
 * The flow picture: senders (authors) on the left, endpoints on the right, one edge per
 * route actually taken in the last day, with the last hour's and day's counts and its
 * failures; coloured by health (green: no failure, amber: retrying, red: dead letters),
 * with the colour's meaning also written on the edge. Server-rendered SVG plus the same
 * data as a table for screen readers and keyboard users.
 */
export async function flowPage(s: FlowServices, c: PageContext): Promise<Html> {
  const { edges } = await s.store.overviewFigures(new Date());
  const byKennung = new Map(s.cfg.participants.map((p) => [p.kennung, p.name] as const));
  const byEndpoint = new Map(s.cfg.participants.flatMap((p) => (p.endpoint ? [[p.endpoint, p.name] as const] : [])));
  const authors = [...new Set(edges.map((e) => e.author))].sort();
  const targets = [...new Set([...edges.map((e) => e.endpointId), ...s.endpoints.keys()])].sort();
  const rowH = 46;
  const height = Math.max(authors.length, targets.length, 1) * rowH + 40;
  const width = 1100;
  const left = 20;
  const nodeW = 330;
  // labels fit the box (13 px font); the full name is in the node's <title>
  const fit = (name: string) => (name.length > 44 ? `${name.slice(0, 43)}…` : name);
  const right = width - nodeW - 20;
  const yOf = (list: string[], x: string) => 30 + list.indexOf(x) * rowH;
  const status = new Map([...s.endpoints.values()].map((e) => [e.id, e.status()] as const));
  const parts: string[] = [];
  for (const e of edges) {
    const y1 = yOf(authors, e.author) + 16;
    const y2 = yOf(targets, e.endpointId) + 16;
    const cls = e.deadDay > 0 ? 'dead' : e.retryingDay > 0 ? 'warn' : 'ok';
    const w = Math.min(8, 1 + Math.log2(1 + e.lastDay));
    const label = `${e.lastHour}/h · ${e.lastDay}/Tag${e.deadDay ? ` · ${e.deadDay} unzustellbar` : ''}${e.retryingDay ? ` · ${e.retryingDay} im Wiederholen` : ''}`;
    const mx = (left + nodeW + right) / 2;
    parts.push(
      `<path class="edge ${cls}" d="M${left + nodeW},${y1} C${mx},${y1} ${mx},${y2} ${right},${y2}" stroke-width="${w.toFixed(1)}"><title>${escapeHtml(`${e.author} → ${e.endpointId}: ${label}`)}</title></path>`,
      `<text class="edge-label" x="${mx}" y="${((y1 + y2) / 2 - 4).toFixed(0)}" text-anchor="middle">${escapeHtml(label)}</text>`,
    );
  }
  for (const a of authors) {
    const y = yOf(authors, a);
    const name = byKennung.get(a) ?? a;
    parts.push(`<g class="node"><rect x="${left}" y="${y}" width="${nodeW}" height="32" rx="6"/><text x="${left + 10}" y="${y + 20}">${escapeHtml(fit(name))}</text><title>${escapeHtml(`${name} (${a})`)}</title></g>`);
  }
  for (const t of targets) {
    const y = yOf(targets, t);
    const st = status.get(t);
    const cls = st === undefined ? '' : st.connected && st.breaker === 'closed' ? 'ok' : 'bad';
    parts.push(`<g class="node ${cls}"><rect x="${right}" y="${y}" width="${nodeW}" height="32" rx="6"/><text x="${right + 10}" y="${y + 20}">${escapeHtml(fit(byEndpoint.get(t) ?? t))}</text><title>${escapeHtml(`Endpunkt ${t}${st ? `: ${st.health.status}, Schutzschalter ${st.breaker}` : ''}`)}</title></g>`);
  }
  const svg = trusted(`<svg class="flow" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="flow-title" xmlns="http://www.w3.org/2000/svg"><title id="flow-title">Nachrichtenflüsse des letzten Tages: Absender links, Endpunkte rechts</title>${parts.join('')}</svg>`);
  const rows = edges
    .sort((a, b) => b.lastDay - a.lastDay)
    .map((e) => [byKennung.get(e.author) ?? e.author, html`<a href="/ui/messages?endpoint=${encodeURIComponent(e.endpointId)}">${e.endpointId}</a>`, e.lastHour, e.lastDay, e.retryingDay, e.deadDay]);
  return page(c, 'Flussbild', html`<div id="live" data-live="/ui/flow" data-select="#flow-body" data-every="15"><div id="flow-body">
<p class="legend"><span class="badge ok">grün: ohne Fehler</span> <span class="badge warn">gelb: erneute Versuche</span> <span class="badge bad">rot: unzustellbare Nachrichten</span></p>
<figure>${svg}<figcaption>Linienstärke: Nachrichten des letzten Tages.</figcaption></figure>
${table('Flüsse des letzten Tages', ['Absender', 'Endpunkt', 'letzte Stunde', 'letzter Tag', 'erneute Versuche', 'unzustellbar'], rows, 'Noch keine Nachrichten.')}
</div></div>`);
}
