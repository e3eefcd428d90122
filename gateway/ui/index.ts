import express, { Router as ExpressRouter, type NextFunction, type Request, type Response } from 'express';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuthRuntime } from '../auth/index.js';
import { ADMIN_ONLY, OVERSIGHT, type AuthorizeDeps } from '../auth/policy.js';
import { auditTrail } from '../api/audit.js';
import { actor } from '../api/messages.js';
import { apiRouter, route, type ApiRoute } from '../api/route.js';
import type { ServicesWith } from '../api/services.js';
import type { ReplayStore } from '../store/contracts.js';
import { GatewayError, toProblem } from '../errors.js';
import { normaliseError } from '../api/problem.js';
import { PACKAGE_ROOT } from '../paths.js';
import { html, type Html } from './html.js';
import { page, pageContext } from './layout.js';
import { deadLettersPage, delegationsPage, vorgangPage, type CasesServices } from './pages/cases.js';
import { flowPage, type FlowServices } from './pages/flow.js';
import { browserPage, messagePage, payloadPage, type MessagePagesServices } from './pages/messages.js';
import { overviewLive, overviewPage, type OverviewServices, type OverviewSources } from './pages/overview.js';
import { figuresPage, monthOf, type FiguresPageServices } from './pages/reports.js';
import { computeFigures } from '../reports/figures.js';
import { figuresCsv } from '../reports/figures-csv.js';
import { proofApi, sendCsv, type ReportsServices } from '../reports/api.js';
import { monthPeriod } from '../reports/period.js';
import { computeUsage, usageCsv } from '../reports/usage.js';
import type { SigningKey } from '../crypto/signing-key.js';
import { clearSessionCookie, csrfCheck, csrfToken, setSessionCookie, uiAuthenticate } from './session.js';

export type { OverviewSources } from './pages/overview.js';

/** The store contracts of the UI (ADR 0044): those of its pages, the proof downloads, replay and the route guards. */
export type UiServices = ServicesWith<
  CasesServices['store'] & FlowServices['store'] & MessagePagesServices['store'] & OverviewServices['store'] & FiguresPageServices['store'] & ReportsServices['store'] & ReplayStore & AuthorizeDeps['store']
>;

/** The UI's static files: read once at start, served by the gateway itself (no CDN, ADR 0030). */
const ASSETS: Record<string, { type: string; body: Buffer }> = Object.fromEntries(
  [['ui.css', 'text/css; charset=utf-8'], ['ui.js', 'text/javascript; charset=utf-8']].map(([name, type]) => [name, { type: type!, body: readFileSync(join(PACKAGE_ROOT, 'gateway/ui/assets', name!)) }]),
);

/** Headers of every UI answer: nothing from elsewhere, no framing, no caching of pages with case metadata. */
function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.set({
    'Content-Security-Policy': "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
  });
  next();
}

const send = (res: Response, body: Html, status = 200) => void res.status(status).set('Cache-Control', 'no-store').type('html').send(body.text);
const form = express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 600 });
const field = (req: Request, name: string): string => {
  const v = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v.trim() : '';
};
const param = (req: Request, name: string): string => String(req.params[name]);

/**
 * The monitoring UI's routes below /ui, declared like the API's (gateway/api/route.ts, ADR
 * 0014): each with its policy, whose guard runs first. Only operators and admins reach
 * any of them; changes are admin-only, carry a CSRF token and reuse the API's logic
 * (store.replay, router.setDelegation) and its audit trail.
 */
