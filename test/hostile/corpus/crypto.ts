import { SignJWT, importJWK, type JWK } from 'jose';
import { decryptWith, encryptFor } from '../../../gateway/crypto/jwe.js';
import { signSet, verifySet, type GatewayEvent } from '../../../gateway/crypto/set.js';
import type { ErrorCode } from '../../../gateway/errors.js';
import { expectCodes, type CryptoContext, type HostileEntry } from './types.js';

const b64 = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const header = (jwe: string): Record<string, unknown> => JSON.parse(Buffer.from(jwe.split('.')[0]!, 'base64url').toString()) as Record<string, unknown>;
/** The valid JWE with another protected header (the rest unchanged, so authentication would fail anyway). */
const withHeader = (c: CryptoContext, change: (h: Record<string, unknown>) => unknown): string => [b64(change(header(c.jwe))), ...c.jwe.split('.').slice(1)].join('.');
const withPart = (c: CryptoContext, i: number, value: string): string => c.jwe.split('.').map((p, j) => (j === i ? value : p)).join('.');
const flipByte = (part: string, at: number): string => {
  const b = Buffer.from(part, 'base64url');
  b[Math.min(at, b.length - 1)]! ^= 0x01;
  return b.toString('base64url');
};

const entries: HostileEntry[] = [];
const jwe = (name: string, input: (c: CryptoContext) => string | Uint8Array | Promise<string>, ...codes: ErrorCode[]) =>
  entries.push({ family: 'jwe', name, send: { kind: 'call', run: async (c) => decryptWith(await input(c), c.ring) }, expect: expectCodes(...codes) });

const INVALID = 'GW_JWE_INVALID';
for (const frac of [0, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.999]) jwe(`truncated to ${frac * 100}%`, (c) => c.jwe.slice(0, Math.floor(c.jwe.length * frac)), INVALID);
jwe('last character removed', (c) => c.jwe.slice(0, -1), INVALID);
['protected', 'encrypted_key', 'iv', 'ciphertext', 'tag'].forEach((part, i) => {
  if (i > 0) jwe(`one bit flipped in ${part}`, (c) => withPart(c, i, flipByte(c.jwe.split('.')[i]!, 3)), INVALID);
  jwe(`${part} emptied`, (c) => withPart(c, i, ''), INVALID);
  jwe(`${part} not base64url`, (c) => withPart(c, i, '***'), INVALID);
});
jwe('iv and tag swapped', (c) => { const p = c.jwe.split('.'); return [p[0], p[1], p[4], p[3], p[2]].join('.'); }, INVALID);
jwe('four parts', (c) => c.jwe.split('.').slice(0, 4).join('.'), INVALID);
jwe('six parts', (c) => `${c.jwe}.AAAA`, INVALID);
jwe('JSON serialisation instead of compact', (c) => JSON.stringify({ protected: c.jwe.split('.')[0], ciphertext: c.jwe.split('.')[3] }), INVALID);
jwe('empty string', () => '', INVALID);
jwe('8 MiB of dots and letters', () => 'a.'.repeat(4 * 1024 * 1024), INVALID);
jwe('random binary', () => Uint8Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) % 256), INVALID);
jwe('header not JSON', (c) => withPart(c, 0, b64('{"alg":')), INVALID);
jwe('header a JSON array', (c) => withPart(c, 0, b64([1, 2])), INVALID);
jwe('header with __proto__', (c) => withPart(c, 0, b64('{"__proto__":{"alg":"RSA-OAEP-256"},"enc":"A256GCM","kid":"x"}')), INVALID);
jwe('wrong kid (unknown key)', (c) => withHeader(c, (h) => ({ ...h, kid: 'attacker-key' })), 'GW_JWE_KEY_UNKNOWN');
jwe('kid of 100 KiB', (c) => withHeader(c, (h) => ({ ...h, kid: 'k'.repeat(100 * 1024) })), 'GW_JWE_KEY_UNKNOWN', INVALID);
jwe('kid missing', (c) => withHeader(c, (h) => ({ ...h, kid: undefined })), INVALID);
jwe('kid a number', (c) => withHeader(c, (h) => ({ ...h, kid: 42 })), INVALID);
jwe('encrypted to a key the gateway does not hold', async (c) => encryptFor(Buffer.from('<x/>'), c.strangerPublic), 'GW_JWE_KEY_UNKNOWN');
jwe('encrypted to another key under the gateway kid', async (c) => encryptFor(Buffer.from('<x/>'), { ...c.strangerPublic, kid: c.ringKid }), INVALID);
for (const alg of ['none', 'dir', 'RSA1_5', 'RSA-OAEP', 'A256KW', 'ECDH-ES', 'PBES2-HS256+A128KW', '']) jwe(`alg ${JSON.stringify(alg)}`, (c) => withHeader(c, (h) => ({ ...h, alg })), INVALID);
for (const enc of ['A128GCM', 'A256CBC-HS512', 'none']) jwe(`enc ${enc}`, (c) => withHeader(c, (h) => ({ ...h, enc })), INVALID);
jwe('zip DEF (compression bomb vector)', (c) => withHeader(c, (h) => ({ ...h, zip: 'DEF' })), INVALID);
jwe('crit extension', (c) => withHeader(c, (h) => ({ ...h, crit: ['exp'], exp: 1 })), INVALID);
jwe('alg none with empty key and tag', (c) => [b64({ alg: 'none', enc: 'A256GCM', kid: c.ringKid }), '', c.jwe.split('.')[2], c.jwe.split('.')[3], ''].join('.'), INVALID);

