import type { RequestHandler, Router } from 'express';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/schema.js';
import { GatewayError } from '../errors.js';
import { BreakGlassGrants, type GrantStore } from './break-glass.js';
import { SqliteGrantStore } from './grant-store.js';
import type { RevocationCheck } from './crl.js';
import { buildAuthenticate } from './principal.js';
import { exchangeClientCredentials, tokenEndpoint, type ClientCredentialsExchange } from './token-endpoint.js';
import { TokenKey } from './token-key.js';
import { TokenService } from './tokens.js';

/** Everything the HTTP app needs for authentication and authorization, built once per gateway. */
export interface AuthRuntime {
  mode: 'off' | 'required';
  /** Runs before every /api/v1 handler and leaves the Principal in res.locals. */
  authenticate: RequestHandler;
  /** `POST /token` (mounted at the root, outside /api/v1). */
  tokenRouter: Router;
  tokens: TokenService;
  /** The client credentials check of `POST /token`, also used by the monitoring UI's sign-in (one limiter for both). */
  exchange: ClientCredentialsExchange;
  grants: BreakGlassGrants;
}

export interface CreateAuthOptions {
  log: Logger;
  /** server.tls.clientAuth is `required`. */
  mtls?: boolean;
  crl?: RevocationCheck;
  /** Where break-glass grants are kept (gateway/server.ts opens it for the state backend). Default: `<dataDir>/break-glass.db`. */
  grants?: GrantStore;
}

/**
 * Called by gateway/compose/http.ts (and by createApp when given nothing). Throws
 * GW_CONFIG_INVALID when two participants share an OAuth client id. The token key is
 * only read (or, without `auth.tokenKeyFile`, generated) on the first token request.
 */
export function createAuth(cfg: GatewayConfig, o: CreateAuthOptions): AuthRuntime {
  const seen = new Map<string, string>();
  const issues = [];
  for (const p of cfg.participants) {
    if (!p.oauth) continue;
    const other = seen.get(p.oauth.clientId);
    if (other) issues.push({ path: `participants.${p.id}.oauth.clientId`, message: `client id ${p.oauth.clientId} is also used by ${other}` });
    seen.set(p.oauth.clientId, p.id);
  }
  if (issues.length > 0) throw new GatewayError('GW_CONFIG_INVALID', issues.map((i) => i.message).join('; '), { issues });
  const log = o.log.child({ component: 'auth' });
  const keyFile = cfg.auth.tokenKeyFile ?? join(resolve(cfg.store.dataDir), 'keys', 'gateway-token.private.jwk.json');
  const key = new TokenKey(keyFile, cfg.auth.tokenKeyFile === undefined, (file) => log.warn({ file }, 'generated a DEVELOPMENT token signing key; configure auth.tokenKeyFile in production'));
  const tokens = new TokenService(cfg.auth, key, cfg.participants);
  const authenticate = buildAuthenticate({ mode: cfg.auth.mode, participants: cfg.participants, tokens, log, mtls: o.mtls ?? false, ...(o.crl ? { crl: o.crl } : {}) });
  const exchange = exchangeClientCredentials(cfg.participants, tokens, log, cfg.auth.tokenRateLimit);
  return { mode: cfg.auth.mode, authenticate, tokenRouter: tokenEndpoint(exchange), tokens, exchange, grants: new BreakGlassGrants(o.grants ?? new SqliteGrantStore(resolve(cfg.store.dataDir))) };
}
