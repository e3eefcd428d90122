import { CompactEncrypt, compactDecrypt, importJWK, type JWK } from 'jose';
import { GatewayError } from '../errors.js';
import { decodePart, jweError, parseCompactJwe, type JweHeader } from './jwe-parse.js';
import { assertRsaKey, JWE_ALG, JWE_ENC, rsaKeyMaterial } from './jwk.js';
import type { DecryptPool } from './decrypt-pool.js';
import type { PrivateKeyRing } from './keyring.js';
import { checkX5c, type X5cOptions } from './x5c.js';

export { isCompactJwe, type JweHeader } from './jwe-parse.js';

export interface EncryptOptions extends X5cOptions {
  /** Media type of the plaintext for the receiver, e.g. `application/xml` (JWE `cty`). */
  cty?: string;
}

export interface DecryptedJwe {
  payload: Uint8Array;
  /** The key that opened it (the header's `kid`). */
  kid: string;
  header: JweHeader;
}

const CTY = /^[\x21-\x7e]{1,255}$/;

/** Imported recipient keys by JWK object: a participant's key is validated and imported once. */
const recipientKeys = new WeakMap<object, Promise<CryptoKey>>();

/**
 * Encrypts `payload` to a participant's public key as a compact JWE in FIT-Connect's
 * profile: `alg` RSA-OAEP-256, `enc` A256GCM, `kid` from the JWK (and `cty` when given),
 * a fresh content key and IV per call. Called for every delivery to a participant that
 * has an encryption key, and by tests/tools that play a sender.
 *
 * Throws GW_KEY_UNSUITABLE (every finding listed) when the key is not RSA with at least
 * 4096 bits and exponent 65537, does not declare itself for RSA-OAEP-256 encryption
 * (`alg`, plus `use: "enc"` or `key_ops: ["wrapKey"]`), carries private members, or has an
 * `x5c` chain that does not hold (leaf with another key, expired, broken, or — when
 * `trustAnchors` are given — not anchored). Throws GW_BAD_REQUEST for a malformed `cty`.
 */
export async function encryptFor(payload: Uint8Array, recipientJwk: JWK, opts: EncryptOptions = {}): Promise<string> {
  if (opts.cty !== undefined && !CTY.test(opts.cty)) {
    throw new GatewayError('GW_BAD_REQUEST', 'cty must be 1-255 printable ASCII characters.');
  }
  const key = await recipientKey(recipientJwk, opts);
  const header: JweHeader = { alg: JWE_ALG, enc: JWE_ENC, kid: recipientJwk.kid! };
  if (opts.cty !== undefined) header.cty = opts.cty;
  return new CompactEncrypt(payload).setProtectedHeader(header).encrypt(key);
}

function recipientKey(jwk: JWK, opts: X5cOptions): Promise<CryptoKey> {
  assertRsaKey(jwk, 'encryption', 'public', 'The recipient key');
  const x5cIssues = checkX5c(jwk, opts); // checked every time: validity depends on `now`
  if (x5cIssues.length > 0) {
    throw new GatewayError('GW_KEY_UNSUITABLE', `The recipient key's x5c chain does not hold: ${x5cIssues[0]!.message}`, { issues: x5cIssues });
  }
  let key = recipientKeys.get(jwk);
  if (key === undefined) {
    key = importJWK(rsaKeyMaterial(jwk, 'public'), JWE_ALG) as Promise<CryptoKey>;
    recipientKeys.set(jwk, key);
  }
  return key;
}

/**
 * Decrypts a compact JWE addressed to one of the gateway's keys. Called by ingress when
 * `isCompactJwe` says an inbound payload is encrypted, before validation and mapping.
 *
 * Guarantees: only the profile is accepted (RSA-OAEP-256 + A256GCM, a `kid`, no `zip`, no
 * `crit`), and a returned payload is authentic under the key named by `kid`. It never
 * throws anything but GatewayError:
 * - GW_JWE_INVALID — malformed, outside the profile, or authentication failed (an altered
 *   header, encrypted key, IV, ciphertext or tag, or a JWE made for another key that
 *   carries this kid). The finding names the part and the rule (docs/errors.md).
 * - GW_JWE_KEY_UNKNOWN — `kid` names no key in the ring. The error never lists the ring's
 *   key ids (a prober learns nothing about the gateway's keys; senders use the published JWKS).
 * Failures of the RSA step and of the GCM tag are not told apart (no padding oracle).
 *
 * With `opts.pool` the RSA and AES steps run in a worker thread (decrypt-pool.ts, ADR 0041);
 * the profile checks above stay here and the answers are the same.
 */
export async function decryptWith(jwe: string | Uint8Array, keyring: PrivateKeyRing, opts: { pool?: DecryptPool } = {}): Promise<DecryptedJwe> {
  const { header, parts, compact } = parseCompactJwe(jwe);
  const entry = keyring.get(header.kid);
  if (entry === undefined) {
    throw new GatewayError('GW_JWE_KEY_UNKNOWN', `The JWE is encrypted to key "${header.kid.slice(0, 128)}", which the gateway does not hold.`, {
      issues: [{ message: 'Unknown kid.', path: '/protected/kid', rule: 'jwe.kid' }],
      extra: { kid: header.kid.slice(0, 128) },
    });
  }
  const encryptedKeyBytes = decodePart(parts.encryptedKey, 'encrypted_key').length;
  if (encryptedKeyBytes !== entry.encryptedKeyBytes) {
    throw jweError(
      `The encrypted key has ${encryptedKeyBytes} bytes; key "${entry.kid}" produces ${entry.encryptedKeyBytes}.`,
      'encrypted_key',
      'jwe.part-length',
    );
  }
  try {
    const options = { keyManagementAlgorithms: [JWE_ALG], contentEncryptionAlgorithms: [JWE_ENC], maxDecompressedLength: 0 };
    const plaintext = opts.pool ? await opts.pool.decrypt(compact, entry.key, options) : (await compactDecrypt(compact, entry.key, options)).plaintext;
    return { payload: plaintext, kid: entry.kid, header };
  } catch (cause) {
    if (cause instanceof GatewayError) throw cause; // the pool is closed: not the sender's fault
    throw jweError(
      'Authentication failed: the header, encrypted key, IV, ciphertext or tag was altered, or the JWE was made for another key with this kid.',
      'ciphertext',
      'jwe.decrypt',
      cause,
    );
  }
}