export function uiRoutes(s: UiServices, sources: OverviewSources, signing?: UiSigning): ApiRoute[] {
  const oversight = { roles: OVERSIGHT, check: 'none' } as const;
  const adminOnly = { roles: ADMIN_ONLY, check: 'none' } as const;
  return [
    ...(signing ? proofRoutes(s, signing) : []),
    route('GET', '/figures', oversight, async (req, res) => send(res, await figuresPage(s, pageContext(req, res), monthOf(req.query['month'])))),
    route('GET', '/figures.csv', oversight, async (req, res) => {
      const month = monthOf(req.query['month']);
      sendCsv(res, `kennzahlen-${month}`, figuresCsv(await computeFigures(s.cfg, s.store, monthPeriod(month))));
    }),
    route('GET', '/usage.csv', oversight, async (req, res) => {
      const month = monthOf(req.query['month']);
      sendCsv(res, `nutzung-${month}`, usageCsv(await computeUsage(s.cfg, s.store, monthPeriod(month))));
    }),
    route('GET', '/overview', oversight, async (req, res) => send(res, await overviewPage(s, pageContext(req, res), sources))),
    route('GET', '/overview/live', oversight, async (_req, res) => send(res, await overviewLive(s, sources))),
    route('GET', '/flow', oversight, async (req, res) => send(res, await flowPage(s, pageContext(req, res)))),
    route('GET', '/messages', oversight, async (req, res) => send(res, await browserPage(s, pageContext(req, res), req))),
    route('GET', '/messages/:id', { roles: OVERSIGHT, check: 'message' }, async (req, res) => send(res, await messagePage(s, pageContext(req, res), param(req, 'id')))),
    route('GET', '/messages/:id/payload', { roles: OVERSIGHT, check: 'payload' }, async (req, res) => send(res, await payloadPage(s, pageContext(req, res), param(req, 'id')))),
    route('GET', '/vorgaenge/:id', { roles: OVERSIGHT, check: 'vorgang' }, async (req, res) => send(res, await vorgangPage(s, pageContext(req, res), param(req, 'id')))),
    route('GET', '/dead-letters', oversight, async (req, res) => {
      const before = typeof req.query['before'] === 'string' && /^\d{1,15}$/.test(req.query['before']) ? Number(req.query['before']) : undefined;
      const done = typeof req.query['replayed'] === 'string' && /^\d{1,4}$/.test(req.query['replayed']) ? `${req.query['replayed']} Nachricht(en) erneut zur Zustellung eingereiht.` : undefined;
      send(res, await deadLettersPage(s, pageContext(req, res), before, done));
    }),
    route('POST', '/dead-letters/replay', adminOnly, form, csrfCheck, async (req, res) => {
      const raw = (req.body as Record<string, unknown>)['ids'];
      const ids = (Array.isArray(raw) ? raw : [raw]).filter((x): x is string => typeof x === 'string' && x.length > 0 && x.length <= 100);
      const reason = field(req, 'reason');
      if (ids.length === 0) throw new GatewayError('GW_BAD_REQUEST', 'select at least one message to replay', { issues: [{ message: 'no message selected', path: '/ids' }] });
      if (field(req, 'confirm') !== 'ja') throw new GatewayError('GW_BAD_REQUEST', 'the replay was not confirmed', { issues: [{ message: 'confirmation missing', path: '/confirm' }] });
      if (reason.length < 5) throw new GatewayError('GW_BAD_REQUEST', 'a reason of at least 5 characters is required', { issues: [{ message: 'reason too short', path: '/reason' }] });
      const who = actor(req);
      const replayed: string[] = [];
      for (const id of ids.slice(0, 500)) {
        // one message that cannot be replayed (no longer dead, payload purged) does not stop the others
        const ok = await s.store.replay(id, who).catch((err: unknown) => (err instanceof GatewayError ? err.code : Promise.reject(err)));
        await s.audit?.append({ actor: who, action: 'ui.message.replay', target: `message:${id}`, outcome: 'allowed', detail: { replayed: ok === true, ...(typeof ok === 'string' ? { refused: ok } : {}), reason: reason.slice(0, 500) } });
        if (ok === true) replayed.push(id);
      }
      s.worker.wake();
      s.log.info({ replayed: replayed.length, asked: ids.length, actor: who }, 'dead letters replayed from the UI');
      res.redirect(303, `/ui/dead-letters?replayed=${replayed.length}`);
    }),
    route('GET', '/delegations', oversight, async (req, res) => {
      const done = req.query['switched'] === '1' ? 'Delegation umgeschaltet; sie gilt ab der nächsten Nachricht.' : undefined;
      send(res, await delegationsPage(s, pageContext(req, res), done));
    }),
    route('POST', '/delegations', adminOnly, form, csrfCheck, async (req, res) => {
      if (field(req, 'confirm') !== 'ja') throw new GatewayError('GW_BAD_REQUEST', 'the switch was not confirmed', { issues: [{ message: 'confirmation missing', path: '/confirm' }] });
      const reason = field(req, 'reason');
      if (reason.length < 5) throw new GatewayError('GW_BAD_REQUEST', 'a reason of at least 5 characters is required', { issues: [{ message: 'reason too short', path: '/reason' }] });
      const change = await s.router.setDelegation(field(req, 'ags'), field(req, 'service'), field(req, 'mode'), actor(req), reason.slice(0, 500));
      s.log.info({ change }, 'delegation switched');
      res.redirect(303, '/ui/delegations?switched=1');
    }),
    route('POST', '/logout', oversight, form, csrfCheck, (req, res) => {
      clearSessionCookie(req, res);
      res.redirect(303, '/ui/login');
    }),
  ];
}

