export interface BackoffPolicy {
  initialMs: number;
  multiplier: number;
  maxMs: number;
  /** ±fraction of random spread. */
  jitter: number;
}

/**
 * Delay before attempt `attempt + 1`, after `attempt` failed attempts (attempt ≥ 1):
 * exponential, capped, with jitter. A peer's Retry-After wins when it asks for longer.
 */
export function backoffDelay(p: BackoffPolicy, attempt: number, retryAfterMs?: number, random: () => number = Math.random): number {
  const base = Math.min(p.maxMs, p.initialMs * p.multiplier ** Math.max(0, attempt - 1));
  const spread = base * p.jitter * (random() * 2 - 1);
  const delay = Math.max(0, Math.round(base + spread));
  return retryAfterMs !== undefined && retryAfterMs > delay ? Math.min(retryAfterMs, p.maxMs * 4) : delay;
}
