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

/**
 * Calls `attempt` until it resolves or `signal` is aborted, waiting `backoffDelay(policy, n)` after
 * the n-th failure (each told to `onFailure` first; the wait ends early on abort). Used for an
 * endpoint's connect and an inbound channel's start. Resolves the number of the attempt that
 * succeeded, or undefined when aborted before one did.
 */
export async function retryWithBackoff(policy: BackoffPolicy, signal: AbortSignal, attempt: () => Promise<void>, onFailure: (err: unknown, attempt: number, delayMs: number) => void): Promise<number | undefined> {
  for (let n = 1; !signal.aborted; n++) {
    try {
      await attempt();
      return n;
    } catch (err) {
      const delay = backoffDelay(policy, n);
      onFailure(err, n, delay);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, delay);
        signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
      });
    }
  }
  return undefined;
}
