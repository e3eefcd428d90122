import { expect } from 'chai';
import request from 'supertest';
import { MESSAGE_STATES } from '../../gateway/model/index.js';
import { startTestGateway, testConfig, waitFor } from '../support/gateway.js';
import { HttpPeer } from '../support/http-peer.js';
import { hundAnmeldung } from '../support/xzsa-fixtures.js';

const HALLE = '15002000'; // hund not delegated → fv-15002000-hund (HTTP peer answering 503 here)
const MAGDEBURG = '15003000'; // hund delegated → zsa-hund (pull mailbox)
const PROBLEM = /^application\/problem\+json/;
const DELEGATION = `/api/v1/admin/municipalities/${HALLE}/delegations/hund`;

interface EndpointItem {
  id: string;
  connector: string;
  connected: boolean;
  health: { status: string };
  breaker: string;
  consecutiveFailures: number;
  inFlight: number;
  maxInFlight: number;
  outboxDepth: number;
}

/**
 * The admin API: endpoint status with circuit breaker and outbox depth, counters, and the
 * runtime delegation switch with every way a request to it can be wrong.
 */
describe('api: admin endpoints, stats and delegation switches', function () {
  this.timeout(60_000);
  const peer = new HttpPeer();
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let retrying = '';
  let inMailbox = '';

  const post = async (xml: string) => {
    const res = await request(gw.url).post('/api/v1/messages').set('content-type', 'application/xml').send(xml);
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    return res.body.gatewayId as string;
  };
  const endpoints = async () => {
    const r = await request(gw.url).get('/api/v1/admin/endpoints');
    expect(r.status).to.equal(200);
    return r.body.items as EndpointItem[];
  };

  before(async () => {
    await peer.start();
    peer.respond = () => 503;
    gw = await startTestGateway(
      testConfig({
        endpoints: { 'fv-15002000-hund': { connector: 'http', config: { url: peer.url } } },
        // One failure opens the breaker, and the next attempt lies far beyond the test.
        delivery: { maxAttempts: 5, backoff: { initialMs: 600_000, multiplier: 2, maxMs: 600_000, jitter: 0 }, circuitBreaker: { failureThreshold: 1, cooldownMs: 600_000 } },
      }),
    );
    retrying = await post(hundAnmeldung({ ags: HALLE }));
    inMailbox = await post(hundAnmeldung({ ags: MAGDEBURG }));
    await waitFor('breaker open and mailbox filled', async () => {
      const [a, b] = await Promise.all([gw.services.store.getMessage(retrying), gw.services.store.getMessage(inMailbox)]);
      return a?.state === 'retrying' && b?.state === 'in_mailbox' && gw.services.endpoints.get('fv-15002000-hund')?.breaker.state === 'open' ? true : undefined;
    });
  });
  after(async () => {
    await gw?.stop();
    await peer.stop();
  });

  it('GET /api/v1/admin/endpoints shows each endpoint with status, breaker and outbox depth', async () => {
    const items = await endpoints();
    expect(items.map((e) => e.id)).to.deep.equal(gw.services.cfg.endpoints.map((e) => e.id));
    const http = items.find((e) => e.id === 'fv-15002000-hund')!;
    expect(http).to.include({ connector: 'http', breaker: 'open', consecutiveFailures: 1, inFlight: 0, outboxDepth: 1 });
    expect(http.maxInFlight).to.be.a('number').above(0);
    expect(http.health.status).to.be.a('string');
    // the failed attempt is stamped; the peer never answered with success
    expect((http as unknown as { lastFailureAt: string | null }).lastFailureAt).to.match(/^\d{4}-\d{2}-\d{2}T/);
    expect((http as unknown as { lastSuccessAt: string | null }).lastSuccessAt).to.equal(null);
    const zsa = items.find((e) => e.id === 'zsa-hund')!;
    expect(zsa).to.include({ connector: 'mailbox', breaker: 'closed', consecutiveFailures: 0, outboxDepth: 0, connected: true });
    expect(zsa.health.status).to.equal('up');
  });

  it('GET /api/v1/admin/stats counts messages by state (every state named) and the outbox per endpoint', async () => {
    const r = await request(gw.url).get('/api/v1/admin/stats');
    expect(r.status).to.equal(200);
    expect(Object.keys(r.body.messagesByState)).to.have.members([...MESSAGE_STATES]);
    expect(r.body.messagesByState).to.include({ retrying: 1, in_mailbox: 1, delivered: 0, dead: 0 });
    expect(r.body.outboxDepth).to.deep.equal({ 'fv-15002000-hund': 1 });
  });

  it('GET /api/v1/admin/municipalities lists the effective delegation per service', async () => {
    const r = await request(gw.url).get('/api/v1/admin/municipalities');
    expect(r.status).to.equal(200);
    const halle = r.body.items.find((m: { ags: string }) => m.ags === HALLE);
    expect(halle.name).to.equal('Stadt Halle (Saale)');
    expect(halle.delegations).to.deep.include({ ags: HALLE, service: 'hund', mode: 'none', source: 'config' });
  });

  it('PUT a delegation switches it, answers the recorded change and shows it in the history', async () => {
    const r = await request(gw.url).put(DELEGATION).set('x-actor', 'ops:anna').send({ mode: 'backoffice', reason: '  Vertrag ab 1.4.  ' });
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect(r.body).to.include({ ags: HALLE, service: 'hund', mode: 'backoffice', previous: 'none', actor: 'ops:anna', reason: 'Vertrag ab 1.4.' });
    expect(r.body.seq).to.be.a('number');
    const list = await request(gw.url).get('/api/v1/admin/municipalities');
    const halle = list.body.items.find((m: { ags: string }) => m.ags === HALLE);
    expect(halle.delegations).to.deep.include({ ags: HALLE, service: 'hund', mode: 'backoffice', source: 'runtime' });

    const back = await request(gw.url).put(DELEGATION).send({ mode: 'none' });
    expect(back.body).to.include({ mode: 'none', previous: 'backoffice', reason: 'no reason given' });
    expect(back.body.actor).to.match(/^anonymous@/);
    const history = await request(gw.url).get(`/api/v1/admin/delegations/history?ags=${HALLE}`);
    expect(history.body.items.map((c: { mode: string }) => c.mode)).to.deep.equal(['backoffice', 'none']);
    expect((await request(gw.url).get('/api/v1/admin/delegations/history?ags=15001000')).body.items).to.be.empty;
  });

  const refusals: Array<{ name: string; path: string; type: string; body: string; status: number; code: string; detail: RegExp; errorPath?: string }> = [
    { name: 'malformed JSON', path: DELEGATION, type: 'application/json', body: '{"mode": "e2e",', status: 400, code: 'GW_BAD_REQUEST', detail: /^request body is not valid JSON/ },
    { name: 'a body without mode', path: DELEGATION, type: 'application/json', body: '{"reason":"x"}', status: 400, code: 'GW_BAD_REQUEST', detail: /mode/, errorPath: '/mode' },
    { name: 'JSON sent as text/plain (not parsed)', path: DELEGATION, type: 'text/plain', body: '{"mode":"e2e"}', status: 400, code: 'GW_BAD_REQUEST', detail: /mode/, errorPath: '/mode' },
    { name: 'an invalid mode', path: DELEGATION, type: 'application/json', body: '{"mode":"manchmal"}', status: 400, code: 'GW_BAD_REQUEST', detail: /delegation "manchmal" is not none, e2e, backoffice or prozessschritt:<step>/, errorPath: '/mode' },
    { name: 'an unknown AGS', path: '/api/v1/admin/municipalities/99999999/delegations/hund', type: 'application/json', body: '{"mode":"e2e"}', status: 404, code: 'GW_NOT_FOUND', detail: /no municipality with AGS 99999999/ },
    { name: 'an unknown service', path: `/api/v1/admin/municipalities/${HALLE}/delegations/katze`, type: 'application/json', body: '{"mode":"e2e"}', status: 404, code: 'GW_NOT_FOUND', detail: /no service "katze"/ },
    { name: 'a body over 16 KB', path: DELEGATION, type: 'application/json', body: JSON.stringify({ mode: 'e2e', reason: 'x'.repeat(20_000) }), status: 413, code: 'GW_PAYLOAD_TOO_LARGE', detail: /larger than the limit/ },
  ];
  for (const c of refusals) {
    it(`PUT a delegation with ${c.name} answers ${c.status} problem+json and changes nothing`, async () => {
      const before = await gw.services.store.delegationHistory();
      const r = await request(gw.url).put(c.path).set('content-type', c.type).send(c.body);
      expect(r.status, JSON.stringify(r.body)).to.equal(c.status);
      expect(r.headers['content-type']).to.match(PROBLEM);
      expect(r.body).to.include({ code: c.code, status: c.status, instance: c.path });
      expect(r.body.detail).to.match(c.detail);
      if (c.errorPath) expect(r.body.errors.map((e: { path: string }) => e.path)).to.deep.equal([c.errorPath]);
      expect(await gw.services.store.delegationHistory()).to.deep.equal(before);
    });
  }

  it('the gateway still answers normally after the refused requests', async () => {
    const r = await request(gw.url).get('/api/v1/admin/municipalities');
    expect(r.status).to.equal(200);
    expect((await endpoints()).find((e) => e.id === 'fv-15002000-hund')?.outboxDepth).to.equal(1);
  });

  it('an unknown admin path answers 404 problem+json', async () => {
    const r = await request(gw.url).get('/api/v1/admin/nothing');
    expect(r.status).to.equal(404);
    expect(r.headers['content-type']).to.match(PROBLEM);
    expect(r.body).to.include({ code: 'GW_NOT_FOUND', type: 'urn:zsa-gateway:problem:not-found' });
  });
});
