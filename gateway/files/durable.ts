import { constants } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Durable file writes, shared by the pull agent (targets, answers, status) and the filedrop
 * connector's local file system: the data is fsync'd before the promise resolves, and a
 * rename becomes durable only with an fsync of its folder (syncDirectory).
 */

/** Flags of a write that must not replace or follow anything: the file is created, never opened if it exists, never through a symlink. */
export const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * Opens `file` with `flags` (`'w'` or CREATE_NEW …), writes `data`, fsyncs and closes it. Rejects
 * with the errno error of open, write or fsync (EEXIST for CREATE_NEW on an existing file); a
 * failed write leaves what was written for the caller to remove.
 */
export async function writeSynced(file: string, data: string | Uint8Array, flags: string | number, mode: number): Promise<void> {
  const fh = await open(file, flags, mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Writes `data` to `file` so that a reader sees the old file or the whole new one, never a
 * part, and the result survives a crash once the promise resolves: `.<name>.part` beside it,
 * fsync, rename, fsync of the folder. A failed write removes its `.part` file.
 */
export async function writeFileDurably(file: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const dir = dirname(file);
  const part = join(dir, `.${basename(file)}.part`);
  try {
    await writeSynced(part, data, 'w', mode);
  } catch (err) {
    await rm(part, { force: true }).catch(() => undefined);
    throw err;
  }
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

/** Fsyncs a folder, so that the names created, renamed or removed in it survive a crash. */
export async function syncDirectory(dir: string): Promise<void> {
  const dh = await open(dir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}
