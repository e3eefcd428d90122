import type { Logger } from 'pino';
import type { ConnectorHealth, Egress } from '../../connectors/types.js';
import { CircuitBreaker, type BreakerState } from './breaker.js';
import { retryWithBackoff } from './backoff.js';

export interface EndpointStatus {
  id: string;
  connector: string;
  connected: boolean;
  health: ConnectorHealth;
  breaker: BreakerState;
  consecutiveFailures: number;
  inFlight: number;
  maxInFlight: number;
  /** ISO time the peer last accepted a delivery (or answered with a permanent refusal); null: not since start. */
  lastSuccessAt: string | null;
  /** ISO time of the last failed attempt (retryable error, timeout); null: not since start. */
  lastFailureAt: string | null;
}

const RECONNECT = { initialMs: 250, multiplier: 2, maxMs: 30_000, jitter: 0.2 };

/**
 * One configured endpoint at run time: its connector instance, concurrency, circuit
 * breaker and connection state. The worker asks it how many deliveries may start and
 * tells it when the connector reported it is not connected; reconnecting runs in the
 * background with backoff until it succeeds or the endpoint is closed.
 */
export class EndpointRuntime {
  inFlight = 0;
  /** Epoch ms of the last answer of the peer / the last failed attempt (metrics, alerts, status); null: none since start. */
  lastSuccessAt: number | null = null;
  lastFailureAt: number | null = null;
  private connected = false;
  private connecting: Promise<void> | null = null;
  private readonly closed = new AbortController();

  constructor(
    readonly id: string,
    readonly connector: string,
    readonly egress: Egress,
    readonly maxInFlight: number,
    readonly breaker: CircuitBreaker,
    private readonly log: Logger,
    private readonly onConnected: () => void,
  ) {}

  /**
   * Free delivery slots now (0 while disconnected or the circuit is open). A connector's
   * `health()` is for display only; it signals a lost connection by throwing
   * NotConnectedError from `deliver`, which calls `markDisconnected`.
   */
  capacity(): number {
    if (!this.connected) {
      this.ensureConnected();
      return 0;
    }
    return this.breaker.allowance(this.maxInFlight - this.inFlight);
  }

  markDisconnected(reason: string): void {
    if (this.connected) this.log.warn({ endpoint: this.id, reason }, 'endpoint disconnected');
    this.connected = false;
    this.ensureConnected();
  }

  /** Starts the background connect loop unless it runs already. */
  ensureConnected(): void {
    if (this.connected || this.connecting || this.closed.signal.aborted) return;
    this.connecting = this.connectLoop().finally(() => {
      this.connecting = null;
    });
  }

  private async connectLoop(): Promise<void> {
    const signal = this.closed.signal;
    const attempt = await retryWithBackoff(RECONNECT, signal, () => this.egress.connect(signal), (err, n, delay) =>
      this.log.warn({ endpoint: this.id, attempt: n, retryInMs: delay, err: err instanceof Error ? err.message : String(err) }, 'endpoint connect failed'),
    );
    if (attempt === undefined) return;
    this.connected = true;
    if (attempt > 1) this.log.info({ endpoint: this.id, attempt }, 'endpoint connected');
    this.onConnected();
  }

  status(): EndpointStatus {
    return {
      id: this.id,
      connector: this.connector,
      connected: this.connected,
      health: this.egress.health(),
      breaker: this.breaker.state,
      consecutiveFailures: this.breaker.consecutiveFailures,
      inFlight: this.inFlight,
      maxInFlight: this.maxInFlight,
      lastSuccessAt: this.lastSuccessAt === null ? null : new Date(this.lastSuccessAt).toISOString(),
      lastFailureAt: this.lastFailureAt === null ? null : new Date(this.lastFailureAt).toISOString(),
    };
  }

  /** Stops reconnecting and closes the connector. Idempotent. */
  async close(): Promise<void> {
    this.closed.abort();
    this.connected = false;
    await this.egress.close();
  }
}
