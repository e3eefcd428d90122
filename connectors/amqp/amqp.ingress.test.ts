import { connect } from 'amqplib';
import { ingressConformance, type IngressFixture } from '../../test/conformance/ingress.js';
import { amqpConnector } from './index.js';
import { BROKER_URL, BrokerReader, cleanupAll, closeConnectionsNamed, uniqueName } from './amqp.fixture.js';

const PREFETCH = 4;

/**
 * A fresh durable quorum queue per test (the reply queue exists before the gateway consumes it);
 * items are published to it with publisher confirms, `remaining` reads its ready count (after
 * the ingress closed, unacknowledged messages are back to ready), `restartPeer` force-closes the
 * ingress's connection at the broker.
 */
async function createFixture(): Promise<IngressFixture> {
  const queue = uniqueName('ingress');
  const reader = await BrokerReader.open();
  await reader.withChannel((ch) => ch.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } }));
  let connectorId: string | undefined;
  return {
    create(ctx) {
      connectorId = ctx.connectorId;
      const config = amqpConnector.ingressConfigSchema.parse({ url: BROKER_URL, queue, prefetch: PREFETCH, requeueDelayMs: 10 });
      return amqpConnector.createIngress(config, ctx);
    },
    async place(item) {
      const conn = await connect(BROKER_URL);
      try {
        const ch = await conn.createConfirmChannel();
        ch.sendToQueue(queue, item.payload, { contentType: item.contentType, persistent: true });
        await ch.waitForConfirms();
      } finally {
        await conn.close();
      }
    },
    remaining: () => reader.withChannel(async (ch) => (await ch.checkQueue(queue)).messageCount),
    async restartPeer() {
      const closed = await closeConnectionsNamed(`zsa-gateway ingress ${connectorId ?? '(not created)'}`);
      if (closed === 0) throw new Error('the ingress had no connection to close');
    },
    cleanup: () => cleanupAll([() => reader.withChannel((ch) => ch.deleteQueue(queue)), () => reader.close()]),
  };
}

ingressConformance({ name: 'amqp091 reply queue (real RabbitMQ)', fixture: createFixture, maxInFlight: PREFETCH });
