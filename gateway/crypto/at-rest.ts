import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GatewayError, type Issue } from '../errors.js';
import { show } from './jwk.js';

/**
 * Encryption at rest (ADR 0009): AES-256-GCM envelopes for stored payloads.
 *
 *   blob = version (1 byte, 0x01) | IV (12 bytes, random) | ciphertext | tag (16 bytes)
 *
 * The key id is stored next to the blob (a column), not inside it. The GCM additional
 * data binds the format version, the key id and a caller-given `aad` — the message id
 * (`messageAad`) or the content address of an attachment — so a blob copied to another
 * row does not open.
 */
export const BLOB_VERSION = 0x01;
export const IV_BYTES = 12;
export const TAG_BYTES = 16;
export const KEY_BYTES = 32;
const AAD_DOMAIN = 'zsa-gateway/at-rest/v1';

export interface AtRestKeyConfig {
  keys: ReadonlyArray<{ id: string; key: string; active?: boolean }>;
}

export interface SealedBlob {
  keyId: string;
  blob: Buffer;
}

export type Aad = string | Uint8Array;

const KEY_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The additional data that binds a stored payload to its message row. */
export function messageAad(messageId: string, part = 'payload'): string {
  return `message:${messageId}/${part}`;
}

/** The additional data that binds stored attachment bytes to their content address. */
export function attachmentAad(sha512: string): string {
  return `attachment:${sha512}`;
}

/** AES-GCM additional data: domain, key id and the caller's aad, NUL-separated (key ids contain no NUL). */
export function envelopeAad(keyId: string, aad: Aad): Buffer {
  return Buffer.concat([Buffer.from(`${AAD_DOMAIN}\0${keyId}\0`), typeof aad === 'string' ? Buffer.from(aad) : aad]);
}

/**
 * The at-rest keys, by id, one of them active. New data is sealed with the active key;
 * any key in the ring opens what it sealed. Rotation: add a new key marked active and
 * keep the old ones until `rewrap` has moved every blob (the stored key id says which).
 * Key bytes are held as KeyObjects and never appear in errors or logs.
 */
/** A KeyRing as it crosses to a worker thread (see KeyRing.toCloneable). */
export interface CloneableKeyRing {
  keys: ReadonlyMap<string, KeyObject>;
  activeKeyId: string;
}

export class KeyRing {
  private constructor(
    private readonly keys: ReadonlyMap<string, KeyObject>,
    readonly activeKeyId: string,
  ) {}

  /**
   * Builds the ring from config: `{ keys: [{ id, key: <base64 of 32 bytes>, active: true }, …] }`.
   * Throws GW_CONFIG_INVALID listing every finding (bad id, bad base64, wrong length,
   * duplicate id or key bytes, not exactly one active key) with paths below `configPath`.
   */
  static fromConfig(config: unknown, configPath = 'crypto.atRest'): KeyRing {
    const issues: Issue[] = [];
    const at = (path: string, message: string) => issues.push({ message, path: `${configPath}${path}`, rule: 'at-rest.key' });
    const list = (config as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(list) || list.length === 0) {
      at('/keys', 'At least one key is required: keys: [{ id, key: <base64 32 bytes>, active: true }].');
      throw invalid(issues);
    }
    const keys = new Map<string, KeyObject>();
    const seenBytes: Array<[number, Buffer]> = [];
    const active: string[] = [];
    list.forEach((entry: unknown, i) => {
      const e = (entry ?? {}) as { id?: unknown; key?: unknown; active?: unknown };
      if (typeof e.id !== 'string' || !KEY_ID.test(e.id)) return at(`/keys/${i}/id`, `id ${show(e.id)} must be 1-64 of [A-Za-z0-9._-], starting with a letter or digit.`);
      if (keys.has(e.id)) return at(`/keys/${i}/id`, `id "${e.id}" is used twice.`);
      if (typeof e.key !== 'string' || !BASE64.test(e.key)) return at(`/keys/${i}/key`, 'key must be standard base64.');
      const bytes = Buffer.from(e.key, 'base64');
      if (bytes.length !== KEY_BYTES) return at(`/keys/${i}/key`, `key must decode to ${KEY_BYTES} bytes (got ${bytes.length}).`);
      const twin = seenBytes.find(([, b]) => timingSafeEqual(b, bytes));
      if (twin !== undefined) return at(`/keys/${i}/key`, `key has the same bytes as keys[${twin[0]}]: a rotation needs a new key.`);
      if (e.active !== undefined && typeof e.active !== 'boolean') return at(`/keys/${i}/active`, 'active must be true or false.');
      seenBytes.push([i, bytes]);
      keys.set(e.id, createSecretKey(bytes));
      if (e.active === true) active.push(e.id);
    });
    if (issues.length === 0 && active.length !== 1) {
      at('/keys', `Exactly one key must be active (found ${active.length}${active.length > 1 ? `: ${active.join(', ')}` : ''}).`);
    }
    if (issues.length > 0) throw invalid(issues);
    for (const [, b] of seenBytes) b.fill(0);
    return new KeyRing(keys, active[0]!);
  }

