import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { PACKAGE_ROOT } from '../../gateway/paths.js';
import { startTestGateway, testConfig, waitFor } from '../support/gateway.js';
import { hundAnmeldung } from '../support/xzsa-fixtures.js';

/**
 * An EfA service that names the municipality by its ARS (XZSA 1.1 allows it in the header):
 * routed by the AGS, listed under either key, and the admin API takes either (ADR 0021).
 * XZSA 1.0 keeps its published 8-digit AGS.
 */
describe('routing: an ARS over HTTP (XZSA 1.1 header, message and admin API filters)', function () {
  this.timeout(60_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  before(async () => {
    gw = await startTestGateway(testConfig());
  });
  after(() => gw?.stop());

  /** The XZSA 1.1 sample with an ARS in the header, with a fresh message UUID and Vorgang id. */
  const withArs = (ars: string): string => readFileSync(`${PACKAGE_ROOT}/schemas-xoev/xzsa/1.1/samples/valid/hund.anmeldung.0101-ars.xml`, 'utf8')
    .replace(/<xzsab:nachrichtenUUID>[^<]+</, `<xzsab:nachrichtenUUID>${randomUUID()}<`)
    .replace(/<xzsab:vorgangsID>[^<]+</, `<xzsab:vorgangsID>${randomUUID()}<`)
    .replace(/<xzsab:ags>[^<]+</, `<xzsab:ags>${ars}<`);
  const post = (xml: string) => request(gw.url).post('/api/v1/messages').set('content-type', 'application/xml').send(xml);

  it('routes a Sülzetal application named by its ARS as the AGS 15083490 (e2e: the ZSA queue) and stores the AGS', async () => {
    const res = await post(withArs('150830490490'));
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    const m = await waitFor('stored', async () => (await gw.services.store.getMessage(res.body.gatewayId as string)) ?? undefined);
    expect([m.ags, m.endpointId, m.version]).to.deep.equal(['15083490', 'zsa-hund', '1.1']);
    const byArs = await request(gw.url).get('/api/v1/messages?ags=150830490490');
    const byAgs = await request(gw.url).get('/api/v1/messages?ags=15083490');
    expect(byArs.body.items.map((i: { id: string }) => i.id)).to.deep.equal([m.id]);
    expect(byAgs.body.items.map((i: { id: string }) => i.id)).to.deep.equal([m.id]);
  });

  it('refuses an ARS of no configured municipality as it refuses such an AGS, and an ARS in XZSA 1.0', async () => {
    const unknown = await post(withArs('150890999999'));
    expect(unknown.status).to.equal(422);
    expect(unknown.body.code).to.equal('GW_ROUTE_NO_MATCH');
    const old = await post(hundAnmeldung({ ags: '150030000000' }));
    expect(old.body.code).to.equal('GW_XSD_INVALID');
  });

  it('takes an AGS or an ARS in the admin API and refuses anything else with a problem naming the parameter', async () => {
    const put = await request(gw.url).put('/api/v1/admin/municipalities/150910000000/delegations/wohngeld').send({ mode: 'backoffice', reason: 'ARS test' });
    expect(put.status, JSON.stringify(put.body)).to.equal(200);
    expect(put.body.ags).to.equal('15091000');
    const history = await request(gw.url).get('/api/v1/admin/delegations/history?ags=150910000000');
    expect(history.body.items.map((i: { ags: string; mode: string }) => [i.ags, i.mode])).to.deep.equal([['15091000', 'backoffice']]);
    for (const path of ['/api/v1/messages?ags=1509100', '/api/v1/admin/delegations/history?ags=abc']) {
      const bad = await request(gw.url).get(path);
      expect(bad.status, path).to.equal(400);
      expect(bad.body.code, path).to.equal('GW_BAD_REQUEST');
      expect(bad.body.issues?.[0]?.path ?? bad.body.errors?.[0]?.path, path).to.equal('query.ags');
    }
  });
});
