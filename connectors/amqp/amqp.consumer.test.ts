import { expect } from 'chai';
import { consumeReplies, type ReplyConsumer, type ReplyMessage } from './consumer.js';
import { BROKER_URL, BrokerReader, cleanupAll, closeConnectionsNamed, uniqueName, waitFor } from './amqp.fixture.js';

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(err: Error): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('amqp091 reply consumer (consumeReplies) against the real RabbitMQ', function () {
  this.timeout(120_000);
  let reader: BrokerReader;
  let queue: string;
  let consumers: ReplyConsumer[];

  beforeEach(async () => {
    reader = await BrokerReader.open();
    queue = uniqueName('replies');
    consumers = [];
    await reader.withChannel((ch) => ch.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } }));
  });
  afterEach(async () => {
    await cleanupAll([...consumers.map((c) => () => c.close()), () => reader.withChannel((ch) => ch.deleteQueue(queue)), () => reader.close()]);
  });

  const send = (id: string): Promise<boolean> =>
    reader.withChannel(async (ch) => ch.sendToQueue(queue, Buffer.from(`<antwort id="${id}"/>`), { messageId: id, headers: { messageUuid: id } }));

  /** Ready messages plus unacknowledged ones come back to `ready` once nobody holds them. */
  const readyCount = (): Promise<number> => reader.withChannel(async (ch) => (await ch.checkQueue(queue)).messageCount);

  function start(handler: (msg: ReplyMessage) => Promise<void>, connectionName = uniqueName('reply-consumer')): ReplyConsumer {
    const c = consumeReplies(BROKER_URL, queue, handler, { requeueDelayMs: 10, reconnectDelayMs: { initial: 50, max: 1000 }, connectionName });
    consumers.push(c);
    return c;
  }

  it('acks only after the handler resolved; a failed handler gets the message again', async () => {
    const calls: ReplyMessage[] = [];
    const done = deferred();
    const consumer = start(async (msg) => {
      calls.push(msg);
      if (calls.length === 1) throw new Error('store unavailable');
      done.resolve();
    });
    await consumer.consuming();
    await send('r-1');
    await done.promise;
    expect(calls.map((c) => c.messageId)).to.deep.equal(['r-1', 'r-1']);
    expect(calls[0]!.redelivered).to.equal(false);
    expect(calls[1]!.redelivered).to.equal(true);
    expect(calls[1]!.payload.toString()).to.equal('<antwort id="r-1"/>');
    expect(calls[1]!.headers).to.include({ messageUuid: 'r-1' });
    await consumer.close();
    expect(await readyCount(), 'acked: nothing comes back after close').to.equal(0);
  });

  it('does not ack while the handler runs: the message survives a lost connection and is redelivered', async () => {
    const name = uniqueName('reply-consumer');
    const first = deferred();
    const firstCalled = deferred();
    const secondCalled = deferred();
    const calls: ReplyMessage[] = [];
    const consumer = start(async (msg) => {
      calls.push(msg);
      if (calls.length === 1) {
        firstCalled.resolve();
        return first.promise; // still "storing" when the connection drops
      }
      secondCalled.resolve();
    }, name);
    await consumer.consuming();
    await send('r-2');
    await firstCalled.promise;
    expect(await closeConnectionsNamed(name)).to.equal(1);
    await secondCalled.promise; // reconnected and got it again
    first.resolve(); // its ack belongs to the dead channel and is dropped
    expect(calls.map((c) => c.messageId)).to.deep.equal(['r-2', 'r-2']);
    expect(calls[1]!.redelivered).to.equal(true);
    await waitFor('consumer up again', () => consumer.health().status === 'up');
    await consumer.close();
    expect(consumer.health().status).to.equal('closed');
    expect(await readyCount()).to.equal(0);
  });

  it('drains a backlog larger than prefetch that was waiting before it started, each message once', async () => {
    const BACKLOG = 60;
    for (let i = 0; i < BACKLOG; i++) await send(`b-${i}`);
    const seen = new Set<string>();
    const all = deferred();
    const consumer = consumeReplies(
      BROKER_URL,
      queue,
      async (msg) => {
        seen.add(msg.messageId ?? '');
        if (seen.size === BACKLOG) all.resolve();
      },
      { prefetch: 5 },
    );
    consumers.push(consumer);
    await all.promise;
    await consumer.close();
    expect(await readyCount()).to.equal(0);
  });

  it('waits for a missing queue (health down with the reason) and consumes once it exists', async () => {
    const missing = uniqueName('replies-later');
    const got = deferred();
    const consumer = consumeReplies(BROKER_URL, missing, async () => got.resolve(), { reconnectDelayMs: { initial: 50, max: 500 } });
    consumers.push(consumer);
    try {
      await waitFor('health down', () => consumer.health().status === 'down');
      expect(consumer.health().detail).to.contain('NOT_FOUND');
      await reader.withChannel((ch) => ch.assertQueue(missing, { durable: true }));
      await consumer.consuming();
      await reader.withChannel(async (ch) => ch.sendToQueue(missing, Buffer.from('<antwort/>')));
      await got.promise;
    } finally {
      await consumer.close();
      await reader.withChannel((ch) => ch.deleteQueue(missing));
    }
  });

  it('close() lets a running handler finish and acks its message', async () => {
    const release = deferred();
    const called = deferred();
    const consumer = start(async () => {
      called.resolve();
      await release.promise;
    });
    await consumer.consuming();
    await send('r-3');
    await called.promise;
    const closing = consumer.close();
    expect(consumer.close()).to.equal(closing);
    release.resolve();
    await closing;
    expect(await readyCount()).to.equal(0);
  });
});
