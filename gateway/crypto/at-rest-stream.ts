import { createCipheriv, createDecipheriv, randomBytes, type KeyObject } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { GatewayError } from '../errors.js';
import type { Aad, KeyRing } from './at-rest.js';

/**
 * Streaming variant of the at-rest envelope for attachments (ADR 0009), so large files are
 * never held in memory. The plaintext is cut into chunks, each its own AES-256-GCM record:
 *
 *   stream = 0x02 | key id length (1 byte) | key id (ASCII) | nonce prefix (8 bytes, random)
 *            | record*            record = header (4 bytes BE: bit 31 = final, bits 0-30 = length)
 *                                          | ciphertext (length bytes) | tag (16 bytes)
 *
 * The key id travels in the file (bound into every record's additional data), so
 * content-addressed attachment files need no key-id column: `streamKeyId` reads it, e.g.
 * for a rewrap job that re-seals files whose key is not the active one.
 *
 * Record i uses IV = prefix | i (4 bytes BE) and additional data binding the key id, the
 * caller's aad, i and the final flag: records cannot be reordered, dropped, moved to another
 * stream or file, and a stream cut before its final record fails (the final record may be
 * empty). Each record is authenticated before its plaintext is passed on; a consumer must
 * still treat an error at the end (truncation) as failure of the whole stream.
 */
export const STREAM_VERSION = 0x02;
export const DEFAULT_CHUNK_BYTES = 64 * 1024;
const PREFIX_BYTES = 8;
const TAG_BYTES = 16;
const FINAL = 0x8000_0000;
const MAX_CHUNK_BYTES = 0x7fff_ffff;
const MAX_RECORDS = 0xffff_ffff;

function recordAad(keyId: string, aad: Aad, index: number, final: boolean): Buffer {
  const tail = Buffer.alloc(9);
  tail.writeBigUInt64BE(BigInt(index));
  tail[8] = final ? 1 : 0;
  return Buffer.concat([Buffer.from(`zsa-gateway/at-rest-stream/v2\0${keyId}\0`), typeof aad === 'string' ? Buffer.from(aad) : aad, tail]);
}

function recordIv(prefix: Buffer, index: number): Buffer {
  const iv = Buffer.alloc(PREFIX_BYTES + 4);
  prefix.copy(iv);
  iv.writeUInt32BE(index, PREFIX_BYTES);
  return iv;
}

/** Encrypts a stream with the ring's active key (its id is written into the stream header). */
export function sealStream(ring: KeyRing, aad: Aad, chunkBytes = DEFAULT_CHUNK_BYTES): { keyId: string; stream: Transform } {
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1 || chunkBytes > MAX_CHUNK_BYTES) throw new RangeError('chunkBytes out of range');
  const keyId = ring.activeKeyId;
  const key = ring.keyFor(keyId);
  const prefix = randomBytes(PREFIX_BYTES);
  let index = 0;
  let started = false;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const record = (plain: Buffer, final: boolean): Buffer => {
    if (index >= MAX_RECORDS) throw new RangeError('too many records for one stream');
    const cipher = createCipheriv('aes-256-gcm', key, recordIv(prefix, index), { authTagLength: TAG_BYTES });
    cipher.setAAD(recordAad(keyId, aad, index, final));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    const head = Buffer.alloc(4);
    head.writeUInt32BE((final ? FINAL : 0) + plain.length);
    index++;
    return Buffer.concat([head, body, cipher.getAuthTag()]);
  };
  const start = (t: Transform) => {
    if (!started) t.push(Buffer.concat([Buffer.of(STREAM_VERSION, keyId.length), Buffer.from(keyId, 'latin1'), prefix]));
    started = true;
  };
  const stream = new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      start(this);
      pending.push(chunk);
      pendingBytes += chunk.length;
      // Keep at least one byte back: only flush knows which record is the final one.
      while (pendingBytes > chunkBytes) {
        const all = Buffer.concat(pending);
        this.push(record(all.subarray(0, chunkBytes), false));
        pending = [all.subarray(chunkBytes)];
        pendingBytes -= chunkBytes;
      }
      done();
    },
    flush(done: TransformCallback) {
      start(this);
      this.push(record(Buffer.concat(pending), true));
      done();
    },
  });
  return { keyId, stream };
}

/** The key id a sealed stream names, from its first bytes; undefined when they are not a complete stream header. */
export function streamKeyId(first: Uint8Array): string | undefined {
  if (first.length < 2 || first[0] !== STREAM_VERSION || first.length < 2 + first[1]!) return undefined;
  return Buffer.from(first.subarray(2, 2 + first[1]!)).toString('latin1');
}

/**
 * Decrypts a stream made by `sealStream` with the same `aad`, under the key its header
 * names. Emits only authenticated plaintext; errors with GW_AT_REST_INTEGRITY on any
 * alteration, reordering, truncation or trailing data, and with GW_AT_REST_KEY_UNKNOWN when
 * the ring lacks the named key.
 * `maxChunkBytes` bounds what one record may claim, so a corrupted length cannot make the
 * reader buffer gigabytes.
 */
export function openStream(ring: KeyRing, aad: Aad, maxChunkBytes = 16 * 1024 * 1024): Transform {
  let buf: Buffer = Buffer.alloc(0);
  let keyId = '?';
  let key: KeyObject | undefined;
  let prefix: Buffer | undefined;
  let index = 0;
  let finished = false;
  const fail = (why: string) => new GatewayError('GW_AT_REST_INTEGRITY', `A stream sealed under at-rest key "${keyId.slice(0, 64)}" does not open: ${why}.`);
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      try {
        if (prefix === undefined || key === undefined) {
          if (buf.length >= 1 && buf[0] !== STREAM_VERSION) throw fail(`unknown stream version 0x${buf[0]!.toString(16).padStart(2, '0')}`);
          const id = streamKeyId(buf);
          if (id === undefined || buf.length < 2 + id.length + PREFIX_BYTES) return done();
          keyId = id;
          key = ring.keyFor(keyId);
          prefix = Buffer.from(buf.subarray(2 + id.length, 2 + id.length + PREFIX_BYTES));
          buf = buf.subarray(2 + id.length + PREFIX_BYTES);
        }
        while (buf.length >= 4) {
          if (finished) throw fail('data after the final record');
          const head = buf.readUInt32BE(0);
          const final = (head & FINAL) !== 0;
          const length = head & MAX_CHUNK_BYTES;
          if (length > maxChunkBytes) throw fail(`record ${index} claims ${length} bytes, more than the ${maxChunkBytes} allowed`);
          if (buf.length < 4 + length + TAG_BYTES) break;
          const decipher = createDecipheriv('aes-256-gcm', key, recordIv(prefix, index), { authTagLength: TAG_BYTES });
          decipher.setAAD(recordAad(keyId, aad, index, final));
          decipher.setAuthTag(buf.subarray(4 + length, 4 + length + TAG_BYTES));
          let plain: Buffer;
          try {
            plain = Buffer.concat([decipher.update(buf.subarray(4, 4 + length)), decipher.final()]);
          } catch {
            throw fail(`record ${index} failed authentication (altered, reordered, or another file's record)`);
          }
          buf = buf.subarray(4 + length + TAG_BYTES);
          index++;
          finished = final;
          if (plain.length > 0) this.push(plain);
        }
        if (finished && buf.length > 0) throw fail('data after the final record');
        done();
      } catch (err) {
        done(err as Error);
      }
    },
    flush(done: TransformCallback) {
      if (!finished || buf.length > 0) return done(fail(finished ? 'data after the final record' : 'the stream ends before its final record (truncated)'));
      done();
    },
  });
}
