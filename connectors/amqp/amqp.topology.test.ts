import { expect } from 'chai';
import { RetryableError } from '../errors.js';
import type { Egress } from '../types.js';
import { makeOutbound, testContext } from '../../test/conformance/outbound.js';
import { amqpConfigSchema, type AmqpConfig } from './config.js';
import { amqpConnector } from './index.js';
import { queueArguments, TopologyConflictError } from './topology.js';
import { BROKER_URL, BrokerReader, queueType, rejection, teardown, uniqueName, waitFor } from './amqp.fixture.js';

const never = new AbortController().signal;

describe('amqp091 production topology: config checks', () => {
  const base = { url: 'amqp://gw:secret@rabbit.example:5672/zsa', exchange: { name: 'zsa.work' } };

  it('lists every conflicting setting at once, each at its key', () => {
    const result = amqpConfigSchema.safeParse({
      ...base,
      queues: [
        { name: 'classic-limit', queueType: 'classic', deliveryLimit: 5, deadLetter: {} },
        { name: 'limit-without-dlx', deliveryLimit: 5 },
        { name: 'typed-in-arguments', arguments: { 'x-delivery-limit': 5, 'x-overflow': 'drop-head', 'x-queue-leader-locator': 'balanced' } },
        { name: 'dlx-overflow-on-quorum', overflow: 'reject-publish-dlx', deadLetter: {} },
        { name: 'drop-head', queueType: 'classic', overflow: 'drop-head' },
        { name: 'self', deadLetter: { queue: 'self' } },
      ],
      tls: { caFile: 'ca.pem' },
    });
    expect(result.success).to.equal(false);
    const issues = result.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    const at = (path: string) => issues.filter((i) => i.startsWith(`${path}:`));
    expect(at('queues.0.deliveryLimit')[0]).to.contain('quorum').and.contain('classic-limit');
    expect(at('queues.1.deliveryLimit')[0]).to.contain('drop').and.contain('deadLetter');
    expect(at('queues.2.arguments.x-delivery-limit')[0]).to.contain('deliveryLimit');
    expect(at('queues.2.arguments.x-overflow')[0]).to.contain('overflow');
    expect(at('queues.2.arguments.x-queue-leader-locator'), 'an argument without a key of its own passes').to.deep.equal([]);
    expect(at('queues.3.overflow')[0]).to.contain('classic');
    expect(at('queues.4.overflow')).to.have.length(1); // drop-head is not on offer
    expect(at('queues.5.deadLetter.queue')[0]).to.contain('differ');
    expect(at('tls')[0]).to.contain('amqps://');
  });

  it('refuses a work queue listed twice and a dead-letter queue that is also a work queue', () => {
    const result = amqpConfigSchema.safeParse({ ...base, queues: [{ name: 'a', deadLetter: { queue: 'b' } }, { name: 'b' }, { name: 'a' }] });
    const paths = result.error!.issues.map((i) => i.path.join('.'));
    expect(paths).to.include.members(['queues.0.deadLetter.queue', 'queues.2.name']);
  });

  it('sends the typed keys as queue arguments; a queue without them keeps its old arguments', () => {
    const parse = (q: Record<string, unknown>) => amqpConfigSchema.parse({ ...base, queues: [q] }).queues[0]!;
    expect(queueArguments(parse({ name: 'plain' }))).to.deep.equal({ 'x-queue-type': 'quorum' });
    expect(queueArguments(parse({ name: 'zsa.hund', deliveryLimit: 20, deadLetter: {}, maxLength: 100_000 }))).to.deep.equal({
      'x-queue-type': 'quorum',
      'x-dead-letter-exchange': 'zsa.hund.dlx',
      'x-dead-letter-routing-key': 'zsa.hund',
      'x-dead-letter-strategy': 'at-least-once',
      'x-delivery-limit': 20,
      'x-max-length': 100_000,
      'x-overflow': 'reject-publish',
    });
    expect(queueArguments(parse({ name: 'c', queueType: 'classic', maxLengthBytes: 1024, overflow: 'reject-publish-dlx', deadLetter: { exchange: 'shared.dlx', routingKey: 'c.dead' } }))).to.deep.equal({
      'x-queue-type': 'classic',
      'x-dead-letter-exchange': 'shared.dlx',
      'x-dead-letter-routing-key': 'c.dead',
      'x-max-length-bytes': 1024,
      'x-overflow': 'reject-publish-dlx',
    });
  });
});

