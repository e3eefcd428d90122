import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * FIT-Connect callbacks (webhooks), both halves (docs/fit-connect.md "Callbacks"):
 * the sender of a callback puts into `callback-authentication` the hex HMAC-SHA512, keyed
 * with the callback secret, of `<callback-timestamp>.<body>`, and into `callback-timestamp`
 * the Unix time in seconds. This file imports no gateway code: an EfA provider's or a
 * Fachverfahren's receiver uses `CallbackVerifier` as it is.
 */

export const CALLBACK_AUTH_HEADER = 'callback-authentication';
export const CALLBACK_TIMESTAMP_HEADER = 'callback-timestamp';
export const NEW_SUBMISSIONS_TYPE = 'https://schema.fitko.de/fit-connect/submission-api/callbacks/new-submissions';

/** The hex HMAC-SHA512 of `<timestamp>.<body>` with `secret` (UTF-8). */
export function callbackHmac(secret: string, timestamp: string, body: string): string {
  return createHmac('sha512', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}

export type CallbackVerdict = { ok: true; timestamp: number } | { ok: false; reason: 'missing' | 'malformed' | 'stale' | 'future' | 'hmac' | 'replay' };

export interface CallbackVerifierOptions {
  secret: string;
  /** Oldest accepted timestamp, seconds before now: FIT-Connect requires 5 minutes. */
  maxAgeSec?: number;
  /** How far in the future a timestamp may lie (clock skew); default 60 s. */
  futureSkewSec?: number;
  /** Clock in epoch ms (tests). */
  now?: () => number;
  /** Callbacks remembered for replay detection at most; the oldest is forgotten first. */
  maxRemembered?: number;
}

/**
 * Checks incoming callbacks, in this order: both headers present, the timestamp a Unix time
 * in seconds, not older than `maxAgeSec` (300) nor more than `futureSkewSec` ahead, the HMAC
 * equal in constant time, and the (timestamp, HMAC) pair not seen before within the
 * window. Only an authentic callback is remembered, so forged ones cannot fill the memory.
 * `body` must be the raw request body exactly as received.
 */
export class CallbackVerifier {
  private readonly seen = new Map<string, number>();
  private readonly secret: string;
  private readonly maxAge: number;
  private readonly skew: number;
  private readonly now: () => number;
  private readonly max: number;

  constructor(o: CallbackVerifierOptions) {
    if (typeof o.secret !== 'string' || o.secret.length === 0) throw new TypeError('CallbackVerifier needs the callback secret');
    this.secret = o.secret;
    this.maxAge = o.maxAgeSec ?? 300;
    this.skew = o.futureSkewSec ?? 60;
    this.now = o.now ?? Date.now;
    this.max = o.maxRemembered ?? 100_000;
  }

  verify(headers: Record<string, string | string[] | undefined>, body: string): CallbackVerdict {
    const auth = headers[CALLBACK_AUTH_HEADER];
    const ts = headers[CALLBACK_TIMESTAMP_HEADER];
    if (typeof auth !== 'string' || typeof ts !== 'string') return { ok: false, reason: 'missing' };
    if (!/^\d{1,12}$/.test(ts) || !/^[0-9a-fA-F]{128}$/.test(auth)) return { ok: false, reason: 'malformed' };
    const nowSec = Math.floor(this.now() / 1000);
    const t = Number(ts);
    if (nowSec - t > this.maxAge) return { ok: false, reason: 'stale' };
    if (t - nowSec > this.skew) return { ok: false, reason: 'future' };
    const expected = Buffer.from(callbackHmac(this.secret, ts, body), 'hex');
    if (!timingSafeEqual(expected, Buffer.from(auth, 'hex'))) return { ok: false, reason: 'hmac' };
    for (const [k, until] of this.seen) {
      if (until >= nowSec) break;
      this.seen.delete(k);
    }
    const key = `${t}.${auth.toLowerCase()}`;
    if (this.seen.has(key)) return { ok: false, reason: 'replay' };
    this.seen.set(key, t + this.maxAge);
    if (this.seen.size > this.max) this.seen.delete(this.seen.keys().next().value!);
    return { ok: true, timestamp: t };
  }
}
