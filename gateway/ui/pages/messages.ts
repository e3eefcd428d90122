import type { Request } from 'express';
import type { ServicesWith } from '../../api/services.js';
import type { BrowseReads, MessageReads } from '../../store/contracts.js';
import { GatewayError } from '../../errors.js';
import { isMessageState, MESSAGE_STATES } from '../../model/states.js';
import { requireAgs } from '../../routing/region-key.js';
import type { BrowseQuery } from '../../store/browse-types.js';
import type { StoredMessage } from '../../store/types.js';
import { proofLinks } from './reports.js';
import { html, type Html } from '../html.js';
import { page, STATE_LABEL, stateBadge, table, time, type PageContext } from '../layout.js';
import { namer } from './overview.js';

/** The message browser, a message with its history and forms, and its payload (ADR 0044). */
export type MessagePagesServices = ServicesWith<BrowseReads & MessageReads>;

/** The browser's query parameters: name, label, input type (every one answered from an index, ADR 0030). */
const FIELDS = [
  ['uuid', 'Nachrichten-UUID', 'text'],
  ['id', 'Gateway-ID', 'text'],
  ['vorgang', 'Vorgangs-ID', 'text'],
  ['type', 'Nachrichtentyp', 'text'],
  ['ags', 'AGS / ARS', 'text'],
  ['leika', 'LeiKa-Schlüssel', 'text'],
  ['endpoint', 'Endpunkt', 'text'],
  ['from', 'Empfangen ab (UTC)', 'datetime-local'],
  ['to', 'Empfangen bis (UTC)', 'datetime-local'],
] as const;

function text(req: Request, name: string): string | undefined {
  const v = req.query[name];
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  if (t.length === 0) return undefined;
  if (t.length > 200) throw bad(name, 'ist länger als 200 Zeichen');
  return t;
}

const bad = (name: string, message: string) => new GatewayError('GW_BAD_REQUEST', `query parameter ${name} ${message}`, { issues: [{ message, path: `query.${name}` }] });

function instant(req: Request, name: string): number | undefined {
  const v = text(req, name);
  if (v === undefined) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(v)) throw bad(name, 'ist kein Zeitpunkt JJJJ-MM-TTTHH:MM');
  const ms = Date.parse(`${v}Z`);
  if (Number.isNaN(ms)) throw bad(name, 'ist kein gültiger Zeitpunkt');
  return ms;
}

/** The browser query from the request's query string; 400 GW_BAD_REQUEST naming the parameter otherwise. */
export function browseQueryOf(req: Request): BrowseQuery {
  const q: BrowseQuery = { limit: 50 };
  const set = <K extends keyof BrowseQuery>(k: K, v: BrowseQuery[K] | undefined) => {
    if (v !== undefined) q[k] = v;
  };
  set('messageUuid', text(req, 'uuid'));
  set('gatewayId', text(req, 'id'));
  set('vorgangId', text(req, 'vorgang'));
  set('messageType', text(req, 'type'));
  const ags = text(req, 'ags');
  if (ags !== undefined) q.ags = requireAgs(ags, 'query.ags');
  const leika = text(req, 'leika');
  if (leika !== undefined && !/^\d{14}$/.test(leika)) throw bad('leika', 'ist kein 14-stelliger LeiKa-Schlüssel');
  set('leika', leika);
  set('endpointId', text(req, 'endpoint'));
  const state = text(req, 'state');
  if (state !== undefined && !isMessageState(state)) throw bad('state', 'ist kein Zustand');
  if (state !== undefined && isMessageState(state)) q.state = state;
  set('fromMs', instant(req, 'from'));
  set('toMs', instant(req, 'to'));
  const before = text(req, 'before');
  if (before !== undefined) {
    if (!/^\d{1,15}$/.test(before)) throw bad('before', 'ist kein Blätterzeiger');
    q.beforeSeq = Number(before);
  }
  return q;
}

