import { egressConformance, testContext, type EgressFixture, type ReceivedMessage } from '../../test/conformance/egress.js';
import { amqpConfigSchema } from './config.js';
import { amqpConnector } from './index.js';
import { BROKER_URL, BrokerReader, cleanupAll, closeConnectionsNamed, rabbitmqctl, toReceived, uniqueName, waitFor } from './amqp.fixture.js';

const BINDING = 'hund.#';

/** Whether RabbitMQ applies a policy to the queue right now (policies take effect asynchronously). */
async function policyInEffect(queue: string, policy: string): Promise<boolean> {
  const listing = await rabbitmqctl('list_queues', 'name', 'policy');
  return listing.split('\n').some((line) => {
    const [name, applied] = line.split('\t');
    return name === queue && applied?.trim() === policy;
  });
}

/**
 * A fresh exchange and classic queue per test; the connector declares them. Retryable
 * failure: a policy `max-length 0, overflow reject-publish` makes the broker nack.
 * Permanent failure: the binding is removed, so messages come back unroutable.
 */
async function createFixture(): Promise<EgressFixture> {
  const endpointId = uniqueName('amqp-conformance');
  const exchange = uniqueName('x');
  const queue = uniqueName('q');
  const policy = uniqueName('policy');
  const config = amqpConfigSchema.parse({
    url: BROKER_URL,
    exchange: { name: exchange, type: 'topic', durable: true },
    queues: [{ name: queue, routingKey: BINDING, queueType: 'classic' }],
    routingKey: '{messageType}',
    publishTimeoutMs: 20_000,
  });
  const egress = amqpConnector.create(config, testContext(endpointId));
  const reader = await BrokerReader.open();
  const seen: ReceivedMessage[] = [];

  return {
    egress,
    async received() {
      const fresh = await reader.drain(queue).catch((err: unknown) => {
        // the queue exists once the egress connected; before that nothing can have arrived
        if (err instanceof Error && /NOT_FOUND/.test(err.message)) return [];
        throw err;
      });
      seen.push(...fresh.map(toReceived));
      return [...seen];
    },
    async restartPeer() {
      const closed = await closeConnectionsNamed(`zsa-gateway ${endpointId}`);
      if (closed === 0) throw new Error('the egress had no connection to close');
    },
    async makeFailing(kind) {
      if (kind === 'permanent') {
        await reader.withChannel((ch) => ch.unbindQueue(queue, exchange, BINDING));
        return;
      }
      const pattern = `^${queue.replace(/[.]/g, '\\.')}$`;
      await rabbitmqctl('set_policy', '--apply-to', 'queues', policy, pattern, '{"max-length":0,"overflow":"reject-publish"}');
      await waitFor('the reject-publish policy', () => policyInEffect(queue, policy));
    },
    async heal() {
      await reader.withChannel((ch) => ch.bindQueue(queue, exchange, BINDING));
      await rabbitmqctl('clear_policy', policy).catch(() => undefined); // only set for retryable failures
      await waitFor('the policy to be gone', async () => !(await policyInEffect(queue, policy)));
    },
    async cleanup() {
      await cleanupAll([
        () => egress.close(),
        () => rabbitmqctl('clear_policy', policy).catch(() => undefined), // absent unless makeFailing('retryable') ran
        () => reader.withChannel((ch) => ch.deleteQueue(queue)),
        () => reader.withChannel((ch) => ch.deleteExchange(exchange)),
        () => reader.close(),
      ]);
    },
  };
}

egressConformance({ name: 'amqp091 (real RabbitMQ)', create: createFixture });
