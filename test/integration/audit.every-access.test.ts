import { expect } from 'chai';
import request from 'supertest';
import { requiredAuthConfig, tokenFor } from '../auth/oauth-fixture.js';
import { startTestGateway, waitFor } from '../support/gateway.js';
import { hundAnmeldung } from '../support/xzsa-fixtures.js';

/** Every API access — allowed or refused — leaves an entry in the hash-chained audit log. */
describe('audit: every API access is recorded', function () {
  this.timeout(60_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  before(async () => {
    gw = await startTestGateway(requiredAuthConfig());
  });
  after(() => gw?.stop());

  it('records who did what to which resource, allowed and refused, and the chain verifies', async () => {
    const audit = gw.services.audit!;
    const efa = await tokenFor(gw.url, 'efa-hund-lsa');
    const halle = await tokenFor(gw.url, 'halle');

    const sent = await request(gw.url).post('/api/v1/messages').set('authorization', `Bearer ${efa}`).set('content-type', 'application/xml').send(hundAnmeldung({ ags: '15003000' }));
    expect(sent.status).to.equal(202);
    const id = sent.body.gatewayId as string;
    const refused = await request(gw.url).get(`/api/v1/messages/${id}`).set('authorization', `Bearer ${halle}`); // another municipality
    expect(refused.status).to.equal(403);
    const anonymous = await request(gw.url).get('/api/v1/messages');
    expect(anonymous.status).to.equal(401);

    const entries = await waitFor('three audit entries', async () => {
      const all = await audit.list();
      return all.length >= 3 ? all : undefined;
    });
    const submit = entries.find((e) => e.action === 'api.post.messages');
    expect(submit).to.include({ actor: 'participant:efa-hund-lsa', outcome: 'allowed', target: `message:${id}` });
    const cross = entries.find((e) => e.action === 'api.get.messages.id');
    expect(cross).to.include({ actor: 'participant:halle', outcome: 'refused' });
    const anon = entries.find((e) => e.action === 'api.get.messages' && e.outcome === 'refused');
    expect(anon?.actor).to.match(/^anonymous@/);

    const verified = await audit.verify();
    expect(verified.ok).to.equal(true);
  });

  it('commits the entry of a change before the answer leaves', async () => {
    const admin = await tokenFor(gw.url, 'admin');
    const res = await request(gw.url)
      .put('/api/v1/admin/municipalities/15002000/delegations/hund')
      .set('authorization', `Bearer ${admin}`)
      .send({ mode: 'e2e', reason: 'Audit-Test' });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    // no waiting: the entry must already be there
    const entries = await gw.services.audit!.list({ actor: 'participant:admin' });
    expect(entries.map((e) => e.action)).to.include('api.put.admin.municipalities.id.delegations.hund');
  });
});
