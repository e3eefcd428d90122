import type { ServicesWith } from '../../api/services.js';
import type { BrowseReads, DelegationStore, MessageReads, VorgangEventReads } from '../../store/contracts.js';
import { GatewayError } from '../../errors.js';
import { proofLinks } from './reports.js';
import { html, type Html } from '../html.js';
import { csrfField, page, stateBadge, table, time, type PageContext } from '../layout.js';
import { MESSAGE_HEAD, messageRows } from './messages.js';
import { namer } from './overview.js';

/** The case, dead-letter and delegation pages: a Vorgang with its history and case events, the dead letters, the delegation log (ADR 0044). */
export type CasesServices = ServicesWith<MessageReads & VorgangEventReads & BrowseReads & Pick<DelegationStore, 'delegationHistory'>>;

/** Which side of the flow a kennung is on, for the timeline's lanes. */
function laneOf(s: CasesServices, kennung: string): string {
  const kind = s.cfg.participants.find((p) => p.kennung === kennung)?.kind;
  if (kind === 'efa-service') return 'EfA-Onlinedienst';
  if (kind === 'zsa') return 'ZSA';
  if (kind === 'municipality' || kind === 'fachverfahren') return 'Gemeinde / Fachverfahren';
  if (kennung.startsWith('gateway')) return 'Gateway';
  return kind ?? 'unbekannt';
}

/**
 * The Vorgang timeline: every message of the case in arrival order with who sent it to
 * whom, and every state change of each, merged by time; case events of deadlines too.
 */
export async function vorgangPage(s: CasesServices, c: PageContext, id: string): Promise<Html> {
  const messages = await s.store.vorgang(id);
  if (messages.length === 0) throw new GatewayError('GW_NOT_FOUND', `no Vorgang ${id}`);
  const names = namer(s);
  const endpointOwner = new Map(s.cfg.participants.flatMap((p) => (p.endpoint ? [[p.endpoint, p.kennung] as const] : [])));
  const steps = messages.map((m) => {
    const from = laneOf(s, m.author);
    const to = laneOf(s, endpointOwner.get(m.endpointId) ?? m.reader);
    return html`<li class="step"><p class="route"><span class="lane">${from}</span> → <span class="lane">Gateway</span> → <span class="lane">${to}</span></p>
<p><a href="/ui/messages/${encodeURIComponent(m.id)}">${m.messageType}</a> ${stateBadge(m.state)} <small>${time(m.receivedAt)} · von ${m.author} an ${m.endpointId}</small></p></li>`;
  });
  const timeline: Array<{ at: string; seq: number; row: Html[] }> = [];
  for (const m of messages) {
    for (const t of await s.store.history(m.id)) {
      timeline.push({ at: t.at, seq: t.seq, row: [time(t.at), html`<a href="/ui/messages/${encodeURIComponent(m.id)}">${m.messageType}</a>`, t.from ? stateBadge(t.from) : html`–`, stateBadge(t.to), html`${t.reason}`] });
    }
  }
  timeline.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.seq - b.seq));
  const events = await s.store.vorgangEvents(id);
  const first = messages[0]!;
  return page(c, `Vorgang ${id}`, html`<p>${names.service(first.leika)} · ${names.municipality(first.ags)} (${first.ags}) · ${messages.length} Nachrichten${events.some((e) => e.kind === 'closed') ? ' · als unvollständig geschlossen' : ''}</p>
<section aria-labelledby="h-steps"><h2 id="h-steps">Verlauf über alle Stationen</h2><ol class="timeline">${steps}</ol></section>
<section aria-labelledby="h-trans"><h2 id="h-trans">Alle Zustandswechsel</h2>${table('Zustandswechsel aller Nachrichten des Vorgangs, nach Zeit', ['Zeit', 'Nachricht', 'von', 'nach', 'Grund'], timeline.map((t) => t.row))}</section>
${proofLinks(`/ui/vorgaenge/${encodeURIComponent(first.vorgangId)}/proof`, 'dieses Vorgangs')}
${events.length === 0 ? null : html`<section aria-labelledby="h-ev"><h2 id="h-ev">Fristereignisse</h2>${table('Vom Gateway ausgelöste Ereignisse', ['Zeit', 'Art', 'Frist'], events.map((e) => [time(e.at), e.kind === 'closed' ? 'geschlossen' : 'Erinnerung', e.deadline]))}</section>`}`);
}

