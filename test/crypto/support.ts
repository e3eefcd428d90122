import { expect } from 'chai';
import type { JWK } from 'jose';
import { generateKeyObjectsSync } from '../../gateway/crypto/keygen.js';
import { GatewayError, type ErrorCode } from '../../gateway/errors.js';

/**
 * Test keys, generated once per process and shared by every crypto test file (4096-bit RSA
 * generation takes about a second each). Synthetic, for tests only.
 */
const pairs = new Map<string, { publicJwk: JWK; privateJwk: JWK }>();

export function rsaPair(name: string, bits = 4096): { publicJwk: JWK; privateJwk: JWK } {
  const cacheKey = `${name}/${bits}`;
  let pair = pairs.get(cacheKey);
  if (pair === undefined) {
    const { publicKey, privateKey } = generateKeyObjectsSync({ type: 'rsa', modulusLength: bits });
    pair = { publicJwk: publicKey.export({ format: 'jwk' }) as JWK, privateJwk: privateKey.export({ format: 'jwk' }) as JWK };
    pairs.set(cacheKey, pair);
  }
  return { publicJwk: { ...pair.publicJwk }, privateJwk: { ...pair.privateJwk } };
}

/** A participant's published encryption key and the private half it decrypts with, FIT-Connect style (key_ops). */
export function encryptionKeys(name: string, kid = `${name}-enc`, bits = 4096): { publicJwk: JWK; privateJwk: JWK } {
  const { publicJwk, privateJwk } = rsaPair(name, bits);
  return {
    publicJwk: { ...publicJwk, kid, alg: 'RSA-OAEP-256', key_ops: ['wrapKey'] },
    privateJwk: { ...privateJwk, kid, alg: 'RSA-OAEP-256', key_ops: ['unwrapKey'] },
  };
}

export function signingKeys(name: string, kid = `${name}-sig`, bits = 4096): { publicJwk: JWK; privateJwk: JWK } {
  const { publicJwk, privateJwk } = rsaPair(name, bits);
  return {
    publicJwk: { ...publicJwk, kid, alg: 'PS512', use: 'sig' },
    privateJwk: { ...privateJwk, kid, alg: 'PS512', use: 'sig' },
  };
}

/** Runs `fn` and expects a GatewayError with `code` (and, when given, a finding with `rule`). */
export async function expectRefused(fn: () => unknown, code: ErrorCode, rule?: string): Promise<GatewayError> {
  let outcome: unknown;
  try {
    await fn();
  } catch (err) {
    outcome = err;
  }
  expect(outcome, `expected ${code}${rule ? ` (${rule})` : ''}`).to.be.instanceOf(GatewayError);
  const e = outcome as GatewayError;
  expect(e.code, e.message).to.equal(code);
  if (rule !== undefined) expect(e.issues.map((i) => i.rule), e.message).to.include(rule);
  return e;
}

export const b64url = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
