import amqp from 'amqplib';
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { closeConnectionsNamed } from '../../connectors/amqp/amqp.fixture.js';
import { AMQP_URL, deleteTopology, drainQueue, testTopology } from '../support/amqp.js';
import { startTestGateway, testConfig, waitFor } from '../support/gateway.js';
import { hundAnmeldung, hundSteuerfestsetzung } from '../support/xzsa-fixtures.js';


describe('RabbitMQ: broker connection cut mid-burst, and replies consumed from a queue', function () {
  this.timeout(180_000);
  const topo = testTopology('brokercut');
  const replyQueue = `zsa-test.replies.${randomUUID().slice(0, 8)}`;
  let gw: Awaited<ReturnType<typeof startTestGateway>>;

  before(async () => {
    const conn = await amqp.connect(AMQP_URL);
    const ch = await conn.createChannel();
    await ch.assertQueue(replyQueue, { durable: true });
    await conn.close();
    const cfg = testConfig({ endpoints: { 'zsa-hund': { connector: 'amqp091', config: topo.endpointConfig } } });
    cfg.ingress.amqp = [{ id: 'zsa-replies', url: AMQP_URL, queue: replyQueue, prefetch: 8, authors: ['zsa-lsa'] }];
    gw = await startTestGateway(cfg);
  });
  after(async () => {
    await gw?.stop();
    await deleteTopology(topo);
    const conn = await amqp.connect(AMQP_URL);
    await (await conn.createChannel()).deleteQueue(replyQueue);
    await conn.close();
  });

  it('every message answered 202 arrives although the broker dropped all connections mid-burst', async () => {
    const total = 400;
    const accepted = new Set<string>();
    let next = 0;
    let cut: Promise<unknown> | null = null;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < total) {
          next += 1;
          const res = await fetch(`${gw.url}/api/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: hundAnmeldung({ ags: '15003000' }) });
          const body = (await res.json()) as { gatewayId: string };
          expect(res.status, JSON.stringify(body)).to.equal(202);
          accepted.add(body.gatewayId);
          // the broker drops the gateway's connection (only ours: other clients of the shared node are left alone)
          if (!cut && accepted.size >= 100) cut = closeConnectionsNamed('zsa-gateway zsa-hund', 'zsa-gateway test: broker cut');
        }
      }),
    );
    expect(await cut, 'connections closed by the broker').to.be.greaterThan(0);
    const arrivals = new Map<string, number>();
    await waitFor(
      'every accepted message in RabbitMQ',
      async () => {
        for (const m of await drainQueue(topo.queue)) if (m.messageId) arrivals.set(m.messageId, (arrivals.get(m.messageId) ?? 0) + 1);
        return [...accepted].every((id) => arrivals.has(id)) ? true : undefined;
      },
      90_000,
      250,
    );
    const duplicates = [...arrivals.values()].reduce((s, n) => s + n - 1, 0);
    console.log(`      broker cut: accepted ${accepted.size} arrived ${arrivals.size} duplicates ${duplicates} lost 0`);
    for (const id of accepted) expect((await gw.services.store.getMessage(id))?.state).to.equal('delivered');
  });

  it('takes a ZSA reply from the reply queue into the Vorgang and routes it to the municipality', async () => {
    const anmeldung = hundAnmeldung({ ags: '15003000' });
    const vorgangId = /<xzsab:vorgangsID>([^<]+)</.exec(anmeldung)![1]!;
    const res = await request(gw.url).post('/api/v1/messages').set('content-type', 'application/xml').send(anmeldung);
    expect(res.status).to.equal(202);

    const draft = hundSteuerfestsetzung({ ags: '15003000', vorgangId, author: 'zsa:lsa', reader: 'ags:15003000' });
    const uuid = /<xzsab:nachrichtenUUID>([^<]+)</.exec(draft)![1]!;
    const conn = await amqp.connect(AMQP_URL);
    const ch = await conn.createConfirmChannel();
    ch.sendToQueue(replyQueue, Buffer.from(draft), { persistent: true, contentType: 'application/xml' });
    ch.sendToQueue(replyQueue, Buffer.from('<kaputt>'), { persistent: true, contentType: 'application/xml' });
    await ch.waitForConfirms();
    await conn.close();

    const stored = await waitFor('reply stored', () => gw.services.store.getMessageByUuid('zsa:lsa', uuid).then((m) => m ?? undefined));
    expect(stored.vorgangId).to.equal(vorgangId);
    expect(stored.endpointId).to.equal('fv-15003000-hund');
    const timeline = await request(gw.url).get(`/api/v1/vorgaenge/${vorgangId}`);
    expect(timeline.body.messages.map((m: { messageType: string }) => m.messageType)).to.deep.equal(['hund.anmeldung.0101', 'hund.steuerfestsetzung.0102']);

    const rejected = await waitFor('broken reply in the rejection log', async () => {
      const r = await request(gw.url).get('/api/v1/rejections');
      return r.body.items.find((x: { remote: string; code: string }) => x.remote === 'amqp:zsa-replies') ?? undefined;
    });
    expect(rejected.code).to.equal('GW_XML_MALFORMED');
    // acknowledged, not requeued forever
    await waitFor('reply queue empty', async () => ((await drainQueue(replyQueue)).length === 0 ? true : undefined));
  });
});
