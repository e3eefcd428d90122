import type { Channel } from 'amqplib';
import { deadLetterNames, type AmqpConfig } from './config.js';

type QueueConfig = AmqpConfig['queues'][number];
type ArgumentValue = string | number | boolean;

/**
 * The arguments a work queue is declared with, from its typed config keys plus `arguments`.
 * `x-overflow` is sent only when a length limit or dead-lettering is configured, so a queue
 * declared before these keys existed keeps matching. A quorum queue with dead-lettering gets
 * `x-dead-letter-strategy: at-least-once` (the broker keeps a dead letter until the DLQ
 * confirmed it), which RabbitMQ honours only together with `x-overflow: reject-publish`.
 */
export function queueArguments(q: QueueConfig): Record<string, ArgumentValue> {
  const args: Record<string, ArgumentValue> = { ...q.arguments, 'x-queue-type': q.queueType };
  if (q.deadLetter !== undefined) {
    const dl = deadLetterNames(q);
    args['x-dead-letter-exchange'] = dl.exchange;
    args['x-dead-letter-routing-key'] = dl.routingKey;
    if (q.queueType === 'quorum') args['x-dead-letter-strategy'] = 'at-least-once';
  }
  if (q.deliveryLimit !== undefined) args['x-delivery-limit'] = q.deliveryLimit;
  if (q.maxLength !== undefined) args['x-max-length'] = q.maxLength;
  if (q.maxLengthBytes !== undefined) args['x-max-length-bytes'] = q.maxLengthBytes;
  if (q.maxLength !== undefined || q.maxLengthBytes !== undefined || q.deadLetter !== undefined) args['x-overflow'] = q.overflow;
  return args;
}

/**
 * The broker refused a declaration because the queue or exchange exists with other
 * arguments (406 PRECONDITION_FAILED). The message names the object, the argument and both
 * values; connect() fails with it (health detail, log) and the core retries with backoff
 * until an operator deletes or migrates the object, or aligns the config.
 */
export class TopologyConflictError extends Error {
  constructor(
    readonly kind: 'queue' | 'exchange',
    readonly objectName: string,
    readonly argument: string,
    readonly configured: string,
    readonly onBroker: string,
    options?: ErrorOptions,
  ) {
    super(
      `${kind} "${objectName}" already exists on the broker with other arguments: ${argument} is ${onBroker} there, the config asks for ${configured}. ` +
        `Delete or migrate the ${kind} (RabbitMQ cannot change the arguments of an existing ${kind}), or align the config (PRECONDITION_FAILED)`,
      options,
    );
    this.name = 'TopologyConflictError';
  }
}

const INEQUIVALENT = /inequivalent arg '([^']+)' for (queue|exchange) '([^']+)' in vhost '[^']*': received (?:the value )?('[^']*'|none)(?: of type '[^']*')? but current is (?:the value )?('[^']*'|none)/;

/** Turns a declaration failure into TopologyConflictError when it is an argument mismatch; anything else passes unchanged. */
export function declarationError(err: unknown): unknown {
  const text = err instanceof Error ? err.message : String(err);
  const m = INEQUIVALENT.exec(text);
  if (!m) return err;
  const [, argument = '?', kind = 'queue', name = '?', received = '?', current = '?'] = m;
  return new TopologyConflictError(kind as 'queue' | 'exchange', name, argument, received, current, { cause: err });
}

/**
 * Declares, idempotently and all durable: the exchange; per work queue its dead-letter
 * exchange (direct), dead-letter queue (quorum) and their binding, then the queue with
 * queueArguments() and its binding to the exchange. Called on every connect. A mismatch with
 * what exists throws TopologyConflictError (the channel is then closed by the broker).
 */
export async function declareTopology(channel: Channel, config: AmqpConfig): Promise<void> {
  const { exchange } = config;
  try {
    await channel.assertExchange(exchange.name, exchange.type, { durable: exchange.durable });
    for (const q of config.queues) {
      if (q.deadLetter !== undefined) {
        const dl = deadLetterNames(q);
        await channel.assertExchange(dl.exchange, 'direct', { durable: true });
        await channel.assertQueue(dl.queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
        await channel.bindQueue(dl.queue, dl.exchange, dl.routingKey);
      }
      await channel.assertQueue(q.name, { durable: true, arguments: queueArguments(q) });
      await channel.bindQueue(q.name, exchange.name, q.routingKey);
    }
  } catch (err) {
    throw declarationError(err);
  }
}
