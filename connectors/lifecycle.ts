import type { ConnectorHealth } from './types.js';

/**
 * The bookkeeping every egress without a network connection of its own shares (pull mailbox,
 * file drop): the health with the time of its last change, the deliveries still running, and
 * a close() that lets them finish and returns the same promise on every call.
 */
export class EgressLifecycle {
  connected = false;
  private health_: ConnectorHealth = { status: 'connecting', detail: 'not connected yet', since: new Date().toISOString() };
  private closed: Promise<void> | undefined;
  private readonly running = new Set<Promise<unknown>>();

  /** True once close() was called. */
  get closing(): boolean {
    return this.closed !== undefined;
  }

  health(): ConnectorHealth {
    return this.health_;
  }

  setStatus(status: ConnectorHealth['status'], detail?: string): void {
    this.health_ = detail === undefined ? { status, since: new Date().toISOString() } : { status, detail, since: new Date().toISOString() };
  }

  /** Counts `p` as running until it settles (close() waits for it); returns `p`. */
  track<T>(p: Promise<T>): Promise<T> {
    this.running.add(p);
    void p.catch(() => undefined).finally(() => this.running.delete(p));
    return p;
  }

  /** Lets running deliveries settle, then reports `closed`; the same promise on every call. */
  close(): Promise<void> {
    this.closed ??= Promise.allSettled([...this.running]).then(() => {
      this.connected = false;
      this.setStatus('closed');
    });
    return this.closed;
  }
}
