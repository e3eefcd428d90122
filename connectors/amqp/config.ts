import { z } from 'zod';
import { tlsClientSchema } from '../tls.js';
import type { OutboundMessage } from '../types.js';

/** Placeholders a routing key template may use, each filled from the outbound message. */
export const ROUTING_KEY_PLACEHOLDERS = ['messageType', 'ags', 'leika', 'author', 'reader', 'vorgangId'] as const;
type Placeholder = (typeof ROUTING_KEY_PLACEHOLDERS)[number];

const PLACEHOLDER = /\{([^{}]*)\}/g;
const MAX_SHORTSTR = 255;

function unknownPlaceholders(template: string): string[] {
  const known: readonly string[] = ROUTING_KEY_PLACEHOLDERS;
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '').filter((name) => !known.includes(name));
}

const argumentValue = z.union([z.string(), z.number(), z.boolean()]);

const queueSchema = z
  .object({
    name: z.string().min(1).max(MAX_SHORTSTR).describe('Queue name. Declared durable on every connect.'),
    routingKey: z
      .string()
      .max(MAX_SHORTSTR)
      .default('#')
      .describe('Binding key from the exchange to this queue. `#` matches every key on a topic exchange; a direct exchange compares it literally; a fanout exchange ignores it.'),
    queueType: z
      .enum(['classic', 'quorum'])
      .default('quorum')
      .describe('`quorum` (replicated, the production choice) or `classic`. Sent as `x-queue-type`.'),
    arguments: z
      .record(z.string(), argumentValue)
      .default({})
      .describe('Extra queue arguments, e.g. `{ "x-delivery-limit": 20 }`. Must match an existing queue\'s arguments, or the broker refuses the declaration (connect fails).'),
  })
  .strict()
  .refine((q) => q.arguments['x-queue-type'] === undefined, {
    message: 'set the queue type with `queueType`, not with the `x-queue-type` argument',
    path: ['arguments', 'x-queue-type'],
  });

const tlsSchema = tlsClientSchema('broker');

/** The broker URL of either side (egress and ingress). */
export const brokerUrlSchema = z
  .string()
  .regex(/^amqps?:\/\/[^/]/, 'url must start with amqp:// or amqps://')
  .describe('Broker URL, `amqp://user:password@host:5672/vhost` or `amqps://…` for TLS. The password never appears in logs or health details.');

export const amqpConfigSchema = z
  .object({
    url: brokerUrlSchema,
    exchange: z
      .object({
        name: z.string().min(1).max(MAX_SHORTSTR).describe('Exchange the gateway publishes to. Declared on every connect.'),
        type: z.enum(['direct', 'topic', 'fanout']).default('topic').describe('Exchange type.'),
        durable: z.boolean().default(true).describe('Whether the exchange survives a broker restart.'),
      })
      .strict()
      .describe('The exchange every message is published to.'),
    queues: z
      .array(queueSchema)
      .default([])
      .describe('Queues to declare (durable) and bind to the exchange on every connect. Leave empty when the receiving side owns its queues.'),
    routingKey: z
      .string()
      .min(1)
      .max(MAX_SHORTSTR)
      .default('{messageType}')
      .refine((t) => unknownPlaceholders(t).length === 0, {
        message: `routing key placeholders are ${ROUTING_KEY_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`,
      })
      .describe(`Routing key, fixed or a template with placeholders ${ROUTING_KEY_PLACEHOLDERS.map((p) => `\`{${p}}\``).join(', ')}, e.g. \`{messageType}.{ags}\`.`),
    unroutable: z
      .enum(['permanent', 'retryable'])
      .default('permanent')
      .describe('What a message returned as unroutable (no queue bound for its routing key) becomes: `permanent` (straight to dead, replayable once the binding is fixed) or `retryable` (retried with backoff, for topologies that other systems change at run time).'),
    publishTimeoutMs: z
      .int()
      .min(100)
      .default(15_000)
      .describe('How long a delivery waits for the publisher confirm before it fails as retryable.'),
    connectTimeoutMs: z.int().min(100).default(10_000).describe('TCP/TLS connect and AMQP handshake timeout.'),
    heartbeatSeconds: z
      .int()
      .min(0)
      .default(30)
      .describe('AMQP heartbeat interval; a dead broker is noticed after about two missed beats. 0 disables heartbeats.'),
    tls: tlsSchema.optional().describe('Files for `amqps://` connections (optional).'),
  })
  .strict();

export type AmqpConfig = z.output<typeof amqpConfigSchema>;

function placeholderValue(msg: OutboundMessage, name: Placeholder): string {
  return msg[name];
}

/**
 * Fills a routing key template for one message. Throws a plain Error when the result is
 * longer than AMQP allows (255 bytes); the caller turns that into a PermanentError.
 */
export function renderRoutingKey(template: string, msg: OutboundMessage): string {
  const key = template.replace(PLACEHOLDER, (whole, name: string) =>
    (ROUTING_KEY_PLACEHOLDERS as readonly string[]).includes(name) ? placeholderValue(msg, name as Placeholder) : whole,
  );
  if (Buffer.byteLength(key, 'utf8') > MAX_SHORTSTR) {
    throw new Error(`routing key is longer than ${MAX_SHORTSTR} bytes: ${key.slice(0, 60)}…`);
  }
  return key;
}

/** The broker URL with the heartbeat set (unless the URL already sets one) and the password hidden for logs. */
export function brokerUrls(config: Pick<AmqpConfig, 'url' | 'heartbeatSeconds'>): { connect: string; display: string } {
  const url = new URL(config.url);
  if (!url.searchParams.has('heartbeat')) url.searchParams.set('heartbeat', String(config.heartbeatSeconds));
  const display = new URL(url.href);
  if (display.password !== '') display.password = '***';
  return { connect: url.href, display: display.href };
}
