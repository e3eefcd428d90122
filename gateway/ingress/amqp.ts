import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { consumeReplies, type ReplyConsumer } from '../../connectors/amqp/consumer.js';
import type { GatewayConfig } from '../config/schema.js';
import { ERROR_CATALOG, GatewayError } from '../errors.js';
import type { MessageStore } from '../store/types.js';
import { refusalSummary, unexpectedSummary } from './diagnostics.js';
import type { IngressPipeline } from './pipeline.js';
import { remitRefusal } from '../routing/remit.js';
import type { MessageHeader } from '../store/types.js';

/** How often one payload may fail unexpectedly before it is taken off the queue and recorded. */
export const POISON_LIMIT = 5;
const MAX_TRACKED = 10_000;

/**
 * The reply channel (Rückkanal) over RabbitMQ: each configured queue is consumed and every
 * message fed to the same ingress pipeline as HTTP. A message is acknowledged only after it
 * is stored (or refused for good). Refused input (bad XML, unknown Vorgang …) is acked and
 * sits in the rejection log; an unexpected failure puts the message back, and after
 * POISON_LIMIT such failures of the same payload it is acked and recorded as GW_INTERNAL,
 * so one poison message cannot block the queue. No caller is authenticated here: the
 * header's author must be one of the queue's configured `authors` (rule `ingress.channel`;
 * otherwise anyone allowed to publish — a ZSA worker — could write as the municipality, e.g.
 * release its own draft), and the pipeline's remit check (gateway/routing/remit.ts) binds it
 * to its AGS, services and cases as on HTTP.
 */
export function channelAuthorCheck(cfg: GatewayConfig, channel: string, authors: readonly string[]): (h: MessageHeader) => void {
  const allowed = new Set(cfg.participants.filter((p) => authors.includes(p.id)).map((p) => p.kennung));
  return (h) => {
    if (!allowed.has(h.author)) throw remitRefusal('ingress.channel', `channel ${channel} carries messages of ${authors.join(', ')} only, not of ${h.author}`, h.author);
  };
}

export function startAmqpIngress(cfg: GatewayConfig, pipeline: IngressPipeline, store: MessageStore, log: Logger): ReplyConsumer[] {
  return cfg.ingress.amqp.map((q) => {
    const qlog = log.child({ component: 'amqp-ingress', channel: q.id });
    const failures = new Map<string, number>();
    const checkHeader = channelAuthorCheck(cfg, `amqp:${q.id}`, q.authors);
    return consumeReplies(
      q.url,
      q.queue,
      async (m) => {
        const key = createHash('sha512').update(m.payload).digest('hex');
        try {
          const r = await pipeline.submit(m.payload, [], { remote: `amqp:${q.id}`, checkHeader });
          failures.delete(key);
          qlog.debug({ gatewayId: r.receipt.gatewayId, outcome: r.outcome }, 'reply accepted');
        } catch (err) {
          if (err instanceof GatewayError && !ERROR_CATALOG[err.code].retryable) {
            failures.delete(key);
            qlog.warn({ code: err.code, detail: refusalSummary(err), messageId: m.messageId }, 'reply refused; acknowledged and recorded in the rejection log');
            return;
          }
          const n = (failures.get(key) ?? 0) + 1;
          if (n < POISON_LIMIT) {
            if (failures.size >= MAX_TRACKED) failures.delete(failures.keys().next().value as string);
            failures.set(key, n);
            throw err;
          }
          failures.delete(key);
          const detail = `taken off queue ${q.queue} after ${n} unexpected failures: ${unexpectedSummary(err)}`;
          qlog.error({ messageId: m.messageId, detail }, 'poison reply');
          await store.recordRejection({ code: 'GW_INTERNAL', detail, author: null, messageUuid: null, messageType: null, size: m.payload.length, sha512: key, remote: `amqp:${q.id}` });
        }
      },
      { prefetch: q.prefetch, log: qlog, connectionName: `zsa-gateway ingress ${q.id}` },
    );
  });
}
