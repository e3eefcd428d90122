import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `data` to `file` so that a reader sees the old file or the whole new one, never a
 * part, and the result survives a crash once the promise resolves: `.<name>.part` beside it,
 * fsync, rename, fsync of the folder. A failed write removes its `.part` file.
 */
export async function writeFileDurably(file: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const dir = dirname(file);
  const part = join(dir, `.${basename(file)}.part`);
  const fh = await open(part, 'w', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => undefined);
    await rm(part, { force: true }).catch(() => undefined);
    throw err;
  }
  await fh.close();
  await rename(part, file);
  await syncDirectory(dir);
}

/** Moves `from` into `toDir` (same file system) and makes the move durable in both folders. */
export async function moveDurably(from: string, toDir: string, name = basename(from)): Promise<string> {
  const to = join(toDir, name);
  await rename(from, to);
  await syncDirectory(toDir);
  await syncDirectory(dirname(from));
  return to;
}

async function syncDirectory(dir: string): Promise<void> {
  const dh = await open(dir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}