/** The receipt signing key and issuer, as the API's proof routes get them (gateway/api/app.ts). */
export interface UiSigning {
  key: SigningKey;
  issuer: () => string;
}

/**
 * "Zustellnachweis" downloads of the message and Vorgang pages: the API's proof routes
 * (gateway/reports/api.ts, ADR 0031) with the same handlers and ownership checks, below
 * /ui with the UI session and their policy narrowed to operator and admin. The printable
 * HTML carries its own inline style sheet, allowed for that one answer (it has no scripts).
 */
function proofRoutes(s: UiServices, signing: UiSigning): ApiRoute[] {
  const printable = (req: Request, res: Response, next: NextFunction) => {
    if (req.query['format'] === 'html') res.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'");
    res.set('Cache-Control', 'no-store');
    next();
  };
  return proofApi(s, signing.key, signing.issuer).map((r) => route(r.method, r.path, { ...r.policy, roles: OVERSIGHT }, printable, ...r.handlers));
}

const STATUS_TITLE: Record<number, string> = { 400: 'Ungültige Anfrage', 401: 'Anmeldung nötig', 403: 'Kein Zugriff', 404: 'Nicht gefunden', 405: 'Methode nicht erlaubt', 409: 'Konflikt', 429: 'Zu viele Versuche' };

function loginPage(req: Request, res: Response, message?: string): Html {
  const next = typeof req.query['next'] === 'string' && /^\/ui\/[A-Za-z0-9/_.?=&%-]*$/.test(req.query['next']) ? req.query['next'] : '/ui/overview';
  const c = { principal: undefined, csrf: csrfToken(req, res), path: '/login', isAdmin: false };
  return page(c, 'Anmelden', html`${message ? html`<p class="error" role="alert">${message}</p>` : null}
<form method="post" action="/ui/login" class="login">
<input type="hidden" name="_csrf" value="${c.csrf}"><input type="hidden" name="next" value="${next}">
<p><label for="client_id">Client-ID</label><input id="client_id" name="client_id" required autocomplete="username" maxlength="128"></p>
<p><label for="client_secret">Client-Secret</label><input id="client_secret" name="client_secret" type="password" required autocomplete="current-password" maxlength="512"></p>
<p><button type="submit">Anmelden</button></p>
</form>
<p class="hint">Anmeldung mit den OAuth2-Zugangsdaten eines Teilnehmers der Rolle Betrieb (operator) oder Administration (admin).</p>`);
}