describe('amqp091 production topology against the real RabbitMQ', function () {
  this.timeout(120_000);
  let reader: BrokerReader;
  let exchanges: string[];
  let queues: string[];
  let egresses: Egress[];

  beforeEach(async () => {
    reader = await BrokerReader.open();
    exchanges = [];
    queues = [];
    egresses = [];
  });
  afterEach(async () => {
    await teardown(reader, { egresses, queues, exchanges });
  });

  /** An egress on a fresh exchange; its queues, dead-letter queues and exchanges are removed afterwards. */
  function egressFor(queueConfigs: Array<Record<string, unknown>>): { egress: Egress; config: AmqpConfig } {
    const exchange = uniqueName('x');
    const config = amqpConfigSchema.parse({ url: BROKER_URL, exchange: { name: exchange, type: 'topic' }, queues: queueConfigs });
    exchanges.push(exchange);
    for (const q of config.queues) {
      queues.push(q.name);
      if (q.deadLetter) {
        queues.push(q.deadLetter.queue ?? `${q.name}.dlq`);
        exchanges.push(q.deadLetter.exchange ?? `${q.name}.dlx`);
      }
    }
    const egress = amqpConnector.create(config, testContext(uniqueName('amqp-topology')));
    egresses.push(egress);
    return { egress, config };
  }

  it('declares the dead-letter exchange and its quorum DLQ; a message rejected without requeue lands there', async () => {
    const q = uniqueName('qq');
    const { egress } = egressFor([{ name: q, deadLetter: {} }]);
    await egress.connect(never);
    expect(await queueType(q)).to.equal('quorum');
    expect(await queueType(`${q}.dlq`)).to.equal('quorum');
    const msg = makeOutbound();
    await egress.deliver(msg, never);
    await reader.withChannel(async (ch) => {
      const got = await ch.get(q);
      expect(got && got.properties.messageId).to.equal(msg.gatewayId);
      ch.nack(got as Exclude<typeof got, false>, false, false);
    });
    await waitFor('the rejected message in the DLQ', async () => (await reader.withChannel((ch) => ch.checkQueue(`${q}.dlq`))).messageCount === 1);
    const [dead] = await reader.drain(`${q}.dlq`);
    expect(dead!.properties.messageId).to.equal(msg.gatewayId);
    expect(dead!.fields.routingKey, 'x-dead-letter-routing-key').to.equal(q);
  });

  it('dead-letters a message once the quorum delivery limit is passed (consumer keeps requeueing it)', async () => {
    const q = uniqueName('qq');
    const limit = 2;
    const { egress } = egressFor([{ name: q, deliveryLimit: limit, deadLetter: {} }]);
    await egress.connect(never);
    const msg = makeOutbound();
    await egress.deliver(msg, never);
    let deliveries = 0;
    const counts: unknown[] = [];
    await waitFor('the message to leave the work queue', () =>
      reader.withChannel(async (ch) => {
        const got = await ch.get(q);
        if (got === false) return (await ch.checkQueue(q)).messageCount === 0;
        deliveries += 1;
        counts.push(got.properties.headers?.['x-delivery-count']);
        ch.nack(got, false, true); // a failing worker: back to the queue
        return false;
      }),
    );
    expect(deliveries, 'the first delivery plus one per allowed redelivery').to.equal(limit + 1);
    await waitFor('the message in the DLQ', async () => (await reader.withChannel((ch) => ch.checkQueue(`${q}.dlq`))).messageCount === 1);
    const [dead] = await reader.drain(`${q}.dlq`);
    expect(dead!.properties.messageId).to.equal(msg.gatewayId);
    expect(counts.slice(1), 'what a worker sees in x-delivery-count on redeliveries').to.deep.equal([1, 2]);
    expect([undefined, 0], 'x-delivery-count on the first delivery').to.include(counts[0]);
    const deaths = dead!.properties.headers?.['x-death'] as Array<{ reason: string; queue: string }>;
    expect(deaths.map((d) => [d.reason, d.queue])).to.deep.equal([['delivery_limit', q]]);
  });

  it('several publishes in flight on the confirm channel are settled one by one: a full queue nacks the rest (retryable), nothing is dropped', async () => {
    const q = uniqueName('q');
    const { egress } = egressFor([{ name: q, queueType: 'classic', maxLength: 3 }]);
    await egress.connect(never);
    const msgs = Array.from({ length: 10 }, () => makeOutbound());
    const outcomes = await Promise.allSettled(msgs.map((m) => egress.deliver(m, never)));
    const confirmed = msgs.filter((_m, i) => outcomes[i]!.status === 'fulfilled').map((m) => m.gatewayId);
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => o.reason as unknown);
    expect(confirmed).to.have.length(3);
    expect(refused).to.have.length(7);
    for (const err of refused) expect(err).to.be.instanceOf(RetryableError);
    const inQueue = (await reader.drain(q)).map((m) => String(m.properties.messageId));
    expect(inQueue.sort(), 'exactly the confirmed ones are in the queue').to.deep.equal([...confirmed].sort());
  });

  it('a queue that exists with other arguments fails connect naming the queue and the argument, and connects once it is fixed', async () => {
    const q = uniqueName('q');
    queues.push(q);
    await reader.withChannel((ch) => ch.assertQueue(q, { durable: true, arguments: { 'x-queue-type': 'quorum' } }));
    const { egress } = egressFor([{ name: q, deliveryLimit: 5, deadLetter: {} }]);
    const err = await rejection(egress.connect(never));
    expect(err).to.be.instanceOf(TopologyConflictError);
    const conflict = err as TopologyConflictError;
    expect(conflict.objectName).to.equal(q);
    expect(conflict.kind).to.equal('queue');
    expect(conflict.message).to.contain(`queue "${q}"`).and.contain('PRECONDITION_FAILED').and.match(/x-(dead-letter|delivery|overflow)/);
    expect(egress.health().status).to.equal('down');
    expect(egress.health().detail).to.contain(q);
    // the operator deletes the old queue (after moving its messages); the next connect() declares it right
    await reader.withChannel((ch) => ch.deleteQueue(q));
    await egress.connect(never);
    expect(egress.health().status).to.equal('up');
  });

  it('names the exchange when it exists with another type', async () => {
    const { egress, config } = egressFor([]);
    await reader.withChannel((ch) => ch.assertExchange(config.exchange.name, 'fanout', { durable: true }));
    const err = await rejection(egress.connect(never));
    expect(err).to.be.instanceOf(TopologyConflictError);
    expect((err as TopologyConflictError).message).to.contain(`exchange "${config.exchange.name}"`).and.contain('type');
  });
});
