import express, { Router as ExpressRouter, type Response } from 'express';
import type { Logger } from 'pino';
import type { AuthConfig, ParticipantConfig } from '../config/schema.js';
import { GatewayError, toProblem } from '../errors.js';
import { AttemptLimiter, type AttemptVerdict, type LimitRule } from './attempt-limiter.js';
import { DUMMY_HASH, verifySecret } from './secrets.js';
import type { IssuedToken, TokenService } from './tokens.js';
import type { Schemas } from '../api/contract-types.js';

/** OAuth2 error codes of RFC 6749 §5.2 this endpoint answers (the contract's OAuthError). */
type OAuthError = Schemas['OAuthError']['error'];

function oauthError(res: Response, status: number, error: OAuthError, description: string): void {
  if (error === 'invalid_client') res.setHeader('WWW-Authenticate', 'Basic realm="zsa-gateway", charset="UTF-8"');
  const body: Schemas['OAuthError'] = { error, error_description: description };
  res.status(status).set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' }).json(body);
}

/**
 * 429 for a locked client id or address: problem+json (GW_TOO_MANY_REQUESTS) that also
 * carries the OAuth2 members, with Retry-After in whole seconds.
 */
function lockedOut(res: Response, instance: string, refused: Extract<AttemptVerdict, { ok: false }>): void {
  const retryAfter = Math.max(1, Math.ceil(refused.retryAfterMs / 1000));
  const description = refused.reason === 'locked' ? `too many failed attempts; try again in ${retryAfter} s` : 'too many attempts in flight; try again shortly';
  const problem = toProblem(new GatewayError('GW_TOO_MANY_REQUESTS', description, { extra: { error: 'temporarily_unavailable', error_description: description, retryAfterSeconds: retryAfter } }), instance);
  res.status(429).set({ 'Retry-After': String(retryAfter), 'Cache-Control': 'no-store', Pragma: 'no-cache' }).type('application/problem+json').send(JSON.stringify(problem));
}

/**
 * The address key of a caller: IPv4 as is (also when IPv4-mapped), IPv6 by its /64 prefix —
 * one IPv6 host usually holds a whole /64, so counting single addresses would not limit it.
 */
