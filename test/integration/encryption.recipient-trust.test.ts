import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LAYOUT } from '../../certs-dev/files.js';
import type { GatewayConfig } from '../../gateway/config/schema.js';
import { X509Certificate } from 'node:crypto';
import { loadRecipientKeys } from '../../gateway/crypto/config-keys.js';
import { GatewayError } from '../../gateway/errors.js';
import { PKI_TIMEOUT_MS, testPki, type TestPki } from '../auth/pki-fixture.js';
import { encryptionKeys } from '../crypto/support.js';
import { startTestGateway, testConfig } from '../support/gateway.js';

/** With a participant CA configured, a receiver's encryption key must chain to it (x5c), as FIT-Connect derives keys from certificates. */
describe('encryption: recipient keys must chain to the participant CA', function () {
  this.timeout(120_000);
  let pki: TestPki;
  before(async function () {
    this.timeout(PKI_TIMEOUT_MS);
    pki = await testPki();
  });

  function tlsConfig(encryptionKey: string): GatewayConfig {
    const cfg = testConfig();
    cfg.server.tls = { certFile: join(pki.dir, LAYOUT.serverCert), keyFile: join(pki.dir, LAYOUT.serverKey), caFile: join(pki.dir, LAYOUT.chain), clientAuth: 'required' };
    cfg.participants = cfg.participants.map((p) => (p.id === 'magdeburg' ? { ...p, encryptionKey } : p));
    return cfg;
  }

  it('starts with a key from the development PKI (x5c chain to the configured CA)', async () => {
    const gw = await startTestGateway(tlsConfig(join(pki.dir, LAYOUT.encPublic('magdeburg'))));
    expect(gw.services.recipientKeys?.get('fv-15003000-hund')?.x5c).to.be.an('array').that.is.not.empty;
    await gw.stop();
  });

  it('a key revoked while the gateway runs is refused at its next use, never replaced by plaintext', () => {
    const revoked = new Set<string>();
    const keys = loadRecipientKeys(tlsConfig(join(pki.dir, LAYOUT.encPublic('magdeburg'))).participants, { isRevoked: (c) => (revoked.has(c.serialNumber) ? new Date('2026-12-01T00:00:00Z') : undefined) });
    const jwk = keys.get('fv-15003000-hund');
    expect(jwk?.x5c).to.be.an('array').that.is.not.empty;
    revoked.add(new X509Certificate(Buffer.from(jwk!.x5c![0]!, 'base64')).serialNumber);
    let refused: unknown = null;
    try {
      keys.get('fv-15003000-hund');
    } catch (err) {
      refused = err;
    }
    expect(refused).to.be.instanceOf(GatewayError);
    expect((refused as GatewayError).code).to.equal('GW_KEY_UNSUITABLE');
    expect(keys.get('fv-15002000-hund'), 'an endpoint without a key is unaffected').to.equal(undefined);
  });

  it('refuses to start with a key that carries no chain', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'zsa-trust-')), 'bare.jwk.json');
    writeFileSync(file, JSON.stringify(encryptionKeys('trust-bare').publicJwk));
    let refused: unknown = null;
    try {
      const gw = await startTestGateway(tlsConfig(file));
      await gw.stop();
    } catch (err) {
      refused = err;
    }
    expect(refused).to.be.instanceOf(GatewayError);
    expect((refused as GatewayError).code).to.equal('GW_CONFIG_INVALID');
    expect((refused as GatewayError).issues.map((i) => i.message).join(' ')).to.contain('no x5c chain');
  });
});
