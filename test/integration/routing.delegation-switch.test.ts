import { expect } from 'chai';
import request from 'supertest';
import { deleteTopology, drainQueue, testTopology, type BrokerMessage } from '../support/amqp.js';
import { startTestGateway, testConfig, waitFor } from '../support/gateway.js';
import { HttpPeer } from '../support/http-peer.js';
import { hundAnmeldung } from '../support/xzsa-fixtures.js';

const MAGDEBURG = '15003000'; // delegated Hund (e2e) in the demo configuration
const HALLE = '15002000'; // did not delegate Hund

describe('routing: a Hund application follows the municipality\'s delegation', function () {
  this.timeout(60_000);
  const topo = testTopology('delegation');
  const peer = new HttpPeer();
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  const fromQueue: BrokerMessage[] = [];

  before(async () => {
    await peer.start();
    gw = await startTestGateway(
      testConfig({
        endpoints: {
          'zsa-hund': { connector: 'amqp091', config: topo.endpointConfig },
          'fv-15002000-hund': { connector: 'http', config: { url: peer.url } },
        },
      }),
    );
  });
  after(async () => {
    await gw?.stop();
    await peer.stop();
    await deleteTopology(topo);
  });

  async function post(xml: string) {
    const res = await request(gw.url).post('/api/v1/messages').set('content-type', 'application/xml').send(xml);
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    return res.body as { gatewayId: string; state: string };
  }

  async function delivered(id: string) {
    return waitFor(`message ${id} delivered`, async () => {
      const m = await gw.services.store.getMessage(id);
      return m?.state === 'delivered' ? m : undefined;
    });
  }

  async function queued(n: number) {
    return waitFor(`${n} message(s) in the ZSA queue`, async () => {
      fromQueue.push(...(await drainQueue(topo.queue)));
      return fromQueue.length >= n ? fromQueue : undefined;
    });
  }

  it('puts the application of a delegating municipality into the ZSA queue in RabbitMQ', async () => {
    const xml = hundAnmeldung({ ags: MAGDEBURG });
    const receipt = await post(xml);
    await delivered(receipt.gatewayId);
    const [m] = await queued(1);
    expect(m!.messageId).to.equal(receipt.gatewayId);
    expect(m!.body.toString('utf8')).to.equal(xml);
    expect(m!.routingKey).to.equal(`hund.anmeldung.0101.${MAGDEBURG}`);
    expect(peer.received).to.have.length(0);
  });

  it('sends the application of a non-delegating municipality straight to its Fachverfahren over HTTP', async () => {
    const xml = hundAnmeldung({ ags: HALLE });
    const receipt = await post(xml);
    await delivered(receipt.gatewayId);
    expect(peer.accepted()).to.have.length(1);
    expect(peer.accepted()[0]!.body.toString('utf8')).to.equal(xml);
    expect(peer.accepted()[0]!.headers['x-gateway-id']).to.equal(receipt.gatewayId);
    expect(await drainQueue(topo.queue)).to.have.length(0);
  });

  it('switches at runtime: after Halle delegates Hund, its next application goes to the ZSA queue, and the switch is recorded', async () => {
    const sw = await request(gw.url)
      .put(`/api/v1/admin/municipalities/${HALLE}/delegations/hund`)
      .set('x-actor', 'test:admin')
      .send({ mode: 'e2e', reason: 'Ratsbeschluss (Test)' });
    expect(sw.status, JSON.stringify(sw.body)).to.equal(200);
    expect(sw.body).to.include({ ags: HALLE, service: 'hund', mode: 'e2e', previous: 'none', actor: 'test:admin' });

    const receipt = await post(hundAnmeldung({ ags: HALLE }));
    await delivered(receipt.gatewayId);
    const msgs = await queued(2);
    expect(msgs.map((m) => m.messageId)).to.include(receipt.gatewayId);
    expect(peer.received).to.have.length(1);

    const detail = await request(gw.url).get(`/api/v1/messages/${receipt.gatewayId}`);
    expect(detail.body.endpointId).to.equal('zsa-hund');
    expect(detail.body.history.map((t: { reason: string }) => t.reason).join(' | ')).to.contain('hund=e2e');

    const history = await request(gw.url).get(`/api/v1/admin/delegations/history?ags=${HALLE}`);
    expect(history.body.items).to.have.length(1);
    expect(history.body.items[0]).to.include({ service: 'hund', mode: 'e2e', previous: 'none', reason: 'Ratsbeschluss (Test)' });

    const list = await request(gw.url).get('/api/v1/admin/municipalities');
    const halle = list.body.items.find((m: { ags: string }) => m.ags === HALLE);
    expect(halle.delegations.find((d: { service: string }) => d.service === 'hund')).to.include({ mode: 'e2e', source: 'runtime' });
  });
});
