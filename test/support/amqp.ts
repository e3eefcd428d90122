import amqp from 'amqplib';
import { randomUUID } from 'node:crypto';

export const AMQP_URL = process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

export interface TestTopology {
  exchange: string;
  queue: string;
  /** Endpoint config for the amqp091 connector publishing into this queue. */
  endpointConfig: Record<string, unknown>;
}

/** A unique exchange + queue per test, so tests never see each other's messages. */
export function testTopology(prefix: string): TestTopology {
  const id = randomUUID().slice(0, 8);
  const exchange = `zsa-test.${prefix}.${id}`;
  const queue = `zsa-test.${prefix}.${id}.q`;
  return {
    exchange,
    queue,
    endpointConfig: { url: AMQP_URL, exchange: { name: exchange, type: 'topic' }, queues: [{ name: queue, routingKey: '#', queueType: 'classic' }], routingKey: '{messageType}.{ags}' },
  };
}

export interface BrokerMessage {
  body: Buffer;
  messageId: string | undefined;
  headers: Record<string, unknown>;
  routingKey: string;
}

/**
 * Reads every message currently in the queue (acking them), straight from the broker.
 * Consumes with a prefetch window: one `basic.get` round trip per message is slow.
 */
export async function drainQueue(queue: string): Promise<BrokerMessage[]> {
  const conn = await amqp.connect(AMQP_URL);
  try {
    const ch = await conn.createChannel();
    const { messageCount } = await ch.checkQueue(queue);
    const out: BrokerMessage[] = [];
    if (messageCount > 0) {
      await ch.prefetch(500);
      await new Promise<void>((resolve, reject) => {
        ch.consume(queue, (m) => {
          if (!m) return;
          out.push({ body: m.content, messageId: m.properties.messageId as string | undefined, headers: (m.properties.headers ?? {}) as Record<string, unknown>, routingKey: m.fields.routingKey });
          ch.ack(m);
          if (out.length >= messageCount) resolve();
        }).catch(reject);
      });
    }
    await ch.close();
    return out;
  } finally {
    await conn.close();
  }
}

export async function deleteTopology(t: TestTopology): Promise<void> {
  const conn = await amqp.connect(AMQP_URL);
  try {
    const ch = await conn.createChannel();
    await ch.deleteQueue(t.queue).catch(() => undefined);
    const ch2 = await conn.createChannel();
    await ch2.deleteExchange(t.exchange).catch(() => undefined);
  } finally {
    await conn.close().catch(() => undefined);
  }
}

/** Publishes each body to `queue` (persistent, a fresh messageId, `contentType` when given) and waits for the broker's confirms. */
export async function publishToQueue(queue: string, bodies: Array<string | Buffer>, contentType?: string): Promise<void> {
  const conn = await amqp.connect(AMQP_URL);
  try {
    const ch = await conn.createConfirmChannel();
    for (const b of bodies) ch.sendToQueue(queue, Buffer.from(b), { persistent: true, messageId: randomUUID(), ...(contentType !== undefined && { contentType }) });
    await ch.waitForConfirms();
  } finally {
    await conn.close();
  }
}

/** Messages ready in `queue` now (unacknowledged ones count once their consumer let them go). */
export async function queueDepth(queue: string): Promise<number> {
  const conn = await amqp.connect(AMQP_URL);
  try {
    return (await (await conn.createChannel()).checkQueue(queue)).messageCount;
  } finally {
    await conn.close();
  }
}

/** Declares a durable classic queue for one test (a reply queue exists before the gateway consumes it). */
export async function declareTestQueue(queue: string): Promise<void> {
  const conn = await amqp.connect(AMQP_URL);
  try {
    await (await conn.createChannel()).assertQueue(queue, { durable: true });
  } finally {
    await conn.close();
  }
}

/** Deletes a test's queue. */
export async function deleteTestQueue(queue: string): Promise<void> {
  const conn = await amqp.connect(AMQP_URL);
  try {
    await (await conn.createChannel()).deleteQueue(queue);
  } finally {
    await conn.close();
  }
}
