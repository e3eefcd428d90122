/**
 * The three ways a connector reports a failed delivery. The outbox worker turns each
 * into a state transition; connectors never loop on retries themselves.
 */

/** Try again later (5xx, timeout, nack). Counts as an attempt. */
export class RetryableError extends Error {
  readonly retryAfterMs: number | undefined;
  constructor(message: string, opts: { retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'RetryableError';
    this.retryAfterMs = opts.retryAfterMs;
  }
}

/** The peer refused the message for good (4xx): straight to `dead`, the answer kept in `message`. */
export class PermanentError extends Error {
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'PermanentError';
  }
}

/** The connector has no connection now: reconnect, release the message, do not count an attempt. */
export class NotConnectedError extends Error {
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'NotConnectedError';
  }
}