/**
 * Mounts the UI at /ui on `app`, called once by createApp. Public on purpose: `GET /ui`
 * (redirect), the sign-in form and the two static files; everything else goes through
 * `uiRoutes` with its guards. Errors become German HTML pages (401 on a page: the sign-in).
 */
export function mountUi(app: express.Express, s: UiServices, auth: AuthRuntime, sources: OverviewSources = {}, signing?: UiSigning): void {
  const r = ExpressRouter({ caseSensitive: true, strict: true });
  r.use(securityHeaders);
  r.get('/assets/:file', (req, res, next) => {
    const a = ASSETS[param(req, 'file')];
    if (!a) return next(new GatewayError('GW_NOT_FOUND', 'no such asset'));
    res.set('Cache-Control', 'no-cache').type(a.type).send(a.body);
  });
  r.get('/login', (req, res) => (auth.mode === 'off' ? res.redirect(303, '/ui/overview') : send(res, loginPage(req, res))));
  r.post('/login', form, csrfCheck, async (req, res) => {
    if (auth.mode === 'off') return res.redirect(303, '/ui/overview');
    const out = await auth.exchange({ id: field(req, 'client_id'), secret: String((req.body as Record<string, unknown>)['client_secret'] ?? ''), grantType: 'client_credentials', scope: undefined, remote: req.socket.remoteAddress });
    if (!out.ok) {
      const msg = out.error === 'locked' ? 'Zu viele fehlgeschlagene Versuche; bitte später erneut versuchen.' : 'Anmeldung fehlgeschlagen: Client-ID oder Secret falsch, oder keine Berechtigung für die Betriebsoberfläche.';
      return send(res, loginPage(req, res, msg), out.error === 'locked' ? 429 : 401);
    }
    if (out.participant.kind !== 'operator' && out.participant.kind !== 'admin') {
      s.log.warn({ participant: out.participant.id }, 'UI sign-in refused: not an operator or admin');
      return send(res, loginPage(req, res, 'Anmeldung fehlgeschlagen: Client-ID oder Secret falsch, oder keine Berechtigung für die Betriebsoberfläche.'), 403);
    }
    setSessionCookie(req, res, out.issued.access_token, out.issued.expires_in);
    const next = field(req, 'next');
    res.redirect(303, /^\/ui\/[A-Za-z0-9/_.?=&%-]*$/.test(next) && !next.startsWith('/ui//') ? next : '/ui/overview');
  });
  r.use(uiAuthenticate(auth), apiRouter(uiRoutes(s, sources, signing), { cfg: s.cfg, store: s.store, grants: auth.grants, log: s.log }));
  r.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const problem = toProblem(normaliseError(err), req.originalUrl);
    if (problem.status >= 500) s.log.error({ err: err instanceof Error ? err.message : String(err), path: req.path }, 'UI error');
    if (res.headersSent) return void res.destroy();
    if (problem.status === 401 && req.method === 'GET') return res.redirect(303, `/ui/login?next=${encodeURIComponent(req.originalUrl)}`);
    const c = pageContext(req, res);
    const title = STATUS_TITLE[problem.status] ?? 'Fehler';
    const detail = problem.status === 403 && problem.code === 'GW_FORBIDDEN' && String(problem.detail).includes('break-glass') ? 'Nutzdaten sind für Betrieb und Administration nur mit einer gültigen Break-Glass-Freigabe lesbar.' : null;
    send(res, page(c, title, html`<p class="error" role="alert">${detail ?? title}.</p><p><small>${problem.code}: ${problem.detail}</small></p><p><a href="/ui/overview">Zur Übersicht</a></p>`), problem.status);
  });
  app.get('/ui', (_req, res) => res.redirect(302, '/ui/overview'));
  if (s.audit) app.use('/ui', (req, res, next) => (req.path.startsWith('/assets/') ? next() : auditTrail(s.audit!, s.log)(req, res, next)));
  app.use('/ui', r);
}
