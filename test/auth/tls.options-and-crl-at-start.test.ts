import { expect } from 'chai';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { LAYOUT } from '../../certs-dev/generate.js';
import { certificatesOf, crlDersOf, CrlFile, parseCrlDer } from '../../gateway/auth/crl.js';
import { buildTlsOptions, type TlsFileOptions } from '../../gateway/auth/tls.js';
import { GatewayError } from '../../gateway/errors.js';
import { PKI_TIMEOUT_MS, testPki, type TestPki } from './pki-fixture.js';

function configIssue(fn: () => unknown): { path?: string; message: string } {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(GatewayError);
    expect((err as GatewayError).code).to.equal('GW_CONFIG_INVALID');
    return (err as GatewayError).issues[0]!;
  }
  throw new Error('accepted');
}

describe('TLS options and CRL files are checked at start', function () {
  let pki: TestPki;
  let files: TlsFileOptions;
  const at = (rel: string) => join(pki.dir, rel);

  before(async function () {
    this.timeout(PKI_TIMEOUT_MS);
    pki = await testPki();
    files = { certFile: at(LAYOUT.serverCert), keyFile: at(LAYOUT.serverKey), caFile: at(LAYOUT.chain), crlFile: at(LAYOUT.crl), requestClientCert: true };
  });

  it('asks for client certificates, never aborts the handshake over them, and trusts only the configured CA', () => {
    const o = buildTlsOptions(files);
    expect(o).to.include({ requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.2' });
    const ca = (o.ca as string[]).map((p) => new X509Certificate(p).subject);
    expect(ca).to.have.length(2);
    expect(ca.join('\n')).to.contain('CN=zsa-gateway Dev Intermediate CA').and.to.contain('CN=zsa-gateway Dev Root CA');
    expect(buildTlsOptions({ ...files, requestClientCert: false }).requestCert).to.equal(false);
  });

  it('names the setting when a file is missing, the key belongs to another certificate, or the CRL is unusable', () => {
    expect(configIssue(() => buildTlsOptions({ ...files, certFile: at('missing.pem') })).path).to.equal('tls.certFile');
    expect(configIssue(() => buildTlsOptions({ ...files, keyFile: at(LAYOUT.clientKey('magdeburg')) })).path).to.equal('tls.keyFile');
    expect(configIssue(() => buildTlsOptions({ ...files, caFile: at(LAYOUT.crl) })).path).to.equal('tls.caFile');
    expect(configIssue(() => buildTlsOptions({ ...files, crlFile: at(LAYOUT.root) })).message).to.contain('no PEM X509 CRL block');
    const foreign = configIssue(() => new CrlFile(at(LAYOUT.crl), at(`${LAYOUT.oddities}/unknown-root.pem`)));
    expect(foreign).to.include({ path: 'tls.crlFile' });
    expect(foreign.message).to.contain('does not verify against any configured CA');
  });

  it('reads the generated CRL: v2, signed by the intermediate, with a CRL number; OpenSSL parses it too', () => {
    const pem = readFileSync(at(LAYOUT.crl), 'utf8');
    const [der] = crlDersOf(pem);
    const list = parseCrlDer(der!, certificatesOf(readFileSync(at(LAYOUT.chain), 'utf8')));
    expect(list.issuer.subject).to.contain('CN=zsa-gateway Dev Intermediate CA');
    expect(list.crlNumber).to.be.a('bigint');
    expect(list.nextUpdate!.getTime()).to.be.greaterThan(list.thisUpdate.getTime());
    expect(() => createSecureContext({ crl: pem })).to.not.throw();
  });

  it('refuses a tampered CRL and keeps the last good one in force on reload', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'zsa-crl-'));
    try {
      const copy = join(scratch, 'crl.pem');
      copyFileSync(at(LAYOUT.crl), copy);
      const file = new CrlFile(copy, at(LAYOUT.chain));
      const good = file.current();
      const der = crlDersOf(readFileSync(copy, 'utf8'))[0]!;
      const at40 = der.length - 40;
      der.writeUInt8(der.readUInt8(at40) ^ 0x01, at40); // one bit of the signature
      writeFileSync(copy, `-----BEGIN X509 CRL-----\n${der.toString('base64')}\n-----END X509 CRL-----\n`);
      expect(configIssue(() => file.reload()).path).to.equal('tls.crlFile');
      expect(file.current()).to.equal(good);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
