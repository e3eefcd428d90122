import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import type { KeyRing } from '../crypto/at-rest.js';
import { GatewayError } from '../errors.js';
import { ensurePrivateDirAsync, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from './private-files.js';
import type { UploadLedger } from './contracts.js';
import { openSealed, plainSink, resealToAddress, sealedSink, sealedSize } from './attachments-sealed.js';

/**
 * Content-addressed storage of attachment bytes, outside the database: each content is
 * stored once under its sha512, whoever sends it how often. Messages refer to it by
 * `AttachmentRef.sha512`.
 */
export interface AttachmentStore {
  /**
   * Streams `source` to storage (never holding it in memory) and returns its hex sha512
   * and size. Resolves only when the bytes are fsync'd under their content address.
   * Throws GW_PAYLOAD_TOO_LARGE as soon as more than `maxBytes` arrive: nothing is kept,
   * and the source is left as it is (not destroyed, not drained) so an HTTP handler can
   * still answer 413 and decide to drain or close. Errors of the source are passed on
   * (nothing is kept either). `uploader` (a kennung, or LOCAL_UPLOADER) is recorded by
   * stores that keep uploaders (withUploaders) once the bytes are stored.
   */
  putStream(source: NodeJS.ReadableStream | Readable, opts: { maxBytes: number; uploader?: string }): Promise<{ sha512: string; size: number }>;
  /** Whether `uploader` uploaded the bytes `sha512`; always false for a store that keeps no uploaders. */
  uploadedBy(sha512: string, uploader: string): Promise<boolean>;
  /** The stored bytes. A well-formed but unknown hash gives a stream that errors with ENOENT; a malformed one throws GW_NOT_FOUND. */
  open(sha512: string): Readable;
  has(sha512: string): Promise<boolean>;
  /** Size in bytes of stored content (to build an AttachmentRef for an earlier upload). Throws GW_NOT_FOUND when unknown. */
  size(sha512: string): Promise<number>;
  /**
   * Deletes the content (retention, ADR 0013). Called only for a hash that no message with
   * a payload refers to any more, since content is shared. Resolves true when a file went,
   * false when there was none (idempotent); the folder is fsync'd.
   */
  remove(sha512: string): Promise<boolean>;
}

const SHA512_HEX = /^[0-9a-f]{128}$/;

/**
 * Files under `<root>/<first two hex digits>/<sha512>`, where the gateway passes
 * `<dataDir>/attachments` as root. A put writes `<root>/.<random>.part` (same file system,
 * so the final rename is atomic), hashing while writing, fsyncs it, renames it to its
 * content address and fsyncs that folder: a reader never sees a partial file under a
 * final name. `.part` files left by a crash are garbage, never referenced.
 * With an at-rest key ring the files are sealed (attachments-sealed.ts); the sha512 and
 * size are always those of the plaintext.
 */
export class FsAttachmentStore implements AttachmentStore {
  constructor(
    readonly root: string,
    private readonly ring?: KeyRing,
  ) {}

  async putStream(source: NodeJS.ReadableStream | Readable, { maxBytes }: { maxBytes: number }): Promise<{ sha512: string; size: number }> {
    // Listen before the first await: a source failing meanwhile (client gone) must reject
    // this call, not become an uncaught 'error' event.
    let sourceError: unknown;
    const onError = (err: unknown) => (sourceError ??= err);
    source.on('error', onError);
    try {
      await ensurePrivateDirAsync(this.root);
      const tmp = join(this.root, `.${randomBytes(12).toString('hex')}.part`);
      const file = await open(tmp, 'wx', PRIVATE_FILE_MODE);
      let kept = false;
      let resealed: string | undefined;
      const sealed = this.ring === undefined ? undefined : sealedSink(file, this.ring);
      const sink = sealed?.sink ?? plainSink(file);
      try {
        const hash = createHash('sha512');
        let size = 0;
        try {
          for await (const chunk of chunksOf(source)) {
            const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
            size += bytes.length;
            if (size > maxBytes) {
              throw new GatewayError('GW_PAYLOAD_TOO_LARGE', `The attachment exceeds the limit of ${maxBytes} bytes.`, {
                extra: { maxBytes },
              });
            }
            hash.update(bytes);
            await sink.write(bytes);
          }
          if (sourceError !== undefined) throw sourceError;
          await sink.end();
          await file.sync();
        } catch (err) {
          sink.abort();
          throw err;
        } finally {
          await file.close();
        }
        const sha512 = hash.digest('hex');
        const target = this.pathOf(sha512);
        if (await exists(target)) return { sha512, size };
        const dir = dirname(target);
        await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
        let ready = tmp;
        if (sealed !== undefined) {
          resealed = `${tmp}.sealed`;
          await resealToAddress(this.ring!, tmp, sealed.aad, resealed, sha512);
          ready = resealed;
        }
        await rename(ready, target);
        kept = ready === tmp;
        await fsyncDirectory(dir);
        return { sha512, size };
      } finally {
        if (!kept) await unlink(tmp).catch(ignoreMissing);
        if (resealed !== undefined) await unlink(resealed).catch(ignoreMissing);
      }
    } finally {
      source.removeListener('error', onError);
    }
  }

  async uploadedBy(): Promise<boolean> {
    return false;
  }

  open(sha512: string): Readable {
    if (!SHA512_HEX.test(sha512)) throw new GatewayError('GW_NOT_FOUND', 'No attachment has this hash.');
    if (this.ring !== undefined) return openSealed(this.ring, this.pathOf(sha512), sha512);
    return createReadStream(this.pathOf(sha512));
  }

  async has(sha512: string): Promise<boolean> {
    return SHA512_HEX.test(sha512) && (await exists(this.pathOf(sha512)));
  }

  async size(sha512: string): Promise<number> {
    const notFound = () => new GatewayError('GW_NOT_FOUND', 'No attachment has this hash.');
    if (!SHA512_HEX.test(sha512)) throw notFound();
    try {
      if (this.ring !== undefined) return await sealedSize(this.pathOf(sha512));
      return (await stat(this.pathOf(sha512))).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw notFound();
      throw err;
    }
  }

  async remove(sha512: string): Promise<boolean> {
    if (!SHA512_HEX.test(sha512)) return false;
    const path = this.pathOf(sha512);
    try {
      await unlink(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
    await fsyncDirectory(dirname(path));
    return true;
  }

  /** `<root>/ab/<sha512>`: two hex digits spread files over 256 folders. */
  private pathOf(sha512: string): string {
    return join(this.root, sha512.slice(0, 2), sha512);
  }
}

/** The uploader recorded for uploads of the local admin of `auth.mode: off` (no participant). */
export const LOCAL_UPLOADER = 'local';

/**
 * An attachment store that also records who uploaded which bytes in the message store
 * (table attachment_uploads): identical bytes are stored once, but each uploader is kept,
 * so a reference is bound to its uploaders (docs/security.md).
 */
export function withUploaders(inner: AttachmentStore, uploads: UploadLedger): AttachmentStore {
  return {
    putStream: async (source, opts) => {
      const stored = await inner.putStream(source, opts);
      if (opts.uploader !== undefined) await uploads.recordUpload(stored.sha512, opts.uploader);
      return stored;
    },
    uploadedBy: (sha512, uploader) => uploads.uploadedBy(sha512, uploader),
    open: (sha512) => inner.open(sha512),
    has: (sha512) => inner.has(sha512),
    size: (sha512) => inner.size(sha512),
    remove: (sha512) => inner.remove(sha512),
  };
}

/** The attachment store of a gateway data folder: `<dataDir>/attachments/ab/<sha512>`. */
export function createFsAttachmentStore(dataDir: string, ring?: KeyRing): AttachmentStore {
  return new FsAttachmentStore(join(dataDir, 'attachments'), ring);
}

/**
 * Iterates a stream without destroying it when we stop early (over the limit): for an
 * HTTP request that would close the socket before the 413 answer could be sent.
 */
function chunksOf(source: NodeJS.ReadableStream | Readable): AsyncIterable<Buffer | string> {
  if ('iterator' in source && typeof source.iterator === 'function') return source.iterator({ destroyOnReturn: false });
  return source as AsyncIterable<Buffer | string>;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

function ignoreMissing(err: unknown): void {
  if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
}

async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
