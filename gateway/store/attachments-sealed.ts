import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { attachmentAad, type KeyRing } from '../crypto/at-rest.js';
import { openStream, sealStream, STREAM_VERSION } from '../crypto/at-rest-stream.js';
import { GatewayError } from '../errors.js';
import { PRIVATE_FILE_MODE } from './private-files.js';

/**
 * Encryption at rest of attachment files (ADR 0009). The file format is the sealed stream of
 * at-rest-stream.ts, bound to the content address (`attachmentAad(sha512)`). The address
 * is known only after the last byte, so an upload is sealed twice: first to a `.part`
 * file bound to a random upload id while hashing, then — only when the content is new —
 * re-sealed from that file to its content address. Plaintext never touches the disk.
 */

/** Where the bytes of an upload go: written in order, ended once, or aborted. */
export interface UploadSink {
  write(bytes: Buffer): Promise<void>;
  end(): Promise<void>;
  abort(): void;
}

/** A sink writing plaintext straight to the file (no at-rest keys). */
export function plainSink(file: FileHandle): UploadSink {
  return { write: async (b) => void (await file.write(b)), end: async () => undefined, abort: () => undefined };
}

/** A sink sealing to the file under a fresh upload id; returns it with the aad used. */
export function sealedSink(file: FileHandle, ring: KeyRing): { sink: UploadSink; aad: string } {
  const aad = `attachment-upload:${randomBytes(16).toString('hex')}`;
  const { stream } = sealStream(ring, aad);
  const writer = (async () => {
    for await (const chunk of stream as AsyncIterable<Buffer>) await file.write(chunk);
  })();
  writer.catch(() => undefined); // observed through write()/end()
  return {
    aad,
    sink: {
      async write(bytes) {
        if (!stream.write(bytes)) await Promise.race([once(stream, 'drain'), writer]);
      },
      async end() {
        stream.end();
        await writer;
      },
      abort: () => stream.destroy(),
    },
  };
}

/** Re-seals `from` (sealed under `fromAad`) to `to`, bound to the content address; fsyncs `to`. */
export async function resealToAddress(ring: KeyRing, from: string, fromAad: string, to: string, sha512: string): Promise<void> {
  await pipeline(createReadStream(from), openStream(ring, fromAad), sealStream(ring, attachmentAad(sha512)).stream, createWriteStream(to, { flags: 'wx', mode: PRIVATE_FILE_MODE }));
  const handle = await open(to, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** A stream of the plaintext of a sealed attachment file; errors like the file (ENOENT) or GW_AT_REST_*. */
export function openSealed(ring: KeyRing, path: string, sha512: string): Readable {
  const out = openStream(ring, attachmentAad(sha512));
  const src = createReadStream(path);
  src.on('error', (err) => out.destroy(err));
  return src.pipe(out);
}

/**
 * The plaintext size of a sealed file, from its length and its first record header
 * (every record but the final one carries exactly one chunk; each adds 20 bytes).
 * Throws GW_AT_REST_INTEGRITY when the file is no sealed stream.
 */
export async function sealedSize(path: string): Promise<number> {
  const handle = await open(path, 'r');
  try {
    const fileSize = (await handle.stat()).size;
    const head = Buffer.alloc(2 + 255 + 8 + 4);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const bad = () => new GatewayError('GW_AT_REST_INTEGRITY', 'An attachment file is not a sealed stream.');
    if (bytesRead < 2 || head[0] !== STREAM_VERSION) throw bad();
    const start = 2 + head[1]! + 8;
    if (bytesRead < start + 4) throw bad();
    const first = head.readUInt32BE(start);
    const length = first & 0x7fff_ffff;
    if ((first & 0x8000_0000) !== 0) return length;
    const body = fileSize - start;
    const full = Math.floor(body / (length + 20));
    const rest = body - full * (length + 20);
    return rest === 0 ? full * length : full * length + rest - 20;
  } finally {
    await handle.close();
  }
}
