import { expect } from 'chai';
import { createHash } from 'node:crypto';
import request from 'supertest';
import { requiredAuthConfig, testTokenFor, tokenFor, withTestClients } from '../auth/oauth-fixture.js';
import { startTestGateway } from '../support/gateway.js';
import { hundAnmeldung, wohngeldAntrag } from '../support/xzsa-fixtures.js';

const MD = '15003000';

/**
 * A Fachverfahren is the specialist software of one municipality for ONE service: it writes
 * only for that service (remit.service) and is a party only of that service's cases. Its reads
 * follow the same rule: the Hund Fachverfahren of Magdeburg must not read Magdeburg's Wohngeld
 * messages (income data) by message id, payload, receipt, events, list or attachment.
 */
describe('auth: a Fachverfahren reads only the messages of its own service', function () {
  this.timeout(60_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let wohngeldId: string;
  let hundId: string;
  const pdf = Buffer.from(`%PDF-1.4 synthetic Einkommensnachweis ${Date.now()}\n`);
  const sha = createHash('sha512').update(pdf).digest('hex');
  const tok = new Map<string, string>();
  const token = async (id: string) => {
    if (!tok.has(id)) tok.set(id, id === 'fv-15003000-hund' || id === 'magdeburg' ? await tokenFor(gw.url, id) : await testTokenFor(gw.url, id));
    return tok.get(id)!;
  };
  const get = async (as: string, path: string) => request(gw.url).get(`/api/v1${path}`).set('authorization', `Bearer ${await token(as)}`);

  before(async () => {
    gw = await startTestGateway(await withTestClients(requiredAuthConfig(), ['efa-wohngeld-lsa', 'fv-15003000-wohngeld']));
    const w = await request(gw.url)
      .post('/api/v1/messages')
      .set('authorization', `Bearer ${await token('efa-wohngeld-lsa')}`)
      .attach('message', Buffer.from(wohngeldAntrag({ ags: MD })), { filename: 'm.xml', contentType: 'application/xml' })
      .attach('attachment', pdf, { filename: 'einkommen.pdf', contentType: 'application/pdf' });
    expect(w.status, JSON.stringify(w.body)).to.equal(202);
    wohngeldId = w.body.gatewayId;
    const h = await request(gw.url).post('/api/v1/messages').set('authorization', `Bearer ${await tokenFor(gw.url, 'efa-hund-lsa')}`).set('content-type', 'application/xml').send(hundAnmeldung({ ags: MD }));
    expect(h.status, JSON.stringify(h.body)).to.equal(202);
    hundId = h.body.gatewayId;
  });
  after(() => gw?.stop());

  for (const suffix of ['', '/payload', '/receipt', '/events']) {
    it(`refuses GET /messages/{wohngeld id}${suffix} to the Hund Fachverfahren (message.own), allows the Wohngeld one`, async () => {
      const res = await get('fv-15003000-hund', `/messages/${wohngeldId}${suffix}`);
      expect(res.status, JSON.stringify(res.body).slice(0, 300)).to.equal(403);
      expect(res.body).to.include({ code: 'GW_FORBIDDEN', rule: 'message.own' });
      expect((await get('fv-15003000-wohngeld', `/messages/${wohngeldId}${suffix}`)).status).to.equal(200);
      expect((await get('fv-15003000-hund', `/messages/${hundId}${suffix}`)).status).to.equal(200);
    });
  }

  it('lists to the Hund Fachverfahren only Hund messages of its AGS; the municipality sees both', async () => {
    const fv = await get('fv-15003000-hund', '/messages');
    expect(fv.status, JSON.stringify(fv.body).slice(0, 300)).to.equal(200);
    const ids = (fv.body.items as Array<{ id: string }>).map((m) => m.id);
    expect(ids).to.include(hundId);
    expect(ids).not.to.include(wohngeldId);
    const asked = await get('fv-15003000-hund', `/messages?ags=${MD}&type=wohngeld.antrag.0201`);
    expect((asked.body.items as Array<{ id: string }>).map((m) => m.id)).not.to.include(wohngeldId);
    const md = await get('magdeburg', '/messages');
    expect((md.body.items as Array<{ id: string }>).map((m) => m.id)).to.include.members([hundId, wohngeldId]);
  });

  it('refuses the Wohngeld attachment to the Hund Fachverfahren (attachment.own)', async () => {
    const res = await get('fv-15003000-hund', `/attachments/${sha}`);
    expect(res.status).to.equal(403);
    expect(res.body).to.include({ code: 'GW_FORBIDDEN', rule: 'attachment.own' });
    expect((await get('fv-15003000-wohngeld', `/attachments/${sha}`)).status).to.equal(200);
  });
});
