import express, { Router as ExpressRouter, type Response } from 'express';
import type { Logger } from 'pino';
import type { AuthConfig, ParticipantConfig } from '../config/schema.js';
import { GatewayError, toProblem } from '../errors.js';
import { AttemptLimiter, type AttemptVerdict, type LimitRule } from './attempt-limiter.js';
import { DUMMY_HASH, verifySecret } from './secrets.js';
import type { TokenService } from './tokens.js';
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

/**
 * `POST /token`: OAuth2 client credentials grant (RFC 6749 §4.4), as FIT-Connect's own
 * token endpoint does. Answers `{access_token, token_type: "Bearer", expires_in, scope}`;
 * failures are OAuth2 error JSON: invalid_client 401, invalid_request /
 * unsupported_grant_type / invalid_scope 400. Served in every auth mode (in mode `off` the
 * API simply ignores tokens).
 *
 * Abuse limits (ADR 0016): before the secret is checked, `limiter` is asked about the
 * client id and the caller's address; a locked one is answered 429 GW_TOO_MANY_REQUESTS
 * with Retry-After (also for the right secret). The scrypt check runs for unknown client
 * ids too (against a dummy hash), so a refusal takes as long as for a known client. One
 * warn line per lockout, naming the key (client id or address), never the secret.
 */
export function tokenEndpoint(
  participants: readonly ParticipantConfig[],
  tokens: TokenService,
  log: Pick<Logger, 'info' | 'warn'>,
  limits: AuthConfig['tokenRateLimit'],
  limiter: AttemptLimiter = tokenLimiter(limits),
): ExpressRouter {
  const byClientId = new Map(participants.flatMap((p) => (p.oauth ? [[p.oauth.clientId, p] as const] : [])));
  const perClient: LimitRule = { maxFailures: limits.failuresPerClient };
  const perAddress: LimitRule = { maxFailures: limits.failuresPerAddress };
  const r = ExpressRouter({ caseSensitive: true, strict: true });
  r.post('/token', express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 20 }), async (req, res) => {
    if (!req.is('application/x-www-form-urlencoded')) return oauthError(res, 400, 'invalid_request', 'the token request must be application/x-www-form-urlencoded');
    const body = (req.body ?? {}) as Record<string, unknown>;
    const creds = clientCredentials(req.headers.authorization, body);
    if ('error' in creds) return oauthError(res, 400, 'invalid_request', creds.error);
    const clientKey = `client:${creds.id.slice(0, 128)}`;
    const addressKey = addressKeyOf(req.socket.remoteAddress);
    const verdict = limiter.begin([[clientKey, perClient], [addressKey, perAddress]]);
    if (!verdict.ok) return lockedOut(res, req.originalUrl, verdict);
    const p = byClientId.get(creds.id);
    // Hash even for unknown ids, so the answer time does not tell which client ids exist.
    const good = await verifySecret(creds.secret, p?.oauth?.clientSecretHash ?? DUMMY_HASH);
    if (!p?.oauth || !good) {
      for (const l of verdict.attempt.failed()) log.warn({ key: l.key, lockedForSeconds: Math.ceil(l.lockedForMs / 1000) }, 'token endpoint lockout after repeated failed attempts');
      log.warn({ clientId: creds.id.slice(0, 128), remote: req.socket.remoteAddress }, 'token request refused: invalid_client');
      return oauthError(res, 401, 'invalid_client', 'unknown client or wrong secret');
    }
    verdict.attempt.succeeded([clientKey]);
    const grant = body['grant_type'];
    if (typeof grant !== 'string') return oauthError(res, 400, 'invalid_request', 'grant_type is required');
    if (grant !== 'client_credentials') return oauthError(res, 400, 'unsupported_grant_type', 'only grant_type=client_credentials is supported');
    const registered = p.oauth.scopes ?? [p.kind];
    const asked = typeof body['scope'] === 'string' ? body['scope'].split(' ').filter(Boolean) : registered;
    const unknown = asked.filter((s) => !registered.includes(s));
    if (asked.length === 0 || unknown.length > 0) return oauthError(res, 400, 'invalid_scope', `this client may request: ${registered.join(' ')}${unknown.length ? `; not: ${unknown.join(' ')}` : ''}`);
    const issued = await tokens.issue(p, p.oauth.clientId, [...new Set(asked)]);
    log.info({ participant: p.id, scope: issued.scope, expiresIn: issued.expires_in }, 'access token issued');
    const answer: Schemas['TokenAnswer'] = issued;
    res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' }).json(answer);
  });
  return r;
}
