import { GatewayError } from '../errors.js';

/** Error codes that mean "no space left" from SQLite (`SQLITE_FULL`) and the file system. */
const FULL_CODES: ReadonlySet<string> = new Set(['SQLITE_FULL', 'ENOSPC', 'EDQUOT']);

/** Seconds a client is told to wait: long enough for an operator's alert, short enough to resume soon after space returns. */
export const STORAGE_FULL_RETRY_AFTER_SECONDS = 30;

function fullCode(err: unknown, depth = 0): string | undefined {
  if (err === null || typeof err !== 'object' || depth > 4) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && FULL_CODES.has(code)) return code;
  return fullCode((err as { cause?: unknown }).cause, depth + 1);
}

/**
 * Called where an unexpected error is turned into an answer (the HTTP problem handler): when
 * it, or an error in its `cause` chain, says the disk is full, returns GW_STORAGE_FULL (507,
 * retryable, Retry-After) instead of GW_INTERNAL; otherwise undefined. SQLite rolls the
 * failed transaction back, so nothing half-written stays (test/fault/sqlite-disk-full.test.ts).
 */
export function storageFullError(err: unknown): GatewayError | undefined {
  if (err instanceof GatewayError) return undefined;
  const code = fullCode(err);
  if (code === undefined) return undefined;
  return new GatewayError('GW_STORAGE_FULL', `The gateway's storage is full (${code}); nothing of this request was stored. Try again later.`, {
    cause: err,
    extra: { retryAfterSeconds: STORAGE_FULL_RETRY_AFTER_SECONDS },
  });
}
