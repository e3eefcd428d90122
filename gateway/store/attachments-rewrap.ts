import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { attachmentAad, type KeyRing } from '../crypto/at-rest.js';
import { openStream, sealStream, streamKeyId } from '../crypto/at-rest-stream.js';
import { syncDirectory } from '../files/durable.js';
import { PRIVATE_FILE_MODE } from './private-files.js';

/** What a pass over the attachment files found and did. */
export interface AttachmentRewrapResult {
  /** Files re-sealed under the active key. */
  rewrapped: number;
  /** Files already sealed under the active key. */
  current: number;
  /** Files that are no sealed stream (stored before at-rest keys were configured); left as they are. */
  clear: number;
}

const SHA512_HEX = /^[0-9a-f]{128}$/;

async function headerKeyId(path: string): Promise<string | undefined> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(2 + 255);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return streamKeyId(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/** Re-seals one file under the active key: decrypt → seal to a `.part` beside it, fsync, rename over it. */
async function resealInPlace(ring: KeyRing, dir: string, sha512: string): Promise<void> {
  const path = join(dir, sha512);
  const tmp = join(dir, `.${randomBytes(12).toString('hex')}.part`);
  try {
    const aad = attachmentAad(sha512);
    await pipeline(createReadStream(path), openStream(ring, aad), sealStream(ring, aad).stream, createWriteStream(tmp, { flags: 'wx', mode: PRIVATE_FILE_MODE }));
    const handle = await open(tmp, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
    await syncDirectory(dir);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/**
 * Re-seals every attachment file under `<root>/<xx>/<sha512>` whose key is not the ring's
 * active key (key rotation, ADR 0009; docs/operations.md). Safe while the gateway runs:
 * content-addressed files never change in place, the new file is written beside the old and
 * renamed over it, so a reader has either the old or the new file, both of which open while
 * the old key stays in the ring. A file that does not open (unknown key, altered) throws
 * GW_AT_REST_*; nothing else is changed after it.
 */
export async function rewrapAttachmentFiles(root: string, ring: KeyRing): Promise<AttachmentRewrapResult> {
  const result: AttachmentRewrapResult = { rewrapped: 0, current: 0, clear: 0 };
  const shards = await readdir(root, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? [] : Promise.reject(err)));
  for (const shard of shards.filter((d) => d.isDirectory() && /^[0-9a-f]{2}$/.test(d.name))) {
    const dir = join(root, shard.name);
    for (const name of (await readdir(dir)).filter((n) => SHA512_HEX.test(n))) {
      const keyId = await headerKeyId(join(dir, name));
      if (keyId === undefined) result.clear += 1;
      else if (keyId === ring.activeKeyId) result.current += 1;
      else {
        await resealInPlace(ring, dir, name);
        result.rewrapped += 1;
      }
    }
  }
  return result;
}
