/**
 * Failed-attempt limits with temporary lockout, in memory, per key (ADR 0016). Used by
 * `POST /token` with two keys per request: the client id presented and the caller's
 * address. Each key has a sliding window of failure times; `maxFailures` failures within
 * `windowMs` lock the key for `lockoutMs`, doubled with each further lockout of the same
 * key (capped at `maxLockoutMs`) until the key has been quiet for `forgetAfterMs`.
 *
 * Memory is bounded: at most `maxKeys` keys are tracked; the one touched least recently is
 * dropped first. Unknown client ids are tracked like known ones, so a lockout never tells
 * whether a client id exists.
 */

export interface LimitRule {
  /** Failures within the window that lock the key. */
  maxFailures: number;
}

export interface AttemptLimiterOptions {
  windowMs: number;
  lockoutMs: number;
  maxLockoutMs: number;
  /** After this long without a failure, a key's lockout count starts again at zero. */
  forgetAfterMs: number;
  maxKeys: number;
  /** Epoch ms; injectable so tests can move time. */
  now?: () => number;
}

interface KeyState {
  /** Failure times within the window, oldest first (never more than maxFailures). */
  failures: number[];
  /** Attempts begun and not yet settled. */
  inFlight: number;
  lockedUntil: number;
  lockouts: number;
  lastFailure: number;
}

export type AttemptVerdict =
  | { ok: true; attempt: Attempt }
  /** `key`: which of the keys refused; `retryAfterMs`: until the lockout ends (at least 1 s for a crowd in flight). */
  | { ok: false; key: string; retryAfterMs: number; reason: 'locked' | 'in-flight' };

/** One begun attempt; settle it exactly once. */
export interface Attempt {
  /** The secret was right: the in-flight mark goes, and the failures of the keys in `reset` are forgotten. */
  succeeded(reset?: readonly string[]): void;
  /** The secret was wrong: counts a failure on every key; returns the keys this failure locked. */
  failed(): Array<{ key: string; lockedForMs: number }>;
}

export class AttemptLimiter {
  private readonly keys = new Map<string, KeyState>();
  private readonly now: () => number;

  constructor(private readonly o: AttemptLimiterOptions) {
    this.now = o.now ?? Date.now;
  }

  /**
   * Called before the (expensive) secret check. Refuses when any key is locked, or when its
   * failures plus the attempts in flight already reach its limit (a burst of parallel
   * guesses must not all pass before the first failure is counted).
   */
  begin(keys: ReadonlyArray<readonly [key: string, rule: LimitRule]>): AttemptVerdict {
    const now = this.now();
    const states = keys.map(([key, rule]) => [key, rule, this.touch(key, now)] as const);
    for (const [key, , s] of states) {
      if (s.lockedUntil > now) return { ok: false, key, retryAfterMs: s.lockedUntil - now, reason: 'locked' };
    }
    for (const [key, rule, s] of states) {
      if (s.failures.length + s.inFlight >= rule.maxFailures) return { ok: false, key, retryAfterMs: 1000, reason: 'in-flight' };
    }
    for (const [, , s] of states) s.inFlight++;
    let settled = false;
    const settle = (): void => {
      if (settled) throw new Error('attempt settled twice');
      settled = true;
      for (const [key] of keys) {
        const s = this.keys.get(key);
        if (s && s.inFlight > 0) s.inFlight--;
      }
    };
    return {
      ok: true,
      attempt: {
        succeeded: (reset = []) => {
          settle();
          for (const key of reset) {
            const s = this.keys.get(key);
            if (s) s.failures = [];
          }
        },
        failed: () => {
          settle();
          const at = this.now();
          const locked: Array<{ key: string; lockedForMs: number }> = [];
          for (const [key, rule] of keys) {
            const s = this.touch(key, at);
            s.failures.push(at);
            s.lastFailure = at;
            if (s.failures.length >= rule.maxFailures) {
              const lockedForMs = Math.min(this.o.lockoutMs * 2 ** s.lockouts, this.o.maxLockoutMs);
              s.lockouts++;
              s.lockedUntil = at + lockedForMs;
              s.failures = [];
              locked.push({ key, lockedForMs });
            }
          }
          return locked;
        },
      },
    };
  }

  /** Number of keys tracked (for tests and metrics). */
  get size(): number {
    return this.keys.size;
  }

  /** The state of `key`, moved to the most recently used end; expired failures dropped. Evicts the oldest keys over maxKeys. */
  private touch(key: string, now: number): KeyState {
    let s = this.keys.get(key);
    if (s) this.keys.delete(key);
    else s = { failures: [], inFlight: 0, lockedUntil: 0, lockouts: 0, lastFailure: 0 };
    this.keys.set(key, s);
    while (s.failures.length > 0 && s.failures[0]! <= now - this.o.windowMs) s.failures.shift();
    if (s.lockouts > 0 && s.lockedUntil <= now && now - Math.max(s.lastFailure, s.lockedUntil) >= this.o.forgetAfterMs) s.lockouts = 0;
    for (const oldest of this.keys.keys()) {
      if (this.keys.size <= this.o.maxKeys) break;
      if (oldest === key) continue;
      this.keys.delete(oldest);
    }
    return s;
  }
}
