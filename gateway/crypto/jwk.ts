import type { JWK } from 'jose';
import { GatewayError, type Issue } from '../errors.js';

/**
 * The crypto profile of the gateway, after FIT-Connect (ADR 0009): RSA keys of at least
 * 4096 bits with exponent 65537; payloads encrypted with RSA-OAEP-256 + A256GCM; events
 * signed with PS512.
 */
export const MIN_RSA_BITS = 4096;
export const JWE_ALG = 'RSA-OAEP-256';
export const JWE_ENC = 'A256GCM';
export const SET_ALG = 'PS512';

/** JWK members that carry private or secret key material (RFC 7518 §6.3.2, §6.4). */
export const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
const RSA_PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const;

/** Members a published key may carry; everything else is dropped by `publicJwk`. */
const PUBLIC_MEMBERS = ['kty', 'kid', 'use', 'key_ops', 'alg', 'n', 'e', 'x5c', 'x5t', 'x5t#S256'] as const;
/** A private key operation and the operation of its public half (RFC 7517 §4.3). */
const PUBLIC_OP: Readonly<Record<string, string>> = { sign: 'verify', verify: 'verify', decrypt: 'encrypt', encrypt: 'encrypt', unwrapKey: 'wrapKey', wrapKey: 'wrapKey' };

export type KeyPurpose = 'encryption' | 'signing';

const PURPOSE = {
  encryption: { alg: JWE_ALG, use: 'enc', publicOps: ['wrapKey', 'encrypt'], privateOps: ['unwrapKey', 'decrypt'] },
  signing: { alg: SET_ALG, use: 'sig', publicOps: ['verify'], privateOps: ['sign'] },
} as const;

const KID = /^[\x21-\x7e]{1,128}$/;
const B64URL = /^[A-Za-z0-9_-]+$/;

/** Bit length of a base64url big-endian unsigned integer (an RSA modulus `n`); 0 when malformed. */
export function modulusBits(n: unknown): number {
  if (typeof n !== 'string' || !B64URL.test(n)) return 0;
  const bytes = Buffer.from(n, 'base64url');
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  if (i === bytes.length) return 0;
  return (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i]!));
}

export function hasPrivateMembers(jwk: JWK): boolean {
  return PRIVATE_JWK_MEMBERS.some((m) => (jwk as Record<string, unknown>)[m] !== undefined);
}

/**
 * Checks a JWK against the profile for one purpose. `visibility` says whether the key must
 * be a public key (a participant's encryption key, a published verification key) or a
 * private one (the gateway's own decryption or signing key). Returns every finding, each
 * with `path` = `<path>/<member>`, so a config loader can list them all at once.
 *
 * Public encryption keys must say they are for encryption (`use: "enc"` or `key_ops` with
 * `wrapKey`/`encrypt`, as FIT-Connect publishes them); for all other keys `use` and
 * `key_ops` are optional but must not name another purpose.
 */
export function checkRsaKey(jwk: unknown, purpose: KeyPurpose, visibility: 'public' | 'private', path = ''): Issue[] {
  const issues: Issue[] = [];
  const bad = (member: string, message: string) => issues.push({ message, path: `${path}/${member}`, rule: `key.${member}` });
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
    return [{ message: 'The key is not a JWK object.', path: path || '/', rule: 'key.shape' }];
  }
  const k = jwk as Record<string, unknown>;
  const p = PURPOSE[purpose];
  if (k.kty !== 'RSA') bad('kty', `kty must be "RSA" (got ${show(k.kty)}).`);
  if (typeof k.kid !== 'string' || !KID.test(k.kid)) bad('kid', 'kid must be 1-128 printable ASCII characters.');
  const bits = modulusBits(k.n);
  if (bits < MIN_RSA_BITS) bad('n', bits === 0 ? 'n is missing or not base64url.' : `The RSA modulus has ${bits} bits; at least ${MIN_RSA_BITS} are required.`);
  if (k.e !== 'AQAB') bad('e', `e must be "AQAB" (65537) (got ${show(k.e)}).`);
  if (k.alg !== undefined || visibility === 'public') {
    if (k.alg !== p.alg) bad('alg', `alg must be "${p.alg}" for a ${purpose} key (got ${show(k.alg)}).`);
  }
  if (k.use !== undefined && k.use !== p.use) bad('use', `use must be "${p.use}" for a ${purpose} key (got ${show(k.use)}).`);
  const ops = visibility === 'public' ? p.publicOps : p.privateOps;
  if (k.key_ops !== undefined) {
    if (!Array.isArray(k.key_ops) || !k.key_ops.some((o) => (ops as readonly unknown[]).includes(o))) {
      bad('key_ops', `key_ops must include ${ops.map((o) => `"${o}"`).join(' or ')} for a ${visibility} ${purpose} key.`);
    }
  } else if (purpose === 'encryption' && visibility === 'public' && k.use === undefined) {
    bad('use', 'An encryption key must declare its purpose: use "enc" or key_ops ["wrapKey"].');
  }
  if (visibility === 'public') {
    const leaked = PRIVATE_JWK_MEMBERS.filter((m) => k[m] !== undefined);
    if (leaked.length > 0) bad(leaked[0]!, `A public key must not carry private members (${leaked.join(', ')}).`);
  } else {
    const missing = RSA_PRIVATE_MEMBERS.filter((m) => typeof k[m] !== 'string');
    if (missing.length > 0) bad(missing[0]!, `The private key lacks ${missing.join(', ')}.`);
  }
  return issues;
}

