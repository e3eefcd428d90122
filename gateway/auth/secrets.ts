import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * OAuth2 client secrets are stored only as scrypt hashes (ADR 0012):
 * `scrypt$<N>$<r>$<p>$<salt base64url>$<hash base64url>`. scrypt is memory-hard, in Node's
 * standard library, and the parameters travel with the hash, so they can be raised later
 * without invalidating configured secrets.
 */

const DEFAULT = { N: 16384, r: 8, p: 1 } as const;
const KEY_LEN = 32;
const MAX_N = 1 << 20;

function derive(secret: string, salt: Buffer, o: { N: number; r: number; p: number }): Promise<Buffer> {
  const opts: ScryptOptions = { N: o.N, r: o.r, p: o.p, maxmem: 256 * o.N * o.r + 1024 * 1024 };
  return new Promise((ok, fail) => scrypt(secret, salt, KEY_LEN, opts, (err, key) => (err ? fail(err) : ok(key))));
}

/** Hashes a client secret for `participants[].oauth.clientSecretHash`. Called by `zsa-gateway auth hash-secret`. */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(secret, salt, DEFAULT);
  return `scrypt$${DEFAULT.N}$${DEFAULT.r}$${DEFAULT.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/**
 * True when `secret` matches `stored`; compares in constant time. A malformed hash or
 * parameters outside sane bounds answer false (never throw), so a broken config entry
 * locks its client out instead of crashing the token endpoint.
 */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (!Number.isInteger(N) || N < 2 || N > MAX_N || (N & (N - 1)) !== 0 || !(r >= 1 && r <= 32) || !(p >= 1 && p <= 16)) return false;
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  if (expected.length !== KEY_LEN) return false;
  try {
    return timingSafeEqual(await derive(secret, salt, { N, r, p }), expected);
  } catch {
    return false;
  }
}

/** A throwaway hash with the default parameters: checked when the client id is unknown, so timing does not reveal which ids exist. */
export const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
