import { z } from 'zod';
import { tlsClientSchemaWithServername } from '../tls.js';
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

/** Queue arguments that have their own config key: set them there, where they are checked together. */
export const TYPED_ARGUMENTS: Readonly<Record<string, string>> = {
  'x-queue-type': 'queueType',
  'x-dead-letter-exchange': 'deadLetter',
  'x-dead-letter-routing-key': 'deadLetter',
  'x-dead-letter-strategy': 'deadLetter',
  'x-delivery-limit': 'deliveryLimit',
  'x-max-length': 'maxLength',
  'x-max-length-bytes': 'maxLengthBytes',
  'x-overflow': 'overflow',
};

const deadLetterSchema = z
  .object({
    exchange: z
      .string()
      .min(1)
      .max(MAX_SHORTSTR)
      .optional()
      .describe('Dead-letter exchange (direct, durable), declared on every connect. Default: `<queue>.dlx`. Several queues may share one, each with its own routing key.'),
    routingKey: z
      .string()
      .min(1)
      .max(MAX_SHORTSTR)
      .optional()
      .describe('Routing key every dead letter of this queue carries (`x-dead-letter-routing-key`) and the binding key of its DLQ. Default: the queue name.'),
    queue: z
      .string()
      .min(1)
      .max(MAX_SHORTSTR)
      .optional()
      .describe('Dead-letter queue (durable, quorum), declared and bound on every connect. Default: `<queue>.dlq`.'),
  })
  .strict();

/** Dead-letter exchange, routing key and queue of a work queue, defaults filled from its name. */
export function deadLetterNames(q: { name: string; deadLetter?: { exchange?: string | undefined; routingKey?: string | undefined; queue?: string | undefined } | undefined }): {
  exchange: string;
  routingKey: string;
  queue: string;
} {
  return { exchange: q.deadLetter?.exchange ?? `${q.name}.dlx`, routingKey: q.deadLetter?.routingKey ?? q.name, queue: q.deadLetter?.queue ?? `${q.name}.dlq` };
}

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
    deadLetter: deadLetterSchema
      .optional()
      .describe('Dead-lettering for messages a consumer rejects without requeue or that reach `deliveryLimit`: the exchange, its DLQ and the binding are declared with the queue. On a quorum queue dead-lettering is at-least-once (`x-dead-letter-strategy`), which needs `overflow: reject-publish`. Default: none.'),
    deliveryLimit: z
      .int()
      .min(1)
      .optional()
      .describe('Quorum queues only (`x-delivery-limit`): after this many deliveries without an ack (consumer rejected with requeue, or died holding the message) the message is dead-lettered. Requires `deadLetter` (without it the broker would drop the message). Default: no limit.'),
    maxLength: z
      .int()
      .min(0)
      .optional()
      .describe('Most messages the queue holds (`x-max-length`); beyond it `overflow` applies. Default: unbounded.'),
    maxLengthBytes: z
      .int()
      .min(0)
      .optional()
      .describe('Most body bytes the queue holds (`x-max-length-bytes`); beyond it `overflow` applies. Default: unbounded.'),
    overflow: z
      .enum(['reject-publish', 'reject-publish-dlx'])
      .default('reject-publish')
      .describe('What a full queue does with a new message (`x-overflow`, sent when a length limit or `deadLetter` is set): `reject-publish` nacks it, so the delivery fails as retryable and the outbox tries again later; `reject-publish-dlx` (classic queues only) also dead-letters it. `drop-head` is not offered: it drops messages silently.'),
    arguments: z
      .record(z.string(), argumentValue)
      .default({})
      .describe(`Further queue arguments, e.g. \`{ "x-queue-leader-locator": "balanced" }\`. Arguments with a key of their own (${Object.keys(TYPED_ARGUMENTS).map((a) => `\`${a}\``).join(', ')}) are refused here. Must match an existing queue's arguments, or the broker refuses the declaration (connect fails naming queue and argument).`),
  })
  .strict()
  .superRefine((q, ctx) => {
    for (const arg of Object.keys(q.arguments)) {
      const key = TYPED_ARGUMENTS[arg];
      if (key !== undefined) ctx.addIssue({ code: 'custom', message: `set \`${arg}\` with \`${key}\`, not in \`arguments\``, path: ['arguments', arg] });
    }
    if (q.deliveryLimit !== undefined && q.queueType !== 'quorum') {
      ctx.addIssue({ code: 'custom', message: `deliveryLimit needs queueType quorum (queue "${q.name}" is ${q.queueType}: classic queues do not count deliveries)`, path: ['deliveryLimit'] });
    }
    if (q.deliveryLimit !== undefined && q.deadLetter === undefined) {
      ctx.addIssue({ code: 'custom', message: `deliveryLimit without deadLetter: the broker would drop a message at the limit (queue "${q.name}"); configure deadLetter`, path: ['deliveryLimit'] });
    }
    if (q.overflow === 'reject-publish-dlx' && q.queueType === 'quorum') {
      ctx.addIssue({ code: 'custom', message: `overflow reject-publish-dlx is for classic queues; quorum queue "${q.name}" takes reject-publish`, path: ['overflow'] });
    }
    if (q.overflow === 'reject-publish-dlx' && q.deadLetter === undefined) {
      ctx.addIssue({ code: 'custom', message: `overflow reject-publish-dlx needs deadLetter (queue "${q.name}")`, path: ['overflow'] });
    }
    if (q.deadLetter !== undefined && deadLetterNames(q).queue === q.name) {
      ctx.addIssue({ code: 'custom', message: `the dead-letter queue must differ from queue "${q.name}"`, path: ['deadLetter', 'queue'] });
    }
  });

const tlsSchema = tlsClientSchemaWithServername('broker');

/** TLS files (and SNI name) for `amqps://`, egress and ingress alike. */
export const brokerTlsSchema = tlsSchema;

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
    tls: tlsSchema.optional().describe('Files and SNI name for `amqps://` connections (optional). Only with an `amqps://` url.'),
  })
  .strict()
  // runs even when a queue entry has its own errors (every problem is listed at once), so it reads defensively
  .superRefine(
    (c, ctx) => {
      if (c.tls !== undefined && typeof c.url === 'string' && !c.url.startsWith('amqps://')) {
        ctx.addIssue({ code: 'custom', message: 'tls is set but the url is not amqps://: the connection would be plain text', path: ['tls'] });
      }
      const queues = Array.isArray(c.queues) ? c.queues.filter((q) => typeof q?.name === 'string') : [];
      const work = queues.map((q) => q.name);
      queues.forEach((q, i) => {
        if (work.indexOf(q.name) !== i) ctx.addIssue({ code: 'custom', message: `queue "${q.name}" is listed twice`, path: ['queues', i, 'name'] });
        const dlq = q.deadLetter && deadLetterNames(q).queue;
        if (dlq !== undefined && dlq !== q.name && work.includes(dlq)) ctx.addIssue({ code: 'custom', message: `dead-letter queue "${dlq}" is also a work queue`, path: ['queues', i, 'deadLetter', 'queue'] });
      });
    },
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
  );

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