/** Throws GW_KEY_UNSUITABLE listing every finding of `checkRsaKey`. */
export function assertRsaKey(jwk: unknown, purpose: KeyPurpose, visibility: 'public' | 'private', what: string): asserts jwk is JWK {
  const issues = checkRsaKey(jwk, purpose, visibility);
  if (issues.length > 0) {
    throw new GatewayError('GW_KEY_UNSUITABLE', `${what} does not meet the ${purpose} key profile: ${issues.map((i) => i.message).join(' ')}`, { issues });
  }
}

/** The bare RSA members to import (no alg/use/key_ops, which would restrict the imported key in surprising ways). */
export function rsaKeyMaterial(jwk: JWK, visibility: 'public' | 'private'): JWK {
  const { n, e } = jwk;
  if (visibility === 'public') return { kty: 'RSA', n, e };
  const { d, p, q, dp, dq, qi } = jwk;
  return { kty: 'RSA', n, e, d, p, q, dp, dq, qi };
}

/**
 * The public half of a key, for publishing: only members named in PUBLIC_MEMBERS are
 * copied (an allow-list, so no private member can slip through), and private key
 * operations become their public counterparts (`sign` → `verify`, `unwrapKey` → `wrapKey`).
 * Refuses symmetric keys, which have no public half.
 */
export function publicJwk(jwk: JWK): JWK {
  if (jwk.kty !== 'RSA' && jwk.kty !== 'EC' && jwk.kty !== 'OKP') {
    throw new GatewayError('GW_KEY_UNSUITABLE', `A key of type ${show(jwk.kty)} has no public half and cannot be published.`);
  }
  const out: Record<string, unknown> = {};
  const src = jwk as Record<string, unknown>;
  for (const m of PUBLIC_MEMBERS) if (src[m] !== undefined) out[m] = src[m];
  if (jwk.kty !== 'RSA') for (const m of ['crv', 'x', 'y'] as const) if (src[m] !== undefined) out[m] = src[m];
  if (Array.isArray(jwk.key_ops)) {
    const ops = [...new Set(jwk.key_ops.map((o) => PUBLIC_OP[o]).filter((o) => o !== undefined))];
    if (ops.length > 0) out.key_ops = ops;
    else delete out.key_ops;
  }
  if (Array.isArray(jwk.x5c)) out.x5c = [...jwk.x5c];
  return out as JWK;
}

/** A JWK Set of public keys, e.g. for `/.well-known/jwks.json`. Throws GW_CONFIG_INVALID on duplicate kids. */
export function publicJwks(keys: readonly JWK[]): { keys: JWK[] } {
  const seen = new Set<string>();
  for (const k of keys) {
    if (typeof k.kid !== 'string') throw new GatewayError('GW_KEY_UNSUITABLE', 'Every published key needs a kid.');
    if (seen.has(k.kid)) throw new GatewayError('GW_CONFIG_INVALID', `Two keys share the kid ${show(k.kid)}.`);
    seen.add(k.kid);
  }
  return { keys: keys.map(publicJwk) };
}

/** A short, safe rendering of an untrusted value for error messages. */
export function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
