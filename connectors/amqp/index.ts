import type { ConnectorSpec } from '../types.js';
import { amqpConfigSchema } from './config.js';
import { AmqpEgress } from './egress.js';
import { AmqpIngress, amqpIngressConfigSchema } from './ingress.js';

/** RabbitMQ (AMQP 0-9-1): egress publishes to an exchange, ingress consumes a reply queue. See connectors/amqp/README.md. */
export const amqpConnector = {
  name: 'amqp091',
  summary: 'Publishes each message persistent to a RabbitMQ exchange and counts it delivered on the publisher confirm; declares its durable exchange, queues (quorum by default, optionally with dead-letter exchange and quorum DLQ, delivery limit, length limit with reject-publish) and bindings; amqps with CA, client certificate and SNI. Ingress: consumes a reply queue and acknowledges each message only after the gateway stored or refused it.',
  direction: 'both',
  configSchema: amqpConfigSchema,
  ingressConfigSchema: amqpIngressConfigSchema,
  maxInFlight: 32,
  create: (config, ctx) => new AmqpEgress(config, ctx),
  createIngress: (config, ctx) => new AmqpIngress(config, ctx),
} satisfies ConnectorSpec<typeof amqpConfigSchema, typeof amqpIngressConfigSchema>;

export { amqpConfigSchema, renderRoutingKey, ROUTING_KEY_PLACEHOLDERS, type AmqpConfig } from './config.js';
export { AmqpEgress } from './egress.js';
export { AmqpIngress, amqpIngressConfigSchema, type AmqpIngressConfig } from './ingress.js';
export { consumeReplies, type ConsumeRepliesOptions, type ReplyConsumer, type ReplyMessage } from './consumer.js';
