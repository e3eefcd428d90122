export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * Per-endpoint circuit breaker. After `failureThreshold` consecutive failures the circuit
 * opens: nothing is sent for `cooldownMs`; then one trial delivery (half-open) decides
 * whether it closes again or stays open for another cooldown.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private trialInFlight = false;
  private current: BreakerState = 'closed';

  constructor(
    private readonly failureThreshold: number,
    private readonly cooldownMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): BreakerState {
    if (this.current === 'open' && this.now() - this.openedAt >= this.cooldownMs) this.current = 'half-open';
    return this.current;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  /** How many deliveries may start now, given `free` slots. */
  allowance(free: number): number {
    const s = this.state;
    if (s === 'closed') return free;
    if (s === 'half-open' && !this.trialInFlight) return Math.min(1, free);
    return 0;
  }

  /** Called when a delivery starts (marks the half-open trial). */
  started(): void {
    if (this.state === 'half-open') this.trialInFlight = true;
  }

  success(): void {
    this.failures = 0;
    this.trialInFlight = false;
    this.current = 'closed';
  }

  failure(): void {
    this.failures += 1;
    const wasTrial = this.trialInFlight;
    this.trialInFlight = false;
    if (wasTrial || this.failures >= this.failureThreshold) {
      this.current = 'open';
      this.openedAt = this.now();
    }
  }

  /** A delivery ended without a verdict on the peer (released, aborted). */
  neutral(): void {
    this.trialInFlight = false;
  }
}