/** Rows of a message list (browser, dead letters). */
export function messageRows(s: MessagePagesServices, items: readonly StoredMessage[], select?: (m: StoredMessage) => Html): Html[][] {
  const names = namer(s);
  return items.map((m) => [
    ...(select ? [select(m)] : []),
    time(m.receivedAt),
    html`<a href="/ui/messages/${encodeURIComponent(m.id)}">${m.messageType}</a><br><small>${m.messageUuid}</small>`,
    stateBadge(m.state),
    html`<a href="/ui/vorgaenge/${encodeURIComponent(m.vorgangId)}">${m.vorgangId}</a>`,
    html`${names.municipality(m.ags)}<br><small>${m.ags}</small>`,
    html`${m.author}<br><small>→ ${m.endpointId}</small>`,
  ]);
}

export const MESSAGE_HEAD = ['Empfangen', 'Typ / UUID', 'Zustand', 'Vorgang', 'Gemeinde', 'Von → Endpunkt'];

export async function browserPage(s: MessagePagesServices, c: PageContext, req: Request): Promise<Html> {
  const q = browseQueryOf(req);
  const result = await s.store.browseMessages(q);
  const value = (n: string) => (typeof req.query[n] === 'string' ? (req.query[n] as string) : '');
  const nextParams = new URLSearchParams();
  for (const [k, v] of Object.entries(req.query)) if (typeof v === 'string' && v !== '' && k !== 'before') nextParams.set(k, v);
  if (result.next !== null) nextParams.set('before', String(result.next));
  const form = html`<form class="filters" method="get" action="/ui/messages" role="search" aria-label="Nachrichten filtern">
${FIELDS.map(([name, label, type]) => html`<p><label for="f-${name}">${label}</label><input id="f-${name}" name="${name}" type="${type}" value="${value(name)}" autocomplete="off"></p>`)}
<p><label for="f-state">Zustand</label><select id="f-state" name="state"><option value="">alle</option>${MESSAGE_STATES.map((st) => html`<option value="${st}"${value('state') === st ? html` selected` : null}>${STATE_LABEL[st]}</option>`)}</select></p>
<p class="actions"><button type="submit">Suchen</button> <a href="/ui/messages">Filter zurücksetzen</a></p>
</form>`;
  const list = table(`Nachrichten, neueste zuerst (${result.items.length} auf dieser Seite)`, MESSAGE_HEAD, messageRows(s, result.items), 'Keine Nachricht passt zu diesen Filtern.');
  const more = result.next === null ? null : html`<p><a rel="next" href="/ui/messages?${nextParams.toString()}">Ältere Nachrichten</a></p>`;
  return page(c, 'Nachrichten', html`${form}${list}${more}`);
}

/** Delivery attempts: transitions that are an endpoint's answer (or the gateway giving up). */
const ATTEMPT_STATES = new Set(['retrying', 'dead', 'delivered', 'in_mailbox']);

