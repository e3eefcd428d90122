import { expect } from 'chai';
import { createHash } from 'node:crypto';
import request from 'supertest';
import type { StoredMessage } from '../../gateway/store/types.js';
import { startTestGateway, testConfig, waitFor } from '../support/gateway.js';
import { HttpPeer } from '../support/http-peer.js';
import { hundAnmeldung } from '../support/xzsa-fixtures.js';

const HALLE = '15002000'; // hund not delegated → fv-15002000-hund (HTTP peer here)
const MAGDEBURG = '15003000'; // hund delegated → zsa-hund (pull mailbox)
const PROBLEM = /^application\/problem\+json/;

/**
 * The read side of the HTTP API: /health, /ready, message lists with filters and their
 * bounds, one message with history, its exact payload bytes, the Vorgang timeline, the
 * rejection log, and problem+json for everything that is not there.
 */
describe('api: health, readiness, messages, payloads, Vorgänge, rejections', function () {
  this.timeout(60_000);
  const peer = new HttpPeer();
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  const ids: Record<'delivered' | 'dead' | 'mailbox', string> = { delivered: '', dead: '', mailbox: '' };
  const xml: Record<keyof typeof ids, string> = { delivered: '', dead: '', mailbox: '' };

  const post = async (body: string | Buffer) => {
    const res = await request(gw.url).post('/api/v1/messages').set('content-type', 'application/xml').send(body);
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    return res.body.gatewayId as string;
  };
  const inState = (id: string, state: string) =>
    waitFor(`message ${id} ${state}`, async () => ((await gw.services.store.getMessage(id))?.state === state ? true : undefined));
  const vorgangOf = (x: string) => /<xzsab:vorgangsID>([^<]+)</.exec(x)![1]!;
  const get = (path: string) => request(gw.url).get(path);

  before(async () => {
    await peer.start();
    gw = await startTestGateway(testConfig({ endpoints: { 'fv-15002000-hund': { connector: 'http', config: { url: peer.url } } } }));
    peer.respond = () => 200;
    xml.delivered = hundAnmeldung({ ags: HALLE, bemerkung: 'Grüße aus Halle – äöüß €' }).replace(/\n/g, '\r\n');
    ids.delivered = await post(xml.delivered);
    await inState(ids.delivered, 'delivered');
    peer.respond = () => 400;
    xml.dead = hundAnmeldung({ ags: HALLE });
    ids.dead = await post(xml.dead);
    await inState(ids.dead, 'dead');
    xml.mailbox = hundAnmeldung({ ags: MAGDEBURG });
    ids.mailbox = await post(xml.mailbox);
    await inState(ids.mailbox, 'in_mailbox');
  });
  after(async () => {
    await gw?.stop();
    await peer.stop();
  });

  it('GET /health answers ok; GET /ready, unauthenticated, says ready and nothing more (no store kind, message types or endpoints)', async () => {
    const health = await get('/health');
    expect(health.status).to.equal(200);
    expect(health.body).to.deep.equal({ status: 'ok' });
    const ready = await get('/ready');
    expect(ready.status).to.equal(200);
    expect(ready.body).to.deep.equal({ status: 'ready' });
    for (const e of gw.services.cfg.endpoints) expect(ready.text).to.not.contain(e.id);
  });

  it('GET /ready answers 503 problem+json once shutdown has begun (the flag close() sets first), /health says stopping', async () => {
    gw.services.lifecycle.shuttingDown = true;
    try {
      const ready = await get('/ready');
      expect(ready.status).to.equal(503);
      expect(ready.headers['content-type']).to.match(PROBLEM);
      expect(ready.body).to.include({ code: 'GW_NOT_READY', status: 503, detail: 'shutting down', type: 'urn:zsa-gateway:problem:not-ready', instance: '/ready' });
      expect((await get('/health')).body).to.deep.equal({ status: 'stopping' });
    } finally {
      gw.services.lifecycle.shuttingDown = false;
    }
    expect((await get('/ready')).status).to.equal(200);
  });

  it('GET /api/v1/messages filters by state, endpoint, Vorgang, AGS, type and author', async () => {
    const list = async (q: string) => {
      const r = await get(`/api/v1/messages?${q}`);
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      return r.body.items as StoredMessage[];
    };
    const dead = await list('state=dead');
    expect(dead.map((m) => m.id)).to.deep.equal([ids.dead]);
    const zsa = await list('endpoint=zsa-hund');
    expect(zsa.map((m) => m.id)).to.deep.equal([ids.mailbox]);
    expect((await list(`vorgang=${vorgangOf(xml.delivered)}`)).map((m) => m.id)).to.deep.equal([ids.delivered]);
    expect((await list(`ags=${HALLE}&state=delivered`)).map((m) => m.id)).to.deep.equal([ids.delivered]);
    expect(await list('type=hund.freigabe.0103')).to.be.empty;
    expect((await list('author=efa:hund-lsa')).map((m) => m.id)).to.have.members(Object.values(ids));
  });

  it('GET /api/v1/messages is newest first and pages with limit and before', async () => {
    const all = (await get('/api/v1/messages')).body.items as StoredMessage[];
    expect(all.map((m) => m.id)).to.deep.equal([ids.mailbox, ids.dead, ids.delivered]);
    const first = await get('/api/v1/messages?limit=1');
    expect(first.body.items.map((m: StoredMessage) => m.id)).to.deep.equal([ids.mailbox]);
    const next = await get(`/api/v1/messages?limit=2&before=${first.body.items[0].seq}`);
    expect(next.body.items.map((m: StoredMessage) => m.id)).to.deep.equal([ids.dead, ids.delivered]);
  });

  for (const [q, path] of [
    ['limit=0', 'query.limit'], ['limit=1001', 'query.limit'], ['limit=abc', 'query.limit'], ['limit=1.5', 'query.limit'],
    ['state=lost', 'query.state'], ['before=abc', 'query.before'], ['before=0', 'query.before'],
  ] as const) {
    it(`GET /api/v1/messages?${q} answers 400 problem+json naming ${path}`, async () => {
      const r = await get(`/api/v1/messages?${q}`);
      expect(r.status).to.equal(400);
      expect(r.headers['content-type']).to.match(PROBLEM);
      expect(r.body).to.include({ code: 'GW_BAD_REQUEST', type: 'urn:zsa-gateway:problem:bad-request', instance: `/api/v1/messages?${q}` });
      expect(r.body.errors.map((e: { path: string }) => e.path)).to.deep.equal([path]);
    });
  }

  it('GET /api/v1/messages/{id} returns the message with its full history and links', async () => {
    const r = await get(`/api/v1/messages/${ids.dead}`);
    expect(r.status).to.equal(200);
    expect(r.body).to.include({ id: ids.dead, state: 'dead', endpointId: 'fv-15002000-hund', ags: HALLE, vorgangId: vorgangOf(xml.dead) });
    expect(r.body.lastError).to.contain('400');
    expect(r.body.history.map((t: { to: string }) => t.to)).to.deep.equal(['received', 'validated', 'routed', 'queued', 'dead']);
    expect(r.body.history[0]).to.include({ from: null, messageId: ids.dead });
    expect(r.body.links).to.deep.equal({ payload: `/api/v1/messages/${ids.dead}/payload`, vorgang: `/api/v1/vorgaenge/${vorgangOf(xml.dead)}` });
  });

  it('GET /api/v1/messages/{id}/payload returns the exact bytes received (UTF-8, CRLF)', async () => {
    const r = await get(`/api/v1/messages/${ids.delivered}/payload`)
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(r.status).to.equal(200);
    expect(r.headers['content-type']).to.match(/^application\/xml/);
    expect(Buffer.compare(r.body as Buffer, Buffer.from(xml.delivered, 'utf8'))).to.equal(0);
    expect(peer.accepted()[0]?.body.equals(Buffer.from(xml.delivered, 'utf8'))).to.equal(true);
  });

  it('unknown message, payload and Vorgang answer 404 problem+json', async () => {
    for (const path of ['/api/v1/messages/nope', '/api/v1/messages/nope/payload', '/api/v1/vorgaenge/00000000-0000-4000-8000-000000000000']) {
      const r = await get(path);
      expect(r.status, path).to.equal(404);
      expect(r.headers['content-type']).to.match(PROBLEM);
      expect(r.body).to.include({ code: 'GW_NOT_FOUND', status: 404, instance: path });
    }
  });

  it('GET /api/v1/vorgaenge/{id} returns the messages and the timeline of the Vorgang, oldest first', async () => {
    const r = await get(`/api/v1/vorgaenge/${vorgangOf(xml.mailbox)}`);
    expect(r.status).to.equal(200);
    expect(r.body.vorgangId).to.equal(vorgangOf(xml.mailbox));
    expect(r.body.messages.map((m: StoredMessage) => m.id)).to.deep.equal([ids.mailbox]);
    expect(r.body.timeline.map((t: { to: string }) => t.to)).to.deep.equal(['received', 'validated', 'routed', 'queued', 'in_mailbox']);
    expect(r.body.timeline[0]).to.include({ messageType: 'hund.anmeldung.0101', author: 'efa:hund-lsa', endpointId: 'zsa-hund' });
  });

  it('GET /api/v1/rejections lists refused input newest first; limit is bounded', async () => {
    const bad = hundAnmeldung({ ags: HALLE, iban: 'nicht gültig' });
    const refused = await request(gw.url).post('/api/v1/messages').set('content-type', 'application/xml').send(bad);
    expect(refused.status).to.equal(422);
    const r = await get('/api/v1/rejections?limit=1');
    expect(r.status).to.equal(200);
    expect(r.body.items).to.have.length(1);
    expect(r.body.items[0]).to.include({ code: 'GW_XSD_INVALID', size: Buffer.byteLength(bad), sha512: createHash('sha512').update(bad).digest('hex') });
    expect(r.body.items[0].detail).to.contain('iban');
    expect(r.body.items[0].at).to.be.a('string');
    for (const q of ['limit=0', 'limit=-5', 'limit=1001', 'limit=x']) {
      const b = await get(`/api/v1/rejections?${q}`);
      expect(b.status, q).to.equal(400);
      expect(b.body.errors[0].path).to.equal('query.limit');
    }
  });

  it('GET /api/v1/mailboxes/{mailbox}/messages lists what waits; limit is 1..500, else 400', async () => {
    const r = await get('/api/v1/mailboxes/zsa-hund/messages?limit=1');
    expect(r.status).to.equal(200);
    expect(r.body.items.map((i: { messageId: string }) => i.messageId)).to.deep.equal([ids.mailbox]);
    for (const q of ['limit=0', 'limit=-1', 'limit=501', 'limit=x']) {
      const b = await get(`/api/v1/mailboxes/zsa-hund/messages?${q}`);
      expect(b.status, q).to.equal(400);
      expect(b.body.errors[0].path).to.equal('query.limit');
    }
    expect((await get('/api/v1/mailboxes/Bad%20Name/messages')).status).to.equal(400);
  });

  it('an unknown path answers 404 problem+json naming it; a served path with another method 405 with Allow', async () => {
    for (const [method, path] of [['get', '/api/v1/nothing-here'], ['get', '/nothing'], ['delete', '/nothing']] as const) {
      const r = await request(gw.url)[method](path);
      expect(r.status, `${method} ${path}`).to.equal(404);
      expect(r.headers['content-type']).to.match(PROBLEM);
      expect(r.body).to.include({ code: 'GW_NOT_FOUND', detail: `no such resource: ${method.toUpperCase()} ${path}`, instance: path });
    }
    const r = await request(gw.url).delete('/api/v1/messages');
    expect(r.status).to.equal(405);
    expect(r.headers['content-type']).to.match(PROBLEM);
    expect(r.headers['allow']).to.equal('POST, GET, HEAD');
    expect(r.body).to.include({ code: 'GW_METHOD_NOT_ALLOWED', allow: 'POST, GET, HEAD', instance: '/api/v1/messages' });
  });
});
