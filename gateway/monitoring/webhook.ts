import type { Logger } from 'pino';
import type { MonitoringConfig } from '../config/schema.js';
import type { Alert, AlertSink } from './alerts.js';

/** The JSON body of one webhook POST (docs/metrics.md "Alert webhook"). */
export interface AlertEvent {
  version: 1;
  source: 'zsa-gateway';
  /** The gateway instance's base URL or host, so several instances can be told apart. */
  instance: string;
  status: Alert['status'];
  alert: Alert;
  sentAt: string;
}

/** Most events waiting for the webhook; beyond it the oldest are dropped (and logged), so a dead receiver cannot grow memory. */
const MAX_QUEUE = 1000;

/**
 * Sends alert events to `monitoring.webhook.url`, one at a time and in the order they were
 * raised (a `resolved` never overtakes its `firing`). Each event is POSTed up to
 * `maxAttempts` times: a 2xx answer is success; a non-2xx answer, timeout or network error
 * is retried after 1 s, 2 s, 4 s, …; after the last attempt the event is logged as
 * undelivered (rule and subject only) and the next one goes. `raise` never throws.
 */
export class AlertWebhook implements AlertSink {
  private readonly queue: Alert[] = [];
  private draining: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly hook: NonNullable<MonitoringConfig['webhook']>,
    private readonly instance: () => string,
    private readonly log: Pick<Logger, 'warn' | 'error'>,
    private readonly opts: { retryBaseMs?: number; env?: NodeJS.ProcessEnv } = {},
  ) {}

  raise(alert: Alert): void {
    if (this.closed) return;
    this.queue.push(alert);
    if (this.queue.length > MAX_QUEUE) {
      const dropped = this.queue.shift()!;
      this.log.error({ alert: dropped.rule, subject: dropped.subject, status: dropped.status }, 'alert webhook queue full: oldest event dropped');
    }
    this.draining ??= this.drainLoop().finally(() => (this.draining = null));
  }

  /** Resolves when every event raised so far was sent or given up (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.draining !== null) await this.draining;
  }

  /** Stops taking events and waits for the one being sent; events still queued are logged as not sent. */
  async close(): Promise<void> {
    this.closed = true;
    const left = this.queue.splice(0);
    for (const a of left) this.log.warn({ alert: a.rule, subject: a.subject, status: a.status }, 'alert event not sent: gateway stopping');
    await this.idle();
  }

  private async drainLoop(): Promise<void> {
    for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) await this.send(next);
  }

  private async send(alert: Alert): Promise<void> {
    const body = JSON.stringify({ version: 1, source: 'zsa-gateway', instance: this.instance(), status: alert.status, alert, sentAt: new Date().toISOString() } satisfies AlertEvent);
    const token = this.hook.bearerTokenEnv === undefined ? undefined : (this.opts.env ?? process.env)[this.hook.bearerTokenEnv];
    const headers: Record<string, string> = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
    const base = this.opts.retryBaseMs ?? 1000;
    let why = '';
    for (let attempt = 1; attempt <= this.hook.maxAttempts; attempt++) {
      try {
        const res = await fetch(this.hook.url, { method: 'POST', headers, body, redirect: 'error', signal: AbortSignal.timeout(this.hook.timeoutMs) });
        await res.body?.cancel();
        if (res.ok) return;
        why = `HTTP ${res.status}`;
      } catch (err) {
        why = err instanceof Error ? err.name : 'error';
      }
      if (attempt < this.hook.maxAttempts && !this.closed) await new Promise((r) => setTimeout(r, base * 2 ** (attempt - 1)));
      else if (this.closed) break;
    }
    this.log.error({ alert: alert.rule, subject: alert.subject, status: alert.status, reason: why, attempts: this.hook.maxAttempts }, 'alert event could not be delivered to the webhook');
  }
}
