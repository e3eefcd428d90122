import type { Request, Response } from 'express';
import { principalOf, type Principal } from '../auth/principal.js';
import { html, type Html, type HtmlValue } from './html.js';
import { csrfToken } from './session.js';

/** What every page needs to know about the request it answers. */
export interface PageContext {
  principal: Principal | undefined;
  csrf: string;
  /** The path below /ui, for the current navigation entry. */
  path: string;
  isAdmin: boolean;
}

export function pageContext(req: Request, res: Response): PageContext {
  const principal = principalOf(res);
  return { principal, csrf: csrfToken(req, res), path: req.path, isAdmin: principal?.role === 'admin' && !principal.readOnly };
}

const NAV: ReadonlyArray<[string, string]> = [
  ['/overview', 'Übersicht'],
  ['/flow', 'Flussbild'],
  ['/messages', 'Nachrichten'],
  ['/dead-letters', 'Unzustellbare Nachrichten'],
  ['/delegations', 'Delegationen'],
  ['/figures', 'Kennzahlen'],
];

const ROLE_LABEL: Record<string, string> = { operator: 'Betrieb', admin: 'Administration' };

/** The hidden CSRF field every POST form carries (gateway/ui/session.ts). */
export const csrfField = (c: PageContext) => html`<input type="hidden" name="_csrf" value="${c.csrf}">`;

/** One whole page: skip link, header with navigation and who is signed in, the main content. */
export function page(c: PageContext, title: string, body: Html): Html {
  const who = c.principal ? (c.principal.participant ? `${c.principal.participant.name} (${ROLE_LABEL[c.principal.role] ?? c.principal.role})` : 'Lokale Administration (auth.mode: off)') : null;
  return html`<!doctype html>
<html lang="de">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} – ZSA-Gateway Betrieb</title>
<link rel="stylesheet" href="/ui/assets/ui.css">
<script src="/ui/assets/ui.js" defer></script>
</head>
<body>
<a class="skip" href="#inhalt">Zum Inhalt springen</a>
<header class="top">
  <p class="brand">ZSA-Gateway <span>Betrieb</span></p>
  ${who === null ? null : html`<nav aria-label="Hauptnavigation"><ul>${NAV.map(([href, label]) => html`<li><a href="/ui${href}"${c.path.startsWith(href) ? html` aria-current="page"` : null}>${label}</a></li>`)}</ul></nav>
  <div class="who"><span>${who}</span>${c.principal?.via === 'token' ? html`<form method="post" action="/ui/logout">${csrfField(c)}<button type="submit">Abmelden</button></form>` : null}</div>`}
</header>
<main id="inhalt" tabindex="-1">
<h1>${title}</h1>
${body}
</main>
</body>
</html>`;
}

/** `2026-11-30T12:00:00.000Z` → `30.11.2026, 13:00:00` (Europe/Berlin); '–' for none. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '–';
  return new Date(iso).toLocaleString('de-DE', { timeZone: 'Europe/Berlin' });
}

/** A `<time>` element with the machine-readable value and the German display. */
export const time = (iso: string | null | undefined): Html => (iso ? html`<time datetime="${iso}">${when(iso)}</time>` : html`–`);

/** Milliseconds as a short German duration (`850 ms`, `12,4 s`, `3,2 min`). */
export function duration(ms: number | null): string {
  if (ms === null) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toLocaleString('de-DE', { maximumFractionDigits: 1 })} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toLocaleString('de-DE', { maximumFractionDigits: 1 })} min`;
  return `${(ms / 3_600_000).toLocaleString('de-DE', { maximumFractionDigits: 1 })} h`;
}

export const STATE_LABEL: Record<string, string> = {
  received: 'empfangen',
  validated: 'geprüft',
  routed: 'geroutet',
  mapped: 'umgesetzt',
  queued: 'in Zustellung',
  retrying: 'erneuter Versuch',
  in_mailbox: 'im Postfach',
  delivered: 'zugestellt',
  acknowledged: 'quittiert',
  dead: 'unzustellbar',
};

/** A message state as a labelled badge (colour plus text, never colour alone). */
export const stateBadge = (state: string): Html => html`<span class="badge s-${state}">${STATE_LABEL[state] ?? state}</span>`;

/** A table with a caption; `head` are column titles, rows already rendered cells. */
export function table(caption: string, head: readonly string[], rows: readonly HtmlValue[][], empty = 'Keine Einträge.'): Html {
  if (rows.length === 0) return html`<p class="empty">${caption}: ${empty}</p>`;
  return html`<div class="scroll"><table><caption>${caption}</caption><thead><tr>${head.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead><tbody>${rows.map((r) => html`<tr>${r.map((cell) => html`<td>${cell}</td>`)}</tr>`)}</tbody></table></div>`;
}