export function addressKeyOf(remote: string | undefined): string {
  if (remote === undefined || remote === '') return 'address:unknown';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(remote);
  if (mapped) return `address:${mapped[1]}`;
  if (!remote.includes(':')) return `address:${remote}`;
  const [head = '', tail] = remote.toLowerCase().split('%')[0]!.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `address:${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/** The limiter of `POST /token` from `auth.tokenRateLimit`. */
export function tokenLimiter(o: AuthConfig['tokenRateLimit'], now?: () => number): AttemptLimiter {
  return new AttemptLimiter({
    windowMs: o.windowSeconds * 1000,
    lockoutMs: o.lockoutSeconds * 1000,
    maxLockoutMs: o.maxLockoutSeconds * 1000,
    forgetAfterMs: o.forgetAfterSeconds * 1000,
    maxKeys: o.maxTrackedKeys,
    ...(now ? { now } : {}),
  });
}

/** Client id and secret from HTTP Basic (RFC 6749 §2.3.1: each form-urlencoded) or the form body; both at once is invalid_request. */
function clientCredentials(authz: string | undefined, body: Record<string, unknown>): { id: string; secret: string } | { error: string } {
  const inBody = typeof body['client_id'] === 'string' || typeof body['client_secret'] === 'string';
  if (authz !== undefined) {
    const m = /^Basic ([A-Za-z0-9+/]+=*)$/i.exec(authz.trim());
    if (!m) return { error: 'Authorization must be HTTP Basic on the token endpoint' };
    if (inBody) return { error: 'send the client credentials once: HTTP Basic or the form body, not both' };
    const raw = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = raw.indexOf(':');
    if (colon < 0) return { error: 'HTTP Basic credentials must be client_id:client_secret' };
    try {
      return { id: decodeURIComponent(raw.slice(0, colon).replace(/\+/g, ' ')), secret: decodeURIComponent(raw.slice(colon + 1).replace(/\+/g, ' ')) };
    } catch {
      return { error: 'HTTP Basic credentials are not form-urlencoded' };
    }
  }
  if (typeof body['client_id'] !== 'string' || typeof body['client_secret'] !== 'string') return { error: 'client_id and client_secret are required (form body or HTTP Basic)' };
  return { id: body['client_id'], secret: body['client_secret'] };
}

/** What a client-credentials exchange came to (`exchangeClientCredentials`). */
export type ExchangeOutcome =
  | { ok: true; participant: ParticipantConfig; issued: IssuedToken }
  | { ok: false; error: 'locked'; refused: Extract<AttemptVerdict, { ok: false }> }
  | { ok: false; error: 'invalid_client' | 'unsupported_grant_type' | 'invalid_scope'; description: string };

/** One client-credentials exchange: client id, secret, grant type and requested scope (space separated; absent = the registered scopes). */
export interface ExchangeRequest {
  id: string;
  secret: string;
  grantType: unknown;
  scope: unknown;
  remote: string | undefined;
}

export type ClientCredentialsExchange = (r: ExchangeRequest) => Promise<ExchangeOutcome>;

/**
 * The client credentials check shared by `POST /token` and the monitoring UI's sign-in
 * (ADR 0030), with one limiter for both. Abuse limits (ADR 0016): before the secret is
 * checked, `limiter` is asked about the client id and the caller's address; a locked one
 * is refused (also for the right secret). The scrypt check runs for unknown client ids
 * too (against a dummy hash), so a refusal takes as long as for a known client. One warn
 * line per lockout, naming the key (client id or address), never the secret.
 */
export function exchangeClientCredentials(
  participants: readonly ParticipantConfig[],
  tokens: TokenService,
  log: Pick<Logger, 'info' | 'warn'>,
  limits: AuthConfig['tokenRateLimit'],
  limiter: AttemptLimiter = tokenLimiter(limits),
): ClientCredentialsExchange {
  const byClientId = new Map(participants.flatMap((p) => (p.oauth ? [[p.oauth.clientId, p] as const] : [])));
  const perClient: LimitRule = { maxFailures: limits.failuresPerClient };
  const perAddress: LimitRule = { maxFailures: limits.failuresPerAddress };
  return async (r) => {
    const clientKey = `client:${r.id.slice(0, 128)}`;
    const addressKey = addressKeyOf(r.remote);
    const verdict = limiter.begin([[clientKey, perClient], [addressKey, perAddress]]);
    if (!verdict.ok) return { ok: false, error: 'locked', refused: verdict };
    const p = byClientId.get(r.id);
    // Hash even for unknown ids, so the answer time does not tell which client ids exist.
    const good = await verifySecret(r.secret, p?.oauth?.clientSecretHash ?? DUMMY_HASH);
    if (!p?.oauth || !good) {
      for (const l of verdict.attempt.failed()) log.warn({ key: l.key, lockedForSeconds: Math.ceil(l.lockedForMs / 1000) }, 'token endpoint lockout after repeated failed attempts');
      log.warn({ clientId: r.id.slice(0, 128), remote: r.remote }, 'token request refused: invalid_client');
      return { ok: false, error: 'invalid_client', description: 'unknown client or wrong secret' };
    }
    verdict.attempt.succeeded([clientKey]);
    if (r.grantType !== 'client_credentials') return { ok: false, error: 'unsupported_grant_type', description: typeof r.grantType === 'string' ? 'only grant_type=client_credentials is supported' : 'grant_type is required' };
    const registered = p.oauth.scopes ?? [p.kind];
    const asked = typeof r.scope === 'string' ? r.scope.split(' ').filter(Boolean) : registered;
    const unknown = asked.filter((s) => !registered.includes(s));
    if (asked.length === 0 || unknown.length > 0) return { ok: false, error: 'invalid_scope', description: `this client may request: ${registered.join(' ')}${unknown.length ? `; not: ${unknown.join(' ')}` : ''}` };
    const issued = await tokens.issue(p, p.oauth.clientId, [...new Set(asked)]);
    log.info({ participant: p.id, scope: issued.scope, expiresIn: issued.expires_in }, 'access token issued');
    return { ok: true, participant: p, issued };
  };
}

/**
 * `POST /token`: OAuth2 client credentials grant (RFC 6749 §4.4), as FIT-Connect's own
 * token endpoint does. Answers `{access_token, token_type: "Bearer", expires_in, scope}`;
 * failures are OAuth2 error JSON: invalid_client 401, invalid_request /
 * unsupported_grant_type / invalid_scope 400; a locked client id or address 429
 * GW_TOO_MANY_REQUESTS with Retry-After (`exchangeClientCredentials`). Served in every
 * auth mode (in mode `off` the API simply ignores tokens).
 */
export function tokenEndpoint(exchange: ClientCredentialsExchange): ExpressRouter {
  const r = ExpressRouter({ caseSensitive: true, strict: true });
  r.post('/token', express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 20 }), async (req, res) => {
    if (!req.is('application/x-www-form-urlencoded')) return oauthError(res, 400, 'invalid_request', 'the token request must be application/x-www-form-urlencoded');
    const body = (req.body ?? {}) as Record<string, unknown>;
    const creds = clientCredentials(req.headers.authorization, body);
    if ('error' in creds) return oauthError(res, 400, 'invalid_request', creds.error);
    const out = await exchange({ ...creds, grantType: body['grant_type'], scope: body['scope'], remote: req.socket.remoteAddress });
    if (out.ok) {
      const answer: Schemas['TokenAnswer'] = out.issued;
      return void res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' }).json(answer);
    }
    if (out.error === 'locked') return lockedOut(res, req.originalUrl, out.refused);
    if (out.error === 'invalid_client') return oauthError(res, 401, 'invalid_client', out.description);
    if (out.error === 'unsupported_grant_type' && out.description.startsWith('grant_type is required')) return oauthError(res, 400, 'invalid_request', out.description);
    return oauthError(res, 400, out.error, out.description);
  });
  return r;
}
