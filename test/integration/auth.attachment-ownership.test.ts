import { expect } from 'chai';
import { createHash } from 'node:crypto';
import request from 'supertest';
import { requiredAuthConfig, tokenFor } from '../auth/oauth-fixture.js';
import { startTestGateway } from '../support/gateway.js';
import { hundAnmeldung } from '../support/xzsa-fixtures.js';

/** Attachments are payload: only a participant owning one of the messages that carry it may fetch it. */
describe('auth: attachment downloads follow message ownership', function () {
  this.timeout(60_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  const pdf = Buffer.from('%PDF-1.4 synthetic Nachweis for an ownership test\n');
  const sha = createHash('sha512').update(pdf).digest('hex');

  before(async () => {
    gw = await startTestGateway(requiredAuthConfig());
    const efa = await tokenFor(gw.url, 'efa-hund-lsa');
    const res = await request(gw.url)
      .post('/api/v1/messages')
      .set('authorization', `Bearer ${efa}`)
      .attach('message', Buffer.from(hundAnmeldung({ ags: '15003000' })), { filename: 'm.xml', contentType: 'application/xml' })
      .attach('attachment', pdf, { filename: 'nachweis.pdf', contentType: 'application/pdf' });
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
  });
  after(() => gw?.stop());

  const get = async (client: Parameters<typeof tokenFor>[1]) =>
    request(gw.url).get(`/api/v1/attachments/${sha}`).set('authorization', `Bearer ${await tokenFor(gw.url, client)}`);

  it('lets the sender and the responsible municipality fetch it', async () => {
    for (const client of ['efa-hund-lsa', 'magdeburg'] as const) {
      const res = await get(client);
      expect(res.status, client).to.equal(200);
      expect(Buffer.from(res.body as Buffer).equals(pdf), client).to.equal(true);
    }
  });

  it('refuses another municipality with 403 attachment.own', async () => {
    const res = await get('halle');
    expect(res.status).to.equal(403);
    expect(res.body).to.include({ code: 'GW_FORBIDDEN', rule: 'attachment.own' });
  });
});
