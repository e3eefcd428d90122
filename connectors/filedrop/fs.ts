import { NotConnectedError, PermanentError, RetryableError } from '../errors.js';

/**
 * The few file operations the file connector needs, over a local directory (fs-local.ts) or an
 * SFTP server (fs-sftp.ts). Paths are relative to the connector's `dir`, one or two names deep
 * (`name`, `processed/name`); the implementation joins them to the base. Errors carry a
 * Node-style `code` (`ENOENT`, `EEXIST`, `EACCES`, `ENOSPC`, …); SFTP adds `EFAILURE` (the
 * server's unspecific "failure") and `ECONNLOST` (the SSH connection is gone).
 */
export interface DropFs {
  /** `file:///srv/drop` or `sftp://user@host:22/srv/drop`: for logs and health, never with a secret. */
  readonly where: string;
  /** True when written files reach stable storage before `writeNew` resolves (local fsync, SFTP fsync@openssh.com). */
  readonly durableWrites: boolean;
  /** Opens the connection (SFTP) and checks that the base directory exists; idempotent while connected. */
  connect(): Promise<void>;
  /** The entries of a directory as `lstat` sees them: a symlink is a symlink, never what it points to. */
  list(dir: string): Promise<DropEntry[]>;
  /** `lstat` of one path; `undefined` when it does not exist. */
  stat(path: string): Promise<DropEntry | undefined>;
  /** Creates `path` exclusively (fails with EEXIST), writes `data`, flushes it to stable storage where possible, closes. */
  writeNew(path: string, data: Buffer): Promise<void>;
  /** Renames without ever replacing: fails with code EEXIST when `to` exists. */
  renameNoReplace(from: string, to: string): Promise<void>;
  /** Reads a regular file (never through a symlink where the transport allows) in chunks; fails with `EFBIG` past `maxBytes`. */
  read(path: string, maxBytes: number, onChunk: (chunk: Buffer) => void): Promise<void>;
  /** Removes a file; a missing file is not an error. */
  remove(path: string): Promise<void>;
  /** Creates a directory; an existing one is not an error. */
  mkdir(path: string): Promise<void>;
  /** Makes the renames in `dir` durable (local directory fsync; a no-op over SFTP, which has no such request). */
  syncDir(dir: string): Promise<void>;
  /** Closes the connection; the next `connect()` opens a new one. */
  close(): Promise<void>;
}

export interface DropEntry {
  name: string;
  kind: 'file' | 'dir' | 'symlink' | 'other';
  size: number;
}

/** An error with a Node-style code, as every DropFs implementation throws them. */
export function fsError(code: string, message: string, cause?: unknown): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${message}`, cause === undefined ? undefined : { cause }), { code });
}

export function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : '';
}

/** Reads a whole file of at most `maxBytes` into one buffer. */
export async function readAll(fs: DropFs, path: string, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await fs.read(path, maxBytes, (c) => chunks.push(c));
  return Buffer.concat(chunks);
}

const GONE = new Set(['ENOENT', 'ENOTDIR']);
const NETWORK = new Set(['ECONNLOST', 'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
const DENIED = new Set(['EACCES', 'EPERM', 'EROFS']);
const NEVER_FITS = new Set(['ENAMETOOLONG', 'EFBIG']);
const FULL = new Set(['ENOSPC', 'EDQUOT']);

/**
 * The contract's error for a failed write (connectors/README.md):
 * - the directory gone (ENOENT, ENOTDIR: a share not mounted) → NotConnectedError (reconnect, no attempt counted);
 * - the connection lost or unreachable → RetryableError ("network");
 * - permission denied or a read-only file system → PermanentError (an operator must act; replay from `dead`);
 * - a name or size the file system can never take → PermanentError;
 * - disk full or quota exceeded → RetryableError with "disk full" in the detail;
 * - anything else (EIO, EFAILURE, a directory in the way) → RetryableError.
 * The message names the place and the code, never file contents.
 */
export function writeError(where: string, err: unknown): Error {
  const code = errorCode(err);
  const text = `file drop ${where}: ${code || (err instanceof Error ? err.message : String(err))}`;
  if (GONE.has(code)) return new NotConnectedError(`${text}: the drop directory is missing`, { cause: err });
  if (NETWORK.has(code)) return new RetryableError(`${text}: network, connection lost`, { cause: err, retryAfterMs: 1000 });
  if (DENIED.has(code)) return new PermanentError(`${text}: permission denied`, { cause: err });
  if (NEVER_FITS.has(code)) return new PermanentError(`${text}: the file system cannot take this file`, { cause: err });
  if (FULL.has(code)) return new RetryableError(`${text}: disk full or quota exceeded at the receiver`, { cause: err, retryAfterMs: 30_000 });
  if (code === 'EFAILURE') return new RetryableError(`${text}: the SFTP server reported a failure without a reason (disk full, quota, lock …)`, { cause: err, retryAfterMs: 5000 });
  return new RetryableError(`${text}: write failed`, { cause: err, retryAfterMs: 1000 });
}

/** True for errors that mean the transport itself is gone (the connector goes `down`). */
export function isTransportLoss(err: unknown): boolean {
  const code = errorCode(err);
  return GONE.has(code) || NETWORK.has(code);
}