  /** Reads a JSON key file of the same shape as `fromConfig`. Throws GW_CONFIG_INVALID when unreadable or invalid. */
  static fromFile(path: string): KeyRing {
    let config: unknown;
    try {
      config = JSON.parse(readFileSync(path, 'utf8'));
    } catch (cause) {
      const why = cause instanceof SyntaxError ? 'is not JSON' : `cannot be read (${(cause as NodeJS.ErrnoException).code ?? 'error'})`;
      throw new GatewayError('GW_CONFIG_INVALID', `The at-rest key file ${path} ${why}.`, { cause, issues: [{ message: why, path }] });
    }
    return KeyRing.fromConfig(config, path);
  }

  /**
   * The ring in a form `postMessage`/`workerData` can clone (KeyObjects pass between threads
   * as keys, never as base64 in JS strings): how the store's worker thread gets the keys.
   */
  toCloneable(): CloneableKeyRing {
    return { keys: new Map(this.keys), activeKeyId: this.activeKeyId };
  }

  /** The ring `toCloneable` made, in the receiving thread. */
  static fromCloneable(c: CloneableKeyRing): KeyRing {
    if (!c.keys.has(c.activeKeyId)) throw new GatewayError('GW_CONFIG_INVALID', 'The at-rest key ring handed to the store worker lacks its active key.');
    return new KeyRing(new Map(c.keys), c.activeKeyId);
  }

  keyIds(): string[] {
    return [...this.keys.keys()];
  }

  has(keyId: string): boolean {
    return this.keys.has(keyId);
  }

  /** Encrypts with the active key. Called before a payload is written to the store. */
  seal(plain: Uint8Array, aad: Aad): SealedBlob {
    const keyId = this.activeKeyId;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(keyId)!, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(envelopeAad(keyId, aad));
    const blob = Buffer.concat([Buffer.of(BLOB_VERSION), iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return { keyId, blob };
  }

  /**
   * Decrypts a blob sealed under `keyId` with the same `aad`. Throws
   * GW_AT_REST_KEY_UNKNOWN when the ring lacks the key, GW_AT_REST_INTEGRITY when the blob
   * is malformed, altered, belongs to another row (other aad), or the key bytes under that
   * id changed.
   */
  open(keyId: string, blob: Uint8Array, aad: Aad): Buffer {
    const key = this.keyFor(keyId);
    if (blob.length < 1 + IV_BYTES + TAG_BYTES) {
      throw integrity(keyId, `the blob has ${blob.length} bytes, fewer than the ${1 + IV_BYTES + TAG_BYTES} of an empty one`);
    }
    if (blob[0] !== BLOB_VERSION) throw integrity(keyId, `unknown blob version 0x${blob[0]!.toString(16).padStart(2, '0')}`);
    const iv = blob.subarray(1, 1 + IV_BYTES);
    const tag = blob.subarray(blob.length - TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(envelopeAad(keyId, aad));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(blob.subarray(1 + IV_BYTES, blob.length - TAG_BYTES)), decipher.final()]);
    } catch (cause) {
      throw integrity(keyId, 'authentication failed (altered blob, another row\'s blob, or other key bytes under this id)', cause);
    }
  }

  /**
   * Re-encrypts a blob to the active key (rotation). Returns the input unchanged when it
   * is already under the active key. Same errors as `open`.
   */
  rewrap(keyId: string, blob: Uint8Array, aad: Aad): SealedBlob {
    if (keyId === this.activeKeyId) {
      this.open(keyId, blob, aad); // still proves the blob is intact
      return { keyId, blob: Buffer.from(blob) };
    }
    const plain = this.open(keyId, blob, aad);
    try {
      return this.seal(plain, aad);
    } finally {
      plain.fill(0);
    }
  }

  /** @internal for the streaming variant (at-rest-stream.ts). */
  keyFor(keyId: string): KeyObject {
    const key = this.keys.get(keyId);
    if (key === undefined) {
      throw new GatewayError('GW_AT_REST_KEY_UNKNOWN', `Stored data is sealed with at-rest key "${keyId.slice(0, 64)}", which is not in the key ring.`, {
        extra: { keyId: keyId.slice(0, 64), known: this.keyIds() },
      });
    }
    return key;
  }
}

function invalid(issues: Issue[]): GatewayError {
  return new GatewayError('GW_CONFIG_INVALID', `The at-rest key configuration is invalid (${issues.length} findings).`, { issues });
}

function integrity(keyId: string, why: string, cause?: unknown): GatewayError {
  return new GatewayError('GW_AT_REST_INTEGRITY', `A blob sealed under at-rest key "${keyId.slice(0, 64)}" does not open: ${why}.`, { cause });
}