// Security Event Tokens against the gateway's JWKS.
const EVENT: GatewayEvent = {
  kind: 'receipt', issuer: 'https://gateway.zsa.example/', subject: 'message:gw-1', txn: 'vorgang:V-1',
  details: { state: 'queued', messageUuid: '6f1c2a44-1d7e-4c3b-9d7a-2b3c4d5e6f70', author: 'efa:hund-lsa', sha512: 'ab'.repeat(64), receivedAt: '2026-01-01T00:00:00.000Z' },
};
const claims = { jti: '6f1c2a44-1d7e-4c3b-9d7a-2b3c4d5e6f71', iss: EVENT.issuer, iat: Math.floor(Date.now() / 1000), sub: EVENT.subject, txn: EVENT.txn, events: { 'urn:zsa-gateway:event:receipt': {} } };
/** Signs arbitrary claims PS512 with `jwk` (as a forger with the right key format would). */
async function signed(jwk: JWK, head: Record<string, unknown>, body: Record<string, unknown>): Promise<string> {
  const key = await importJWK(jwk, 'PS512');
  return new SignJWT(body).setProtectedHeader({ alg: 'PS512', typ: 'secevent+jwt', kid: jwk.kid!, ...head }).sign(key);
}
const set = (name: string, token: (c: CryptoContext) => string | Promise<string>, opts: { maxAgeSec?: number; issuer?: string } = {}) =>
  entries.push({ family: 'set', name, send: { kind: 'call', run: async (c) => verifySet(await token(c), c.jwks, opts) }, expect: expectCodes('GW_SET_INVALID') });

const unsigned = (head: Record<string, unknown>, body: Record<string, unknown> = claims) => `${b64(head)}.${b64(body)}.`;
set('alg none, no signature', (c) => unsigned({ alg: 'none', typ: 'secevent+jwt', kid: c.jwks.keys[0]!.kid }));
set('alg NONE upper case', (c) => unsigned({ alg: 'NONE', typ: 'secevent+jwt', kid: c.jwks.keys[0]!.kid }));
set('alg none with the valid signature kept', (c) => { const p = c.set.split('.'); return `${b64({ alg: 'none', typ: 'secevent+jwt', kid: c.jwks.keys[0]!.kid })}.${p[1]}.${p[2]}`; });
set('JWT typ, alg none', () => unsigned({ alg: 'none', typ: 'JWT' }));
set('HS256 keyed with the public modulus (key confusion)', (c) => { const p = `${b64({ alg: 'HS256', typ: 'secevent+jwt', kid: c.jwks.keys[0]!.kid })}.${b64(claims)}`; return `${p}.${b64('sig')}`; });
set('RS256 instead of PS512', async (c) => { const key = await importJWK(c.forgerPrivate, 'RS256'); return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'secevent+jwt', kid: c.jwks.keys[0]!.kid! }).sign(key); });
set('forged with another key under the gateway kid', (c) => signed(c.forgerPrivate, {}, claims));
set('payload changed after signing', (c) => { const p = c.set.split('.'); return `${p[0]}.${b64({ ...claims, sub: 'message:gw-666' })}.${p[2]}`; });
set('signature truncated', (c) => c.set.slice(0, -10));
set('signature removed', (c) => c.set.split('.').slice(0, 2).join('.') + '.');
set('expired (exp in the past)', (c) => signed(c.signingPrivate, {}, { ...claims, exp: claims.iat - 3600 }));
set('too old for maxAgeSec', (c) => signed(c.signingPrivate, {}, { ...claims, iat: claims.iat - 86_400 }), { maxAgeSec: 3600 });
set('issued in the future', (c) => signed(c.signingPrivate, {}, { ...claims, iat: claims.iat + 86_400 }));
set('unknown kid', (c) => signed({ ...c.forgerPrivate, kid: 'who-knows' }, {}, claims));
set('typ JWT', (c) => signed(c.signingPrivate, { typ: 'JWT' }, claims));
set('crit header', (c) => signed(c.signingPrivate, { crit: ['b64'], b64: true }, claims));
set('no events', (c) => signed(c.signingPrivate, {}, { ...claims, events: {} }));
set('two events', (c) => signed(c.signingPrivate, {}, { ...claims, events: { a: {}, b: {} } }));
set('wrong issuer', (c) => signSet({ ...EVENT, issuer: 'https://evil.example/' }, c.signingPrivate), { issuer: EVENT.issuer });
set('three dots', () => '...');
set('100 KiB token', () => 'a'.repeat(100 * 1024));
set('header not base64url JSON', (c) => `%%%.${c.set.split('.')[1]}.${c.set.split('.')[2]}`);

export const CRYPTO_ENTRIES: readonly HostileEntry[] = entries;
