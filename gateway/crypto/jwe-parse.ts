import { GatewayError, type Issue } from '../errors.js';
import { JWE_ALG, JWE_ENC, show } from './jwk.js';

/** The protected header of a JWE in the profile, as `decryptWith` returns it. */
export interface JweHeader {
  alg: typeof JWE_ALG;
  enc: typeof JWE_ENC;
  kid: string;
  cty?: string;
  [member: string]: unknown;
}

/** The five parts of a compact JWE (RFC 7516 §7.1), base64url as received. */
export interface CompactJweParts {
  protected: string;
  encryptedKey: string;
  iv: string;
  ciphertext: string;
  tag: string;
}

export const PART_NAMES = ['protected', 'encrypted_key', 'iv', 'ciphertext', 'tag'] as const;
/** AES-GCM as JWA §5.3 fixes it: 96-bit IV, 128-bit tag. */
export const IV_BYTES = 12;
export const TAG_BYTES = 16;
/** A protected header larger than this is not a header we would ever produce or accept. */
const MAX_HEADER_CHARS = 8192;

const B64URL = /^[A-Za-z0-9_-]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function jweError(message: string, part: string, rule: string, cause?: unknown): GatewayError {
  const issue: Issue = { message, path: `/${part}`, rule };
  return new GatewayError('GW_JWE_INVALID', message, { issues: [issue], cause });
}

/** Text of the input with surrounding ASCII whitespace removed (a body may end in a newline). */
function asText(input: string | Uint8Array): string {
  if (typeof input === 'string') return input.trim();
  try {
    return utf8.decode(input).trim();
  } catch (cause) {
    throw jweError('The JWE is not valid UTF-8.', 'protected', 'jwe.structure', cause);
  }
}

/** Decodes base64url strictly: only the URL-safe alphabet, no padding, no impossible length. */
export function decodePart(value: string, part: string): Buffer {
  if (!B64URL.test(value) || value.length % 4 === 1) {
    throw jweError(`The ${part} part is not base64url (RFC 7515 §2: URL-safe alphabet, no padding).`, part, 'jwe.structure');
  }
  return Buffer.from(value, 'base64url');
}

/**
 * Splits a compact JWE and checks everything that can be checked without a key: five
 * base64url parts, a JSON object as protected header, `alg` RSA-OAEP-256, `enc` A256GCM,
 * a `kid`, no `zip` (compression before encryption leaks content through the length, and
 * an inflating decoder is an attack surface), no `crit` (we understand no extension), a
 * 12-byte IV and a 16-byte tag. Throws GW_JWE_INVALID naming the part and the rule.
 */
export function parseCompactJwe(input: string | Uint8Array): { header: JweHeader; parts: CompactJweParts; compact: string } {
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) {
    throw jweError('The JWE must be a string or bytes.', 'protected', 'jwe.structure');
  }
  const compact = asText(input);
  const segments = compact.split('.');
  if (segments.length !== 5) {
    throw jweError(
      `A compact JWE has 5 dot-separated parts (header.encrypted_key.iv.ciphertext.tag); this has ${segments.length}.`,
      'protected',
      'jwe.structure',
    );
  }
  const [protectedB64, encryptedKey, iv, ciphertext, tag] = segments as [string, string, string, string, string];
  if (protectedB64.length === 0 || protectedB64.length > MAX_HEADER_CHARS) {
    throw jweError(`The protected header is empty or longer than ${MAX_HEADER_CHARS} characters.`, 'protected', 'jwe.header');
  }
  const header = parseHeader(decodePart(protectedB64, 'protected'));
  for (const [name, value] of [['encrypted_key', encryptedKey], ['ciphertext', ciphertext]] as const) decodePart(value, name);
  const ivBytes = decodePart(iv, 'iv').length;
  if (ivBytes !== IV_BYTES) throw jweError(`The IV has ${ivBytes} bytes; A256GCM uses ${IV_BYTES}.`, 'iv', 'jwe.part-length');
  const tagBytes = decodePart(tag, 'tag').length;
  if (tagBytes !== TAG_BYTES) throw jweError(`The tag has ${tagBytes} bytes; A256GCM uses ${TAG_BYTES}.`, 'tag', 'jwe.part-length');
  return { header, parts: { protected: protectedB64, encryptedKey, iv, ciphertext, tag }, compact };
}

function parseHeader(bytes: Buffer): JweHeader {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(bytes));
  } catch (cause) {
    throw jweError('The protected header is not UTF-8 JSON.', 'protected', 'jwe.header', cause);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw jweError('The protected header is not a JSON object.', 'protected', 'jwe.header');
  }
  const h = value as Record<string, unknown>;
  if (h.zip !== undefined) {
    throw jweError(`Compression (zip ${show(h.zip)}) is not allowed in the profile.`, 'protected/zip', 'jwe.zip');
  }
  if (h.crit !== undefined) {
    throw jweError('Critical header extensions (crit) are not supported.', 'protected/crit', 'jwe.crit');
  }
  if (h.alg !== JWE_ALG) {
    throw jweError(`alg ${show(h.alg)} is not allowed; the profile requires "${JWE_ALG}".`, 'protected/alg', 'jwe.alg');
  }
  if (h.enc !== JWE_ENC) {
    throw jweError(`enc ${show(h.enc)} is not allowed; the profile requires "${JWE_ENC}".`, 'protected/enc', 'jwe.enc');
  }
  if (typeof h.kid !== 'string' || h.kid.length === 0) {
    throw jweError('The protected header names no kid.', 'protected/kid', 'jwe.kid');
  }
  if (h.cty !== undefined && typeof h.cty !== 'string') {
    throw jweError('cty must be a string.', 'protected/cty', 'jwe.header');
  }
  return h as JweHeader;
}

/**
 * True when the input looks like a compact JWE: five base64url parts whose first decodes
 * to a JSON object with string `alg` and `enc`. Cheap (no key, no decryption), for ingress
 * to decide whether a payload is encrypted; it says nothing about whether the JWE is in
 * the profile or authentic — `decryptWith` decides that.
 */
export function isCompactJwe(input: string | Uint8Array): boolean {
  let text: string;
  try {
    if (typeof input !== 'string' && !(input instanceof Uint8Array)) return false;
    // An XML or JSON document starts with '<' or '{'; only look further when it could be a JWE.
    const head = typeof input === 'string' ? input.slice(0, 16) : Buffer.from(input.subarray(0, 16)).toString('latin1');
    if (!/^\s*ey/.test(head)) return false;
    text = asText(input);
  } catch {
    return false;
  }
  const segments = text.split('.');
  if (segments.length !== 5 || !segments.every((s) => B64URL.test(s))) return false;
  const first = segments[0]!;
  if (first.length === 0 || first.length > MAX_HEADER_CHARS) return false;
  try {
    const h: unknown = JSON.parse(utf8.decode(Buffer.from(first, 'base64url')));
    return typeof h === 'object' && h !== null && typeof (h as Record<string, unknown>).alg === 'string' && typeof (h as Record<string, unknown>).enc === 'string';
  } catch {
    return false;
  }
}
