import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AuthRuntime } from '../auth/index.js';
import { forbidden } from '../auth/policy.js';
import { principalOf, type Principal } from '../auth/principal.js';
import { GatewayError } from '../errors.js';

/**
 * Sign-in and CSRF protection of the monitoring UI (ADR 0030, docs/security.md):
 * - `zsa_ui_session`: the access token the sign-in form obtained with the operator's or
 *   admin's client id and secret (the same check and limiter as `POST /token`); HttpOnly,
 *   SameSite=Strict, Secure over TLS, Path=/ui, expires with the token. Only in
 *   `auth.mode: required`; in mode `off` every UI caller is the local admin, as on the API.
 * - `zsa_ui_nonce`: a random value (HttpOnly, SameSite=Strict) set on the first page; every
 *   form carries `_csrf` = SHA-256 of it, and every POST must present it (a page of another
 *   site can neither read the cookie nor compute the field). POSTs announced by the browser
 *   as cross-site (`Sec-Fetch-Site`) are refused as well.
 */
export const SESSION_COOKIE = 'zsa_ui_session';
export const NONCE_COOKIE = 'zsa_ui_nonce';

/** Cookies of a request (RFC 6265 `name=value; …`), last value of a name wins; values not URL-decoded (ours are base64url). */
export function cookiesOf(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

function cookie(req: Request, name: string, value: string, maxAgeSeconds: number): string {
  return `${name}=${value}; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${req.secure ? '; Secure' : ''}`;
}

export function setSessionCookie(req: Request, res: Response, token: string, expiresIn: number): void {
  res.append('Set-Cookie', cookie(req, SESSION_COOKIE, token, expiresIn));
}

export function clearSessionCookie(req: Request, res: Response): void {
  res.append('Set-Cookie', cookie(req, SESSION_COOKIE, '', 0));
}

const csrfOf = (nonce: string) => createHash('sha256').update(`zsa-ui-csrf\0${nonce}`).digest('base64url');

/** The CSRF field value for this browser; sets the nonce cookie when it has none (or a malformed one). Called by every page that renders a form. */
export function csrfToken(req: Request, res: Response): string {
  const cached = res.locals['csrf'];
  if (typeof cached === 'string') return cached;
  let nonce = cookiesOf(req)[NONCE_COOKIE];
  if (nonce === undefined || !/^[A-Za-z0-9_-]{43}$/.test(nonce)) {
    nonce = randomBytes(32).toString('base64url');
    res.append('Set-Cookie', cookie(req, NONCE_COOKIE, nonce, 12 * 3600));
  }
  return (res.locals['csrf'] = csrfOf(nonce));
}

/**
 * Runs before the handler of every state-changing UI form (after its body was parsed):
 * refuses with 403 GW_FORBIDDEN (rule ui.csrf) a POST without the nonce cookie, with a
 * `_csrf` field that does not match it, or announced cross-site by the browser.
 */
export const csrfCheck: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
  const refuse = (detail: string) => {
    const p: Principal = principalOf(res) ?? { role: 'admin', participant: null, via: 'local', readOnly: false, label: `anonymous@${req.ip ?? 'unknown'}` };
    next(forbidden(p, 'ui.csrf', detail));
  };
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') return refuse(`a form sent from another site (${site.slice(0, 20)}) is refused`);
  const nonce = cookiesOf(req)[NONCE_COOKIE];
  const sent = (req.body as Record<string, unknown> | undefined)?.['_csrf'];
  if (nonce === undefined || typeof sent !== 'string') return refuse('the form carries no CSRF token; reload the page and send it again');
  const want = Buffer.from(csrfOf(nonce));
  const got = Buffer.from(sent);
  if (got.length !== want.length || !timingSafeEqual(got, want)) return refuse('the form\'s CSRF token does not match; reload the page and send it again');
  next();
};

/**
 * Leaves the Principal of a UI request in res.locals (the route guards read it as on the
 * API). Mode `off`: the API's own authentication, i.e. the local admin — after the client
 * certificate check when mTLS is configured, exactly as on /api/v1. Mode `required`: the
 * participant of a valid session token whose scope names its role; only operators and
 * admins have a UI session. Without one no Principal is set and the guard answers 401,
 * which the UI turns into the sign-in page.
 */
export function uiAuthenticate(auth: Pick<AuthRuntime, 'mode' | 'tokens' | 'authenticate'>): RequestHandler {
  if (auth.mode === 'off') return auth.authenticate;
  return (req, res, next) => {
    const token = cookiesOf(req)[SESSION_COOKIE];
    if (token === undefined || !/^[A-Za-z0-9._-]{20,4096}$/.test(token)) return next();
    auth.tokens.verify(token).then((v) => {
      if (!v.ok) return next();
      const role = v.participant.kind;
      if (role !== 'operator' && role !== 'admin') return next();
      if (!v.scopes.includes(role) && !v.scopes.includes(`${role}:read`)) return next();
      res.locals['principal'] = { role, participant: v.participant, via: 'token', readOnly: !v.scopes.includes(role), label: `participant:${v.participant.id}` } satisfies Principal;
      next();
    }, next);
  };
}

/** A GatewayError for a sign-in refusal (shown on the sign-in page, never naming which part was wrong). */
export function signInRefused(detail: string): GatewayError {
  return new GatewayError('GW_UNAUTHENTICATED', detail);
}