export async function messagePage(s: MessagePagesServices, c: PageContext, id: string): Promise<Html> {
  const m = await s.store.getMessage(id);
  if (!m) throw new GatewayError('GW_NOT_FOUND', `no message ${id}`);
  const names = namer(s);
  const history = await s.store.history(id);
  const forms = await s.store.listForms(id);
  const facts: Array<[string, Html | string | number]> = [
    ['Gateway-ID', m.id],
    ['Nachrichten-UUID', m.messageUuid],
    ['Nachrichtentyp', m.messageType],
    ['Standard', `${m.standard} ${m.version}`],
    ['Vorgang', html`<a href="/ui/vorgaenge/${encodeURIComponent(m.vorgangId)}">${m.vorgangId}</a>`],
    ['Dienst (LeiKa)', html`${names.service(m.leika)} (${m.leika})`],
    ['Gemeinde (AGS)', html`${names.municipality(m.ags)} (${m.ags})`],
    ['Autor', m.author],
    ['Leser', m.reader],
    ['Route', m.routeName],
    ['Endpunkt', m.endpointId],
    ['Zustand', stateBadge(m.state)],
    ['Zustellversuche', m.attempts],
    ['Größe', `${m.size.toLocaleString('de-DE')} Byte`],
    ['Empfangen', time(m.receivedAt)],
    ['Zuletzt geändert', time(m.updatedAt)],
    ['Testnachricht', m.test ? 'ja' : 'nein'],
  ];
  const attempts = history.filter((t) => ATTEMPT_STATES.has(t.to));
  const body = html`<section aria-labelledby="h-head"><h2 id="h-head">Kopfdaten</h2><dl class="facts">${facts.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>
${m.lastError ? html`<p class="error"><strong>Letzter Fehler:</strong> ${m.lastError}</p>` : null}</section>
<section aria-labelledby="h-hist"><h2 id="h-hist">Zustandswechsel</h2>${table('Jeder Zustandswechsel mit Zeit und Grund', ['Zeit', 'von', 'nach', 'Grund', 'Versuch'], history.map((t) => [time(t.at), t.from ? stateBadge(t.from) : '–', stateBadge(t.to), t.reason, t.attempt]))}</section>
<section aria-labelledby="h-att"><h2 id="h-att">Zustellversuche</h2>${table('Antworten des Endpunkts', ['Zeit', 'Ergebnis', 'Antwort / Grund', 'Versuch'], attempts.map((t) => [time(t.at), stateBadge(t.to), t.reason, t.attempt]), 'Noch kein Zustellversuch.')}</section>
<section aria-labelledby="h-warn"><h2 id="h-warn">Prüfhinweise</h2>${m.warnings.length === 0 ? html`<p class="empty">Keine Hinweise der Prüfung.</p>` : html`<ul>${m.warnings.map((w) => html`<li>${w}</li>`)}</ul>`}</section>
<section aria-labelledby="h-forms"><h2 id="h-forms">Umgesetzte Formen</h2>${table('Gespeicherte Formen der Nachricht', ['Name', 'Rolle', 'Mapping', 'Medientyp', 'Größe', 'Erstellt'], forms.map((f) => [f.name, f.role === 'original' ? 'Original' : 'Zustellform', f.mapping, f.mediaType, `${f.size.toLocaleString('de-DE')} Byte`, time(f.createdAt)]), 'Keine umgesetzten Formen (die Nutzdaten werden unverändert zugestellt).')}</section>
<section aria-labelledby="h-payload"><h2 id="h-payload">Nutzdaten</h2>
${m.payloadPurgedAt ? html`<p>Die Nutzdaten wurden am ${time(m.payloadPurgedAt)} nach der Aufbewahrungsfrist gelöscht.</p>` : html`<p>Betrieb und Administration sehen Nutzdaten nur mit einer gültigen Break-Glass-Freigabe; jeder Zugriff wird protokolliert.</p><p><a href="/ui/messages/${encodeURIComponent(m.id)}/payload">Nutzdaten anzeigen</a></p>`}
</section>`;
  return page(c, `Nachricht ${m.messageType}`, html`${body}${proofLinks(`/ui/messages/${encodeURIComponent(m.id)}/proof`, 'dieser Nachricht')}`);
}

/** Only reached through the route's `payload` check: an operator or admin holds a break-glass grant for this message or its Vorgang. */
export async function payloadPage(s: MessagePagesServices, c: PageContext, id: string): Promise<Html> {
  const m = await s.store.getMessage(id);
  const p = await s.store.getPayload(id);
  if (!m || !p) throw new GatewayError('GW_NOT_FOUND', `no message ${id}`);
  return page(c, 'Nutzdaten', html`<p>Nachricht <a href="/ui/messages/${encodeURIComponent(id)}">${m.messageType} ${m.messageUuid}</a>, ${m.payloadFormat === 'jwe' ? 'Ende-zu-Ende verschlüsselt (JWE) wie empfangen' : 'XML'}; dieser Zugriff ist protokolliert.</p>
<pre class="payload" tabindex="0" aria-label="Nutzdaten">${p.toString('utf8')}</pre>`);
}
