import { expect } from 'chai';
import request from 'supertest';
import { startTestGateway, testConfig, waitFor } from '../support/gateway.js';
import { HttpPeer } from '../support/http-peer.js';
import { hundAnmeldung } from '../support/xzsa-fixtures.js';

const HALLE = '15002000';

describe('delivery to a hosted Fachverfahren: retries, dead, replay', function () {
  this.timeout(60_000);
  const peer = new HttpPeer();
  let gw: Awaited<ReturnType<typeof startTestGateway>>;

  before(async () => {
    await peer.start();
    gw = await startTestGateway(testConfig({ endpoints: { 'fv-15002000-hund': { connector: 'http', config: { url: peer.url } } } }));
  });
  after(async () => {
    await gw?.stop();
    await peer.stop();
  });
  beforeEach(() => {
    peer.received.length = 0;
  });

  async function post(xml: string): Promise<string> {
    const res = await request(gw.url).post('/api/v1/messages').set('content-type', 'application/xml').send(xml);
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    return res.body.gatewayId as string;
  }

  const inState = (id: string, state: string) =>
    waitFor(`message ${id} ${state}`, async () => {
      const m = await gw.services.store.getMessage(id);
      return m?.state === state ? m : undefined;
    });

  it('answers 500 then 200: the message is retried and delivered once', async () => {
    peer.respond = (_req, n) => (n === 1 ? 500 : 200);
    const id = await post(hundAnmeldung({ ags: HALLE }));
    const m = await inState(id, 'delivered');
    expect(peer.received.map((r) => r.status)).to.deep.equal([500, 200]);
    expect(peer.accepted()).to.have.length(1);
    expect(m.attempts).to.equal(1);
    const states = (await gw.services.store.history(id)).map((t) => t.to);
    expect(states).to.deep.equal(['received', 'validated', 'routed', 'queued', 'retrying', 'delivered']);
  });

  it('answers 400: the message is dead with the status kept, and replay delivers it after the fix', async () => {
    peer.respond = () => 400;
    const id = await post(hundAnmeldung({ ags: HALLE }));
    const dead = await inState(id, 'dead');
    expect(peer.received).to.have.length(1);
    expect(dead.lastError).to.contain('400');
    // the peer's own text is not kept (it may quote personal data): status and size are
    expect(dead.lastError, dead.lastError ?? "").to.contain("refused the message with 400: answer of 16 bytes");

    const early = await request(gw.url).post(`/api/v1/messages/${id}/replay`);
    expect(early.status).to.equal(200);
    peer.respond = () => 200;
    await inState(id, 'delivered');
    expect(peer.accepted()).to.have.length(1);
    const states = (await gw.services.store.history(id)).map((t) => t.to);
    expect(states.slice(-3)).to.deep.equal(['dead', 'queued', 'delivered']);
  });

  it('refuses to replay a message that is not dead', async () => {
    peer.respond = () => 200;
    const id = await post(hundAnmeldung({ ags: HALLE }));
    await inState(id, 'delivered');
    const res = await request(gw.url).post(`/api/v1/messages/${id}/replay`);
    expect(res.status).to.equal(409);
    expect(res.body.code).to.equal('GW_STATE_CONFLICT');
  });

  it('gives up after the configured attempts on a peer that keeps failing, and replay --all brings every dead one back', async () => {
    peer.respond = () => 503;
    const ids = [await post(hundAnmeldung({ ags: HALLE })), await post(hundAnmeldung({ ags: HALLE }))];
    for (const id of ids) {
      const m = await inState(id, 'dead');
      expect(m.attempts).to.equal(gw.services.cfg.delivery.maxAttempts);
      expect(m.lastError).to.contain('gave up after');
    }
    peer.respond = () => 200;
    const res = await request(gw.url).post('/api/v1/replay?endpoint=fv-15002000-hund');
    expect(res.body.replayed).to.have.members(ids);
    for (const id of ids) await inState(id, 'delivered');
  });
});
