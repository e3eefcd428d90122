import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import type { AuthConfig, ParticipantConfig } from '../config/schema.js';
import { TOKEN_ALG, type TokenKey } from './token-key.js';

/** Why a Bearer token was refused; the problem's `reason` (docs/errors.md GW_UNAUTHENTICATED). */
export type TokenRefusal = 'token-malformed' | 'token-alg' | 'token-signature' | 'token-expired' | 'token-not-yet-valid' | 'token-claims' | 'token-unknown-client';

export type TokenVerdict = { ok: true; participant: ParticipantConfig; scopes: string[]; clientId: string } | { ok: false; reason: TokenRefusal; detail: string };

export interface IssuedToken {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

/** Token type of RFC 9068 (JWT access tokens); checked on verification so no other JWT of ours passes as one. */
const TYP = 'at+jwt';

/**
 * Issues and verifies the gateway's own access tokens (OAuth2 client credentials, ADR 0012):
 * ES256 JWTs with iss, aud, sub (participant id), client_id, scope, iat, nbf, exp, jti.
 */
export class TokenService {
  constructor(
    private readonly cfg: Pick<AuthConfig, 'issuer' | 'audience' | 'tokenTtlSeconds'>,
    private readonly key: TokenKey,
    private readonly participants: readonly ParticipantConfig[],
  ) {}

  /** Called by the token endpoint after the client authenticated; `scopes` are already checked against the registration. */
  async issue(p: ParticipantConfig, clientId: string, scopes: string[], now = new Date()): Promise<IssuedToken> {
    const k = await this.key.get();
    const iat = Math.floor(now.getTime() / 1000);
    const scope = scopes.join(' ');
    const jwt = await new SignJWT({ client_id: clientId, scope })
      .setProtectedHeader({ alg: TOKEN_ALG, typ: TYP, kid: k.kid })
      .setIssuer(this.cfg.issuer)
      .setAudience(this.cfg.audience)
      .setSubject(p.id)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(iat + this.cfg.tokenTtlSeconds)
      .setJti(randomUUID())
      .sign(k.privateKey);
    return { access_token: jwt, token_type: 'Bearer', expires_in: this.cfg.tokenTtlSeconds, scope };
  }

  /**
   * Called for every request with `Authorization: Bearer`. Accepts only ES256 (jose never
   * accepts `alg: none`), our kid's signature, typ at+jwt, our iss and aud, exp and nbf (5 s
   * clock tolerance), and a subject that is still a configured OAuth client with that
   * client id. Never throws: every refusal is a reason and a detail.
   */
  async verify(token: string, now = new Date()): Promise<TokenVerdict> {
    const k = await this.key.get();
    try {
      const { payload } = await jwtVerify(token, k.publicKey, {
        algorithms: [TOKEN_ALG],
        issuer: this.cfg.issuer,
        audience: this.cfg.audience,
        typ: TYP,
        clockTolerance: 5,
        currentDate: now,
        requiredClaims: ['sub', 'exp', 'nbf', 'jti', 'client_id', 'scope'],
      });
      const p = this.participants.find((x) => x.id === payload.sub);
      if (!p?.oauth || p.oauth.clientId !== payload['client_id']) return { ok: false, reason: 'token-unknown-client', detail: `subject ${String(payload.sub)} is no registered OAuth client` };
      const scope = typeof payload['scope'] === 'string' ? payload['scope'] : '';
      return { ok: true, participant: p, scopes: scope.split(' ').filter(Boolean), clientId: p.oauth.clientId };
    } catch (err) {
      return { ok: false, ...classify(err) };
    }
  }
}

function classify(err: unknown): { reason: TokenRefusal; detail: string } {
  if (err instanceof joseErrors.JWTExpired) return { reason: 'token-expired', detail: 'the access token has expired' };
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return { reason: 'token-not-yet-valid', detail: 'the access token is not yet valid' };
    return { reason: 'token-claims', detail: `claim ${err.claim} is not acceptable (${err.reason})` };
  }
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return { reason: 'token-alg', detail: `only ${TOKEN_ALG} tokens are accepted` };
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return { reason: 'token-signature', detail: 'the token signature does not verify with the gateway\'s token key' };
  return { reason: 'token-malformed', detail: `not an access token of this gateway (${err instanceof Error ? err.message.slice(0, 120) : 'unreadable'})` };
}
