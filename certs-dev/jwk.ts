import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { DEV_LABEL } from './files.js';
import type { KeyPair } from './x509.js';

/**
 * JWKs of the development PKI in FIT-Connect's profile: RSA, `use` + `alg`, a `kid`, and
 * `x5c` with the whole chain (key certificate, intermediate, root), so a receiver can
 * check that the key belongs to a participant of this PKI before encrypting to it.
 */

export type KeyPurpose = { use: 'enc'; alg: 'RSA-OAEP-256' } | { use: 'sig'; alg: 'PS512' };

/** A JWK as written: the standard members plus a warning member (RFC 7517 §4: unknown members are ignored). */
export type DevJwk = JWK & { kid: string; x5c: string[]; 'x-zsa-gateway': string };

export interface JwkPair {
  publicJwk: DevJwk;
  privateJwk: DevJwk;
}

/**
 * Exports a key pair as public and private JWK. `chain` is DER, leaf first. The kid is
 * the RFC 7638 SHA-256 thumbprint of the public key: stable, derived, never reused for
 * another key.
 */
export async function jwkPair(keys: KeyPair, purpose: KeyPurpose, chain: readonly Buffer[]): Promise<JwkPair> {
  const pub = keys.publicKey.export({ format: 'jwk' });
  const priv = keys.privateKey.export({ format: 'jwk' });
  if (pub.kty !== 'RSA' || typeof pub.n !== 'string' || typeof pub.e !== 'string') throw new Error('jwkPair expects an RSA key');
  const kid = await calculateJwkThumbprint({ kty: 'RSA', n: pub.n, e: pub.e }, 'sha256');
  const meta = {
    use: purpose.use,
    alg: purpose.alg,
    kid,
    x5c: chain.map((d) => d.toString('base64')),
    'x5t#S256': createHash('sha256').update(chain[0]!).digest('base64url'),
    'x-zsa-gateway': DEV_LABEL,
  };
  return {
    publicJwk: { kty: 'RSA', n: pub.n, e: pub.e, ...meta },
    privateJwk: { ...(priv as JWK), kty: 'RSA', ...meta },
  };
}

export function jwkJson(jwk: object): string {
  return JSON.stringify(jwk, null, 2) + '\n';
}
