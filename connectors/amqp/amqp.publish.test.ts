import { expect } from 'chai';
import { NotConnectedError, PermanentError, RetryableError } from '../errors.js';
import type { Egress } from '../types.js';
import { makeOutbound, testContext } from '../../test/conformance/outbound.js';
import { amqpConfigSchema, type AmqpConfig } from './config.js';
import { amqpConnector } from './index.js';
import type { Session } from './session.js';
import { BROKER_URL, BrokerReader, closeConnectionsNamed, queueType, rejection, teardown, uniqueName, waitFor } from './amqp.fixture.js';

const never = new AbortController().signal;

describe('amqp091 publishing against the real RabbitMQ', function () {
  this.timeout(120_000);
  let reader: BrokerReader;
  let exchange: string;
  let queues: string[];
  let egresses: Egress[];

  beforeEach(async () => {
    reader = await BrokerReader.open();
    exchange = uniqueName('x');
    queues = [];
    egresses = [];
  });
  afterEach(async () => {
    await teardown(reader, { egresses, queues, exchanges: [exchange] });
  });

  /** An egress on this test's exchange; `queues` entries are registered for cleanup. */
  function egressFor(overrides: Partial<Record<keyof AmqpConfig, unknown>>, endpointId = uniqueName('amqp-publish')): Egress {
    const config = amqpConfigSchema.parse({ url: BROKER_URL, exchange: { name: exchange, type: 'topic' }, ...overrides });
    queues.push(...config.queues.map((q) => q.name));
    const egress = amqpConnector.create(config, testContext(endpointId));
    egresses.push(egress);
    return egress;
  }

  it('publishes persistent XML with messageId = gateway id and the routing headers', async () => {
    const q = uniqueName('q');
    const egress = egressFor({ queues: [{ name: q, routingKey: '#', queueType: 'classic' }] });
    await egress.connect(never);
    const msg = makeOutbound({ attempt: 3 });
    await egress.deliver(msg, never);
    const [got] = await reader.drain(q);
    expect(got).to.not.equal(undefined);
    expect(got!.fields.routingKey).to.equal('hund.anmeldung.0101');
    expect(got!.properties.deliveryMode).to.equal(2);
    expect(got!.properties.contentType).to.equal('application/xml');
    expect(got!.properties.messageId).to.equal(msg.gatewayId);
    expect(got!.properties.headers).to.include({
      messageUuid: msg.messageUuid,
      messageType: msg.messageType,
      vorgangId: msg.vorgangId,
      author: msg.author,
      reader: msg.reader,
      ags: msg.ags,
      leika: msg.leika,
      sha512: msg.sha512,
      attempt: 3,
    });
  });

  it('fills the routing key template; a message no binding matches is returned and fails as permanent', async () => {
    const q = uniqueName('q');
    const egress = egressFor({
      exchange: { name: exchange, type: 'direct' },
      routingKey: '{messageType}.{ags}',
      queues: [{ name: q, routingKey: 'hund.anmeldung.0101.15003000', queueType: 'classic' }],
    });
    await egress.connect(never);
    await egress.deliver(makeOutbound({ ags: '15003000' }), never);
    const err = await rejection(egress.deliver(makeOutbound({ ags: '15002000' }), never));
    expect(err).to.be.instanceOf(PermanentError);
    expect((err as Error).message).to.contain('hund.anmeldung.0101.15002000').and.contain('NO_ROUTE');
    expect(await reader.drain(q)).to.have.length(1);
    expect(egress.health().status, 'an unroutable message does not take the endpoint down').to.equal('up');
  });

  it('with unroutable: retryable, a returned message fails as retryable', async () => {
    const egress = egressFor({ unroutable: 'retryable', queues: [] });
    await egress.connect(never);
    expect(await rejection(egress.deliver(makeOutbound(), never))).to.be.instanceOf(RetryableError);
  });

  it('declares quorum queues, and a broker nack (queue full, reject-publish) fails as retryable', async () => {
    const q = uniqueName('qq');
    const egress = egressFor({
      queues: [{ name: q, routingKey: '#', queueType: 'quorum', maxLength: 1 }],
    });
    await egress.connect(never);
    expect(await queueType(q)).to.equal('quorum');
    // a quorum queue enforces its length limit loosely (it may take one more), so fill until refused
    let confirmed = 0;
    let refusal: unknown;
    for (let i = 0; i < 5 && refusal === undefined; i++) {
      await egress.deliver(makeOutbound(), never).then(
        () => (confirmed += 1),
        (err: unknown) => (refusal = err),
      );
    }
    expect(refusal).to.be.instanceOf(RetryableError);
    expect((refusal as Error).message).to.contain('nack');
    expect(await reader.drain(q), 'every confirmed message, no refused one').to.have.length(confirmed);
  });

  it('connect fails with the broker\'s reason when a queue exists with other arguments', async () => {
    const q = uniqueName('q');
    queues.push(q);
    await reader.withChannel((ch) => ch.assertQueue(q, { durable: true, arguments: { 'x-queue-type': 'classic' } }));
    const egress = egressFor({ queues: [{ name: q, queueType: 'quorum' }] });
    const err = await rejection(egress.connect(never));
    expect(String(err)).to.contain('PRECONDITION_FAILED');
    expect(egress.health().status).to.equal('down');
    expect(egress.health().detail).to.contain('PRECONDITION_FAILED');
    await rejection(egress.deliver(makeOutbound(), never)).then((e) => expect(e).to.be.instanceOf(NotConnectedError));
  });

  it('turns down when the broker closes the connection and comes back on connect()', async () => {
    const q = uniqueName('q');
    const endpointId = uniqueName('amqp-restart');
    const egress = egressFor({ queues: [{ name: q, queueType: 'classic' }] }, endpointId);
    await egress.connect(never);
    expect(await closeConnectionsNamed(`zsa-gateway ${endpointId}`)).to.equal(1);
    await waitFor('health down', () => egress.health().status === 'down');
    expect(egress.health().detail).to.contain('CONNECTION_FORCED');
    expect(await rejection(egress.deliver(makeOutbound(), never))).to.be.instanceOf(NotConnectedError);
    await egress.connect(never);
    expect(egress.health().status).to.equal('up');
    await egress.deliver(makeOutbound(), never);
    expect(await reader.drain(q)).to.have.length(1);
  });

  it('a channel error (exchange deleted under it) fails the delivery as retryable; connect() redeclares and recovers', async () => {
    const q = uniqueName('q');
    const egress = egressFor({ queues: [{ name: q, queueType: 'classic' }] });
    await egress.connect(never);
    await reader.withChannel((ch) => ch.deleteExchange(exchange));
    expect(await rejection(egress.deliver(makeOutbound(), never))).to.be.instanceOf(RetryableError);
    await waitFor('health down', () => egress.health().status === 'down');
    expect(egress.health().detail).to.contain('NOT_FOUND');
    await egress.connect(never);
    await egress.deliver(makeOutbound(), never);
    expect(await reader.drain(q)).to.have.length(1);
  });

  it('while the broker blocks publishing, health is down and connect() waits for the unblock', async () => {
    const egress = egressFor({ queues: [] });
    await egress.connect(never);
    // a real resource alarm would block every client of the shared node: simulate the broker's notice
    const { session } = egress as unknown as { session: Session };
    session.conn.emit('blocked', 'low on memory (simulated)');
    expect(egress.health().status).to.equal('down');
    expect(egress.health().detail).to.contain('low on memory');
    let connected = false;
    const reconnect = egress.connect(never).then(() => (connected = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(connected, 'connect() must not resolve while blocked').to.equal(false);
    session.conn.emit('unblocked');
    await reconnect;
    expect(egress.health().status).to.equal('up');
  });

  it('a routing key longer than AMQP allows fails as permanent without publishing', async () => {
    const egress = egressFor({ routingKey: '{vorgangId}', queues: [] });
    await egress.connect(never);
    const err = await rejection(egress.deliver(makeOutbound({ vorgangId: 'V'.repeat(300) }), never));
    expect(err).to.be.instanceOf(PermanentError);
    expect(egress.health().status).to.equal('up');
  });
});
