import { expect } from 'chai';
import { createHash, randomUUID } from 'node:crypto';
import request from 'supertest';
import { requiredAuthConfig, tokenFor } from '../auth/oauth-fixture.js';
import { startTestGateway, waitFor } from '../support/gateway.js';
import { hundAnmeldung } from '../support/xzsa-fixtures.js';

const DE = '15001000'; // Dessau-Roßlau: Hund backoffice
const MD = '15003000'; // Magdeburg: Hund e2e

/**
 * docs/security.md: "when a municipality withdraws a service from the ZSA, the ZSA can no
 * longer write into or read that municipality's cases of the service." The case read
 * (GET /vorgaenge) followed that, but the messages of the case stayed readable one by one —
 * metadata, payload (the citizen's application), receipt, events, attachments and the list of
 * the ZSA's queue — because the ZSA owned them by the endpoint they were delivered to.
 */
describe('auth: the ZSA reads a municipality\'s messages only while the service is delegated to it', function () {
  this.timeout(60_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let zsa: string;
  let admin: string;
  let deId: string;
  let mdId: string;
  const pdf = Buffer.from(`%PDF-1.4 synthetic Nachweis of Dessau ${randomUUID()}\n`);
  const sha = createHash('sha512').update(pdf).digest('hex');
  const get = (path: string) => request(gw.url).get(`/api/v1${path}`).set('authorization', `Bearer ${zsa}`);
  const setDessau = async (mode: string) => {
    const r = await request(gw.url).put(`/api/v1/admin/municipalities/${DE}/delegations/hund`).set('authorization', `Bearer ${admin}`).send({ mode, reason: `test: ${mode}` });
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    await waitFor(`delegation ${mode}`, async () => ((await gw.services.router.delegation(DE, 'hund')).mode === mode ? true : undefined));
  };

  before(async () => {
    gw = await startTestGateway(requiredAuthConfig());
    zsa = await tokenFor(gw.url, 'zsa-lsa');
    admin = await tokenFor(gw.url, 'admin');
    const efa = await tokenFor(gw.url, 'efa-hund-lsa');
    const de = await request(gw.url)
      .post('/api/v1/messages')
      .set('authorization', `Bearer ${efa}`)
      .attach('message', Buffer.from(hundAnmeldung({ ags: DE })), { filename: 'm.xml', contentType: 'application/xml' })
      .attach('attachment', pdf, { filename: 'nachweis.pdf', contentType: 'application/pdf' });
    expect(de.status, JSON.stringify(de.body)).to.equal(202);
    deId = de.body.gatewayId;
    const md = await request(gw.url).post('/api/v1/messages').set('authorization', `Bearer ${efa}`).set('content-type', 'application/xml').send(hundAnmeldung({ ags: MD }));
    expect(md.status).to.equal(202);
    mdId = md.body.gatewayId;
    expect((await gw.services.store.getMessage(deId))!.endpointId).to.equal('zsa-hund');
  });
  after(() => gw?.stop());

  const paths = () => [`/messages/${deId}`, `/messages/${deId}/payload`, `/messages/${deId}/receipt`, `/messages/${deId}/events`, `/attachments/${sha}`];

  it('reads Dessau\'s message while Hund is delegated (backoffice)', async () => {
    for (const p of paths()) expect((await get(p)).status, p).to.equal(200);
    const list = await get('/messages?endpoint=zsa-hund');
    expect((list.body.items as Array<{ id: string }>).map((m) => m.id)).to.include.members([deId, mdId]);
  });

  it('once Dessau takes Hund back: refuses each message read (message.own / attachment.own) and leaves it out of the list; Magdeburg\'s stay readable', async () => {
    await setDessau('none');
    try {
      for (const p of paths()) {
        const r = await get(p);
        expect(r.status, `${p}: ${JSON.stringify(r.body).slice(0, 200)}`).to.equal(403);
        expect(r.body.code).to.equal('GW_FORBIDDEN');
      }
      const list = await get('/messages?endpoint=zsa-hund');
      const ids = (list.body.items as Array<{ id: string }>).map((m) => m.id);
      expect(ids).to.include(mdId);
      expect(ids).not.to.include(deId);
      expect((await get(`/messages/${mdId}/payload`)).status).to.equal(200);
    } finally {
      await setDessau('backoffice');
    }
    expect((await get(`/messages/${deId}/payload`)).status).to.equal(200);
  });

  it('once Dessau takes Hund back: its items in the ZSA\'s work queue are neither listed nor handed out; the rest are', async () => {
    const items = async () => ((await get('/mailboxes/zsa-hund/messages')).body.items as Array<{ id: number; messageId: string }>);
    const deItem = (await items()).find((i) => i.messageId === deId)!;
    expect(deItem, 'Dessau\'s item waits in zsa-hund').to.not.equal(undefined);
    await setDessau('none');
    try {
      expect((await items()).map((i) => i.messageId)).to.include(mdId).and.not.include(deId);
      const byId = await request(gw.url).post(`/api/v1/mailboxes/zsa-hund/fetch?item=${deItem.id}`).set('authorization', `Bearer ${zsa}`);
      expect(byId.status, byId.text.slice(0, 200)).to.equal(204);
      for (;;) {
        const next = await request(gw.url).post('/api/v1/mailboxes/zsa-hund/fetch').set('authorization', `Bearer ${zsa}`);
        if (next.status === 204) break;
        expect(next.status).to.equal(200);
        expect(next.headers['x-gateway-id']).to.not.equal(deId);
      }
    } finally {
      await setDessau('backoffice');
    }
    expect((await get(`/messages/${deId}/payload`)).status).to.equal(200);
  });
});
