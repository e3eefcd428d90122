import { randomUUID } from 'node:crypto';
import { CompactSign, importJWK, SignJWT, type JWK } from 'jose';
import { assertRsaKey, rsaKeyMaterial, SET_ALG } from '../crypto/jwk.js';
import { canonicalJson } from './client/canonical-json.js';
import type { AddressingInformation, DestinationParameters } from './client/verify-route.js';
import { LEIKA_URN } from './client/region.js';

/**
 * The two signatures of a FIT-Connect routing result, made with the gateway's routing key
 * (`crypto.routingSigningKeyFile`, RSA ≥ 4096, PS512; ADR 0028):
 *
 * - `destinationSignature`: a JWT (`typ: jwt`, `alg: PS512`, `kid`) whose payload is the
 *   addressing information FIT-Connect's Self-Service-Portal signs: `submissionHost`,
 *   `iss`, `services[{ gebietIDs, leistungIDs }]`, `destinationId`, `iat`, `jti`
 *   (schema https://schema.fitko.de/fit-connect/xzufi/destination.schema.json).
 * - `destinationParametersSignature`: a detached compact JWS (RFC 7515 Appendix F, the
 *   payload part left empty) over the canonical JSON of `destinationParameters`.
 *
 * The sender's check is gateway/fitconnect/client/verify-route.ts.
 */

const imported = new WeakMap<object, Promise<CryptoKey>>();

function privateKey(jwk: JWK): Promise<CryptoKey> {
  let key = imported.get(jwk);
  if (key === undefined) {
    assertRsaKey(jwk, 'signing', 'private', 'The routing signing key');
    key = importJWK(rsaKeyMaterial(jwk, 'private'), SET_ALG) as Promise<CryptoKey>;
    imported.set(jwk, key);
  }
  return key;
}

export interface AddressingInput {
  destinationId: string;
  /** Host (and port) of the submission API, e.g. `gateway.zsa.example` (FIT-Connect `submissionHost`). */
  submissionHost: string;
  /** The issuer URL of routing signatures (FIT-Connect: the Self-Service-Portal). */
  issuer: string;
  /** `gebietIDs` of the destination (region-key URNs). */
  gebietIDs: readonly string[];
  /** LeiKa keys (14 digits) the destination offers. */
  leikaKeys: readonly string[];
}

/** Signs the addressing information of one destination. Throws GW_KEY_UNSUITABLE for an unsuitable key. */
export async function signDestination(input: AddressingInput, signingJwk: JWK, now: Date = new Date()): Promise<string> {
  const claims: Omit<AddressingInformation, 'iss' | 'iat' | 'jti'> = {
    submissionHost: input.submissionHost,
    services: [{ gebietIDs: [...input.gebietIDs], leistungIDs: input.leikaKeys.map((k) => `${LEIKA_URN}${k}`) }],
    destinationId: input.destinationId,
  };
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: SET_ALG, typ: 'jwt', kid: signingJwk.kid! })
    .setIssuer(input.issuer)
    .setIssuedAt(Math.floor(now.getTime() / 1000))
    .setJti(randomUUID())
    .sign(await privateKey(signingJwk));
}

/** Signs `destinationParameters` as a detached JWS (`<header>..<signature>`). */
export async function signDestinationParameters(params: DestinationParameters, signingJwk: JWK): Promise<string> {
  const full = await new CompactSign(new TextEncoder().encode(canonicalJson(params)))
    .setProtectedHeader({ alg: SET_ALG, kid: signingJwk.kid! })
    .sign(await privateKey(signingJwk));
  const [header, , signature] = full.split('.');
  return `${header}..${signature}`;
}
