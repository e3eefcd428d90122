import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { LAYOUT } from '../../certs-dev/files.js';
import { PKI_TIMEOUT_MS, requiredClientTls, testPki, type TestPki } from '../auth/pki-fixture.js';
import { startTestGateway, testConfig } from '../support/gateway.js';
import { hundAnmeldung } from '../support/xzsa-fixtures.js';

/** The whole gateway over HTTPS with client certificates (mTLS) from the development PKI. */
describe('gateway over mTLS', function () {
  this.timeout(120_000);
  let pki: TestPki;
  let gw: Awaited<ReturnType<typeof startTestGateway>>;

  before(async function () {
    this.timeout(PKI_TIMEOUT_MS);
    pki = await testPki();
    const cfg = testConfig();
    cfg.server.tls = requiredClientTls(pki);
    gw = await startTestGateway(cfg);
  });
  after(() => gw?.stop());

  const agent = (who?: { certFile: string; keyFile: string }) =>
    new Agent({ connect: { ca: readFileSync(join(pki.dir, LAYOUT.root)), ...(who ? { cert: readFileSync(who.certFile), key: readFileSync(who.keyFile) } : {}) } });
  const client = (id: string) => ({ certFile: join(pki.dir, LAYOUT.clientCert(id)), keyFile: join(pki.dir, LAYOUT.clientKey(id)) });

  it('serves HTTPS; /health needs no client certificate', async () => {
    expect(gw.url).to.match(/^https:/);
    const res = await request(`${gw.url}/health`, { dispatcher: agent() });
    expect(res.statusCode).to.equal(200);
    await res.body.dump();
  });

  it('accepts a message from a participant with its client certificate', async () => {
    const res = await request(`${gw.url}/api/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: hundAnmeldung(), dispatcher: agent(client('zsa-lsa')) });
    const body = (await res.body.json()) as { gatewayId: string };
    expect(res.statusCode, JSON.stringify(body)).to.equal(202);
    expect(body.gatewayId).to.be.a('string');
  });

  it('refuses the API without a client certificate, and with an expired or foreign one, with problem+json', async () => {
    for (const [who, reason] of [[undefined, 'no-certificate'], [pki.oddities.expired, 'expired'], [pki.oddities.unknownCa, 'unknown-ca']] as const) {
      const res = await request(`${gw.url}/api/v1/messages`, { dispatcher: agent(who) });
      const body = (await res.body.json()) as { code: string; reason: string };
      expect(res.statusCode).to.equal(401);
      expect(res.headers['content-type']).to.match(/problem\+json/);
      expect(body).to.include({ code: 'GW_UNAUTHENTICATED', reason });
    }
  });

  it('refuses the monitoring UI without a client certificate too (auth.mode off is the local admin only after the certificate check)', async () => {
    const res = await request(`${gw.url}/ui/overview`, { dispatcher: agent() });
    const body = (await res.body.json()) as { code: string };
    expect(res.statusCode).to.equal(401);
    expect(body.code).to.equal('GW_UNAUTHENTICATED');
    const ok = await request(`${gw.url}/ui/overview`, { dispatcher: agent(client('zsa-lsa')) });
    expect(ok.statusCode).to.equal(200);
    expect(await ok.body.text()).to.contain('<h1>Übersicht</h1>');
  });
});
