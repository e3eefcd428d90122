import { expect } from 'chai';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { normaliseSerial } from '../../gateway/auth/der.js';
import { LAYOUT, revoke } from '../../certs-dev/generate.js';
import { PKI_TIMEOUT_MS, testPki } from '../auth/pki-fixture.js';
import { startTestGateway, testConfig } from '../support/gateway.js';

/**
 * A revoked client certificate is refused from the next connection on, without SIGHUP:
 * the gateway notices the changed CRL file (`server.tls.crlCheckIntervalMs`). The list it
 * reloads is the one the authenticator uses (there is exactly one). The PKI is a private
 * copy, so revoking here touches no other test.
 */
describe('CRL: a revoked certificate is refused without waiting for SIGHUP', function () {
  this.timeout(120_000);
  let pkiDir: string;

  before(async function () {
    this.timeout(PKI_TIMEOUT_MS);
    const shared = await testPki();
    pkiDir = mkdtempSync(join(tmpdir(), 'zsa-crl-reload-'));
    cpSync(shared.dir, pkiDir, { recursive: true });
  });
  after(() => rmSync(pkiDir, { recursive: true, force: true }));

  async function gatewayWith(crlCheckIntervalMs: number) {
    const cfg = testConfig();
    cfg.server.tls = {
      certFile: join(pkiDir, LAYOUT.serverCert), keyFile: join(pkiDir, LAYOUT.serverKey), caFile: join(pkiDir, LAYOUT.chain),
      crlFile: join(pkiDir, LAYOUT.crl), crlCheckIntervalMs, clientAuth: 'required',
    };
    return startTestGateway(cfg);
  }

  /** One request on a fresh connection (new agent) with the participant's client certificate. */
  async function callAs(url: string, id: string): Promise<{ status: number; reason?: string }> {
    const agent = new Agent({ connect: { ca: readFileSync(join(pkiDir, LAYOUT.root)), cert: readFileSync(join(pkiDir, LAYOUT.clientCert(id))), key: readFileSync(join(pkiDir, LAYOUT.clientKey(id))) } });
    try {
      const res = await request(`${url}/api/v1/rejections?limit=1`, { dispatcher: agent });
      const body = (await res.body.json()) as { reason?: string };
      return { status: res.statusCode, ...(body.reason ? { reason: body.reason } : {}) };
    } finally {
      await agent.close();
    }
  }
  const serialOf = (id: string) => normaliseSerial(new X509Certificate(readFileSync(join(pkiDir, LAYOUT.clientCert(id)))).serialNumber);

  it('refuses the next connection after `certs revoke`, and the reloaded list is the one in use', async () => {
    const gw = await gatewayWith(0);
    try {
      expect(await callAs(gw.url, 'fv-15003000-hund')).to.deep.equal({ status: 200 });
      const before = gw.revocation!.generation;
      revoke(pkiDir, 'fv-15003000-hund');
      expect(await callAs(gw.url, 'fv-15003000-hund')).to.deep.equal({ status: 401, reason: 'revoked' });
      expect(gw.revocation!.generation, 'the file was re-read once').to.equal(before + 1);
      expect([...gw.revocation!.current()[0]!.revoked.keys()]).to.include(serialOf('fv-15003000-hund'));
      expect(await callAs(gw.url, 'zsa-lsa'), 'other participants unaffected').to.deep.equal({ status: 200 });
    } finally {
      await gw.stop();
    }
  });

  it('with a long check interval, reloadCrl (SIGHUP) reloads the very list the authenticator checks', async () => {
    const gw = await gatewayWith(3_600_000);
    try {
      expect(await callAs(gw.url, 'magdeburg')).to.deep.equal({ status: 200 });
      revoke(pkiDir, 'magdeburg');
      expect(await callAs(gw.url, 'magdeburg'), 'not checked again before the interval').to.deep.equal({ status: 200 });
      gw.reloadCrl();
      expect(await callAs(gw.url, 'magdeburg')).to.deep.equal({ status: 401, reason: 'revoked' });
    } finally {
      await gw.stop();
    }
  });
});
