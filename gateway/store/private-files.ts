import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { chmod, mkdir, stat } from 'node:fs/promises';

/**
 * Permissions of everything the gateway writes into its data folder (ADR 0016): payloads,
 * attachments, the audit database and keys are readable by the gateway's own user only,
 * whatever the process umask says.
 */
export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/** A shared folder such as /tmp (sticky bit) is never narrowed: it is not the gateway's own. */
const STICKY = 0o1000;

/**
 * Creates `dir` (and missing parents) as 0700 and narrows an existing `dir` to 0700 —
 * unless it is a shared sticky folder (e.g. a database placed directly in /tmp).
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if ((statSync(dir).mode & STICKY) === 0) chmodSync(dir, PRIVATE_DIR_MODE);
}

/** ensurePrivateDir for async callers (attachment store). */
export async function ensurePrivateDirAsync(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (((await stat(dir)).mode & STICKY) === 0) await chmod(dir, PRIVATE_DIR_MODE);
}

/**
 * Called before better-sqlite3 opens `path`: creates the file as 0600 when missing, so the
 * `-wal` and `-shm` files SQLite creates later inherit that mode (SQLite copies the
 * database file's permissions to them).
 */
export function createPrivateFile(path: string): void {
  closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
}

/** Called after opening a SQLite database: narrows the database, `-wal` and `-shm` files that exist to 0600 (files of older versions). */
export function restrictSqliteFiles(path: string): void {
  for (const f of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) if (existsSync(f)) chmodSync(f, PRIVATE_FILE_MODE);
}
