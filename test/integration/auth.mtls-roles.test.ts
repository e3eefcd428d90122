import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { LAYOUT } from '../../certs-dev/files.js';
import { PKI_TIMEOUT_MS, requiredClientTls, testPki, type TestPki } from '../auth/pki-fixture.js';
import { requiredAuthConfig } from '../auth/oauth-fixture.js';
import { runCli, show } from '../support/cli.js';
import { startTestGateway } from '../support/gateway.js';
import { hundAnmeldung } from '../support/xzsa-fixtures.js';

/** Roles with client certificates (real TLS, development PKI): the certificate's participant is the caller. */
describe('auth: roles over mTLS (auth.mode required)', function () {
  this.timeout(120_000);
  let pki: TestPki;
  let gw: Awaited<ReturnType<typeof startTestGateway>>;

  before(async function () {
    this.timeout(PKI_TIMEOUT_MS);
    pki = await testPki();
    const cfg = requiredAuthConfig();
    cfg.server.tls = requiredClientTls(pki);
    gw = await startTestGateway(cfg);
  });
  after(() => gw?.stop());

  const agent = (id?: string) =>
    new Agent({ connect: { ca: readFileSync(join(pki.dir, LAYOUT.root)), ...(id ? { cert: readFileSync(join(pki.dir, LAYOUT.clientCert(id))), key: readFileSync(join(pki.dir, LAYOUT.clientKey(id))) } : {}) } });
  async function call(id: string | undefined, method: 'GET' | 'POST', path: string, o: { body?: string; headers?: Record<string, string> } = {}) {
    const res = await request(`${gw.url}${path}`, { method, dispatcher: agent(id), headers: o.headers ?? {}, ...(o.body ? { body: o.body } : {}) });
    const text = await res.body.text();
    return { status: res.statusCode, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  }

  it('a municipality\'s certificate opens its own mailbox and no other', async () => {
    expect((await call('magdeburg', 'GET', '/api/v1/mailboxes/fv-15003000-hund/messages')).status).to.equal(200);
    const other = await call('magdeburg', 'GET', '/api/v1/mailboxes/fv-15002000-hund/messages');
    expect(other.status).to.equal(403);
    expect(other.body).to.include({ code: 'GW_FORBIDDEN', role: 'municipality', participant: 'magdeburg', rule: 'mailbox.own' });
  });

  it('a certificate cannot submit under another participant\'s kennung', async () => {
    const res = await call('zsa-lsa', 'POST', '/api/v1/messages', { body: hundAnmeldung(), headers: { 'content-type': 'application/xml' } });
    expect(res.status).to.equal(403);
    expect(res.body).to.include({ code: 'GW_FORBIDDEN', rule: 'ingress.author' });
  });

  it('without a certificate, a Bearer token over TLS authenticates; without either, 401', async () => {
    const tok = await call(undefined, 'POST', '/token', { body: 'grant_type=client_credentials&client_id=admin&client_secret=demo-admin-secret', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(tok.status).to.equal(200);
    expect((await call(undefined, 'GET', '/api/v1/admin/participants', { headers: { authorization: `Bearer ${String(tok.body['access_token'])}` } })).status).to.equal(200);
    const none = await call(undefined, 'GET', '/api/v1/admin/participants');
    expect(none.status).to.equal(401);
    expect(none.body).to.include({ code: 'GW_UNAUTHENTICATED', reason: 'no-certificate' });
  });

  it('the CLI presents a client certificate with --cert/--key/--ca', async () => {
    const tls = ['--url', gw.url, '--cert', join(pki.dir, LAYOUT.clientCert('magdeburg')), '--key', join(pki.dir, LAYOUT.clientKey('magdeburg')), '--ca', join(pki.dir, LAYOUT.root)];
    const own = await runCli(['messages', 'list', ...tls]);
    expect(own.code, show(own)).to.equal(0);
    const admin = await runCli(['delegation', 'list', ...tls]);
    expect(admin.code, show(admin)).to.equal(2);
    expect(admin.stderr).to.contain('GW_FORBIDDEN');
  });
});
