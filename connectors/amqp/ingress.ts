import { z } from 'zod';
import type { ConnectorHealth, Ingress, IngressContext } from '../types.js';
import { brokerTlsSchema, brokerUrlSchema } from './config.js';
import { consumeReplies, type ReplyConsumer } from './consumer.js';

export const amqpIngressConfigSchema = z
  .object({
    url: brokerUrlSchema,
    queue: z.string().min(1).max(255).describe('Existing durable queue to consume (checked, never declared); each message is acknowledged only after the gateway stored or refused it.'),
    prefetch: z.int().min(1).max(1000).default(16).describe('Unacknowledged messages in flight at once: the bound on items handed to the gateway at the same time.'),
    requeueDelayMs: z.int().min(0).max(60_000).default(1000).describe('Wait before a message the gateway could not take now is put back (nack with requeue), so a failing store does not spin.'),
    heartbeatSeconds: z.int().min(0).default(30).describe('AMQP heartbeat interval; 0 disables heartbeats.'),
    tls: brokerTlsSchema.optional().describe('Files and SNI name for `amqps://` connections (optional). Only with an `amqps://` url.'),
  })
  .strict()
  .refine((c) => c.tls === undefined || c.url.startsWith('amqps://'), { message: 'tls is set but the url is not amqps://: the connection would be plain text', path: ['tls'] });

export type AmqpIngressConfig = z.output<typeof amqpIngressConfigSchema>;

/**
 * The reply channel (Rückkanal) as an ingress connector: consumes one queue and hands every
 * message to the gateway's sink. A message is acknowledged only after the sink resolved (stored,
 * duplicate, or refused for good and recorded); when the sink rejects (could not decide now) it
 * is put back after `requeueDelayMs` and the broker offers it again. At most `prefetch` messages
 * are unacknowledged, so at most that many submits run at once. Reconnects by itself with
 * backoff (consumer.ts); `start` resolves once the consumer is registered at the broker.
 * The rejection log names the channel `amqp:<id>`.
 */
export class AmqpIngress implements Ingress {
  private consumer: ReplyConsumer | undefined;
  private closing: Promise<void> | undefined;
  private readonly stop = new AbortController();
  private readonly createdAt = new Date().toISOString();

  constructor(
    private readonly config: AmqpIngressConfig,
    private readonly ctx: IngressContext,
  ) {}

  /** Starts consuming (once); resolves when the consumer is registered, rejects when `signal` aborts first or after close(). */
  async start(signal: AbortSignal): Promise<void> {
    if (this.closing) throw new Error(`amqp ingress ${this.ctx.connectorId} is closed`);
    const { url, queue, prefetch, requeueDelayMs, heartbeatSeconds, tls } = this.config;
    const remote = `amqp:${this.ctx.connectorId}`;
    this.consumer ??= consumeReplies(
      url,
      queue,
      async (m) => {
        await this.ctx.sink.submit({ payload: m.payload, contentType: m.contentType ?? 'application/xml', remote }, this.stop.signal);
      },
      { prefetch, requeueDelayMs, heartbeatSeconds, tls, log: this.ctx.log, connectionName: `zsa-gateway ingress ${this.ctx.connectorId}` },
    );
    signal.throwIfAborted();
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_ok, fail) => {
      onAbort = () => fail(signal.reason instanceof Error ? signal.reason : new Error('start aborted'));
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([this.consumer.consuming(), aborted]);
    } finally {
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }
  }

  health(): ConnectorHealth {
    return this.consumer?.health() ?? (this.closing ? { status: 'closed', detail: 'closed by the gateway', since: this.createdAt } : { status: 'connecting', detail: 'not started', since: this.createdAt });
  }

  /** Cancels the consumer, lets running submits finish (bounded by consumer.ts's close timeout), closes the connection. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const c = this.consumer;
      if (c) await c.close();
      // submits still running after the close timeout are told to give up; their messages were not acked and come again
      this.stop.abort();
    })();
    return this.closing;
  }
}
