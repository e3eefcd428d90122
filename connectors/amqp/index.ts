import type { ConnectorSpec } from '../types.js';
import { amqpConfigSchema } from './config.js';
import { AmqpEgress } from './egress.js';

/** RabbitMQ (AMQP 0-9-1) egress: see connectors/amqp/README.md. */
export const amqpConnector: ConnectorSpec<typeof amqpConfigSchema> = {
  name: 'amqp091',
  summary: 'Publishes each message persistent to a RabbitMQ exchange and counts it delivered on the publisher confirm; declares its durable exchange, queues and bindings.',
  configSchema: amqpConfigSchema,
  maxInFlight: 32,
  create: (config, ctx) => new AmqpEgress(config, ctx),
};

export { amqpConfigSchema, renderRoutingKey, ROUTING_KEY_PLACEHOLDERS, type AmqpConfig } from './config.js';
export { AmqpEgress } from './egress.js';
export { consumeReplies, type ConsumeRepliesOptions, type ReplyConsumer, type ReplyMessage } from './consumer.js';