/** Dead letters: every `dead` message with its reason; admins replay one or many after confirming. */
export async function deadLettersPage(s: CasesServices, c: PageContext, before: number | undefined, notice?: string): Promise<Html> {
  const result = await s.store.browseMessages({ state: 'dead', limit: 100, ...(before !== undefined ? { beforeSeq: before } : {}) });
  const select = c.isAdmin ? (m: { id: string; messageType: string }) => html`<input type="checkbox" name="ids" value="${m.id}" id="dl-${m.id}" aria-label="${m.messageType} ${m.id} auswählen">` : undefined;
  const rows = messageRows(s, result.items, select).map((r, i) => [...r, html`${result.items[i]!.lastError ?? '–'}`]);
  const head = [...(c.isAdmin ? ['Auswahl'] : []), ...MESSAGE_HEAD, 'Grund'];
  const list = table(`Unzustellbare Nachrichten (${result.items.length} auf dieser Seite)`, head, rows, 'Keine unzustellbare Nachricht.');
  const more = result.next === null ? null : html`<p><a rel="next" href="/ui/dead-letters?before=${result.next}">Ältere</a></p>`;
  const body = c.isAdmin && result.items.length > 0
    ? html`<form method="post" action="/ui/dead-letters/replay">${csrfField(c)}${list}
<fieldset><legend>Erneut zustellen</legend>
<p><label for="dl-reason">Grund (wird protokolliert)</label><input id="dl-reason" name="reason" required minlength="5" maxlength="500"></p>
<p><input type="checkbox" id="dl-confirm" name="confirm" value="ja" required> <label for="dl-confirm">Ich bestätige, dass die ausgewählten Nachrichten erneut zugestellt werden sollen.</label></p>
<p><button type="submit">Ausgewählte erneut zustellen</button></p></fieldset></form>`
    : html`${list}${c.isAdmin ? null : html`<p class="hint">Erneut zustellen darf nur die Administration.</p>`}`;
  return page(c, 'Unzustellbare Nachrichten', html`${notice ? html`<p class="notice" role="status">${notice}</p>` : null}${body}${more}`);
}

const MODE_LABEL: Record<string, string> = { none: 'keine (Gemeinde selbst)', e2e: 'E2E (ganzer Prozess mit Bürgerkontakt)', backoffice: 'Backoffice (ohne Bürgerkontakt)' };
const modeLabel = (m: string) => MODE_LABEL[m] ?? (m.startsWith('prozessschritt:') ? `Prozessschritt: ${m.slice('prozessschritt:'.length)}` : m);

/** Delegations: effective mode per municipality and service, the history of switches, and (admin) the switch form. */
export async function delegationsPage(s: CasesServices, c: PageContext, notice?: string): Promise<Html> {
  const list = await s.router.listDelegations();
  const history = (await s.store.delegationHistory()).slice(-50).reverse();
  const serviceName = new Map(s.cfg.services.map((sv) => [sv.id, sv.name] as const));
  const modes = ['none', 'e2e', 'backoffice', ...new Set(s.cfg.municipalities.flatMap((m) => Object.values(m.delegations)).filter((m) => m.startsWith('prozessschritt:')))];
  const rows = list.flatMap((m) =>
    m.delegations.map((d) => [
      html`${m.name}<br><small>${m.ags}</small>`,
      serviceName.get(d.service) ?? d.service,
      modeLabel(d.mode),
      d.source === 'runtime' ? 'umgeschaltet im Betrieb' : 'Konfiguration',
      ...(c.isAdmin
        ? [html`<form method="post" action="/ui/delegations" class="inline">${csrfField(c)}<input type="hidden" name="ags" value="${m.ags}"><input type="hidden" name="service" value="${d.service}">
<label for="m-${m.ags}-${d.service}">Neue Art<span class="sr"> (${m.name}, ${serviceName.get(d.service) ?? d.service})</span></label><select id="m-${m.ags}-${d.service}" name="mode">${modes.map((x) => html`<option value="${x}"${x === d.mode ? html` selected` : null}>${modeLabel(x)}</option>`)}</select>
<label for="r-${m.ags}-${d.service}">Grund<span class="sr"> (${m.name}, ${serviceName.get(d.service) ?? d.service})</span></label><input id="r-${m.ags}-${d.service}" name="reason" required minlength="5" maxlength="500">
<input type="checkbox" id="c-${m.ags}-${d.service}" name="confirm" value="ja" required><label for="c-${m.ags}-${d.service}">bestätigt<span class="sr"> (${m.name}, ${serviceName.get(d.service) ?? d.service})</span></label>
<button type="submit">Umschalten<span class="sr"> (${m.name}, ${serviceName.get(d.service) ?? d.service})</span></button></form>`]
        : []),
    ]),
  );
  const head = ['Gemeinde', 'Dienst', 'Delegation an die ZSA', 'Quelle', ...(c.isAdmin ? ['Umschalten (Administration)'] : [])];
  return page(c, 'Delegationen', html`${notice ? html`<p class="notice" role="status">${notice}</p>` : null}
${table('Welche Gemeinde welchen Dienst wie an die ZSA delegiert hat', head, rows)}
${c.isAdmin ? null : html`<p class="hint">Umschalten darf nur die Administration.</p>`}
<section aria-labelledby="h-dh"><h2 id="h-dh">Letzte Umschaltungen</h2>${table('Umschaltungen, neueste zuerst', ['Zeit', 'Gemeinde', 'Dienst', 'vorher', 'nachher', 'durch', 'Grund'], history.map((h) => [time(h.at), h.ags, serviceName.get(h.service) ?? h.service, h.previous === null ? '–' : modeLabel(h.previous), modeLabel(h.mode), h.actor, h.reason]), 'Noch nie umgeschaltet.')}</section>`);
}
