import { expect } from 'chai';
import request from 'supertest';
import { eventOf, SET_EVENT_TYPES, verifySet } from '../../gateway/crypto/set.js';
import { startTestGateway, testConfig, waitFor } from '../support/gateway.js';
import { hundAnmeldung } from '../support/xzsa-fixtures.js';

describe('signed receipts and events (Security Event Tokens)', function () {
  this.timeout(60_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let jwks: { keys: Array<Record<string, unknown>> };
  let id: string;
  let vorgangId: string;
  const cfg = testConfig();

  before(async () => {
    gw = await startTestGateway(cfg);
    const xml = hundAnmeldung({ ags: '15003000' });
    vorgangId = /<xzsab:vorgangsID>([^<]+)</.exec(xml)![1]!;
    const res = await request(gw.url).post('/api/v1/messages').set('content-type', 'application/xml').send(xml);
    expect(res.status).to.equal(202);
    id = res.body.gatewayId;
    await waitFor('in mailbox', async () => ((await gw.services.store.getMessage(id))?.state === 'in_mailbox' ? true : undefined));
    const k = await request(gw.url).get('/.well-known/jwks.json');
    expect(k.status).to.equal(200);
    jwks = JSON.parse(k.text);
  });
  after(() => gw?.stop());

  it('publishes only public key material', () => {
    expect(jwks.keys).to.have.length(1);
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(jwks.keys[0]).to.not.have.property(member);
    expect(jwks.keys[0]).to.include({ kty: 'RSA', alg: 'PS512', use: 'sig' });
  });

  it('hands out the receipt as a PS512 SET that verifies against the JWKS', async () => {
    const res = await request(gw.url).get(`/api/v1/messages/${id}/receipt`);
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.match(/application\/secevent\+jwt/);
    const claims = await verifySet(res.text, jwks as never, { issuer: `${gw.url}/` });
    expect(claims.sub).to.equal(`message:${id}`);
    expect(claims.txn).to.equal(`vorgang:${vorgangId}`);
    const ev = eventOf(claims);
    expect(ev.type).to.equal(SET_EVENT_TYPES.receipt);
    expect(ev.details).to.include({ state: 'queued', author: 'efa:hund-lsa' });
  });

  it('hands out one verifiable SET per state change, in order', async () => {
    const res = await request(gw.url).get(`/api/v1/messages/${id}/events`);
    expect(res.status).to.equal(200);
    expect(res.body.items.map((i: { to: string }) => i.to)).to.deep.equal(['received', 'validated', 'routed', 'queued', 'in_mailbox']);
    for (const item of res.body.items as Array<{ to: string; token: string }>) {
      const ev = eventOf(await verifySet(item.token, jwks as never));
      expect(ev.type).to.equal(SET_EVENT_TYPES.stateChange);
      expect(ev.details['to']).to.equal(item.to);
    }
  });

  it('a tampered receipt does not verify', async () => {
    const token = (await request(gw.url).get(`/api/v1/messages/${id}/receipt`)).text;
    const [h, p, sig] = token.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString('utf8'));
    payload.sub = 'message:someone-else';
    const forged = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${sig}`;
    let refused: unknown = null;
    try {
      await verifySet(forged, jwks as never);
    } catch (err) {
      refused = err;
    }
    expect((refused as { code?: string })?.code).to.equal('GW_SET_INVALID');
  });

  it('keeps the signing key across restarts of the same data folder', async () => {
    await gw.close();
    gw = await startTestGateway(cfg);
    const again = JSON.parse((await request(gw.url).get('/.well-known/jwks.json')).text);
    expect(again.keys[0].kid).to.equal(jwks.keys[0]!['kid']);
  });
});
