import { expect } from 'chai';
import request from 'supertest';
import { requiredAuthConfig, tokenFor } from '../auth/oauth-fixture.js';
import { startTestGateway } from '../support/gateway.js';
import { hundAnmeldung } from '../support/xzsa-fixtures.js';

const vorgangOf = (xml: string) => /<xzsab:vorgangsID>([^<]+)</.exec(xml)![1]!;

/**
 * Vorgang ids are chosen by the sender — random UUIDs in XZSA, but file numbers such as
 * `AZ-2025-0001` in other standards and on pass-through routes. A participant that is no
 * party of a case got 403 for an existing Vorgang and 404 for an unknown one, so it could
 * find out which cases exist. Now both get the same 403 (`vorgang.party`); operators and
 * admins, who may read every case, still get 404 for an unknown one.
 */
describe('auth: GET /vorgaenge/{id} does not tell a non-party whether the case exists', function () {
  this.timeout(60_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let existing: string;

  before(async () => {
    gw = await startTestGateway(requiredAuthConfig());
    const xml = hundAnmeldung({ ags: '15003000' });
    const r = await request(gw.url).post('/api/v1/messages').set('authorization', `Bearer ${await tokenFor(gw.url, 'efa-hund-lsa')}`).set('content-type', 'application/xml').send(xml);
    expect(r.status).to.equal(202);
    existing = vorgangOf(xml);
  });
  after(() => gw?.stop());

  const answer = async (as: Parameters<typeof tokenFor>[1], id: string) => {
    const r = await request(gw.url).get(`/api/v1/vorgaenge/${encodeURIComponent(id)}`).set('authorization', `Bearer ${await tokenFor(gw.url, as)}`);
    return { status: r.status, code: r.body.code, rule: r.body.rule ?? null, detail: String(r.body.detail ?? '').replace(id, '<id>') };
  };

  it('answers Halle the same for Magdeburg\'s case and for cases that do not exist', async () => {
    const foreign = await answer('halle', existing);
    expect(foreign).to.include({ status: 403, code: 'GW_FORBIDDEN', rule: 'vorgang.party' });
    for (const id of ['00000000-0000-4000-8000-000000000000', 'AZ-2025-0001']) expect(await answer('halle', id), id).to.deep.equal(foreign);
  });

  it('still answers 404 to the operator for an unknown case, 200 for a known one', async () => {
    expect((await answer('betrieb', 'AZ-2025-0001')).status).to.equal(404);
    expect((await answer('betrieb', existing)).status).to.equal(200);
  });
});
