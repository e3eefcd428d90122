import { expect } from 'chai';
import express from 'express';
import { readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pino } from 'pino';
import { Agent, request as undiciRequest } from 'undici';
import { LAYOUT, revoke } from '../../certs-dev/generate.js';
import { CrlFile } from '../../gateway/auth/crl.js';
import { authenticatedParticipant, buildTlsOptions, requireClientCertificate, type AuthParticipant } from '../../gateway/auth/tls.js';
import { PARTICIPANTS, PKI_TIMEOUT_MS, REVOKABLE, testPki, type TestPki } from './pki-fixture.js';

interface Reply {
  status: number;
  type: string;
  body: Record<string, unknown>;
}
interface LogLine {
  level: number;
  msg: string;
  reason?: string;
  certificate?: { serialNumber: string; fingerprint256: string };
}
type Creds = { certFile: string; keyFile: string } | undefined;

describe('mTLS: client certificates over real TLS', function () {
  let pki: TestPki;
  let server: Server;
  let port: number;
  let crl: CrlFile;
  let rootPem: Buffer;
  const lines: LogLine[] = [];
  const client = (id: string): Creds => ({ certFile: join(pki.dir, LAYOUT.clientCert(id)), keyFile: join(pki.dir, LAYOUT.clientKey(id)) });

  before(async function () {
    this.timeout(PKI_TIMEOUT_MS);
    pki = await testPki();
    const log = pino({ level: 'warn' }, { write: (s: string) => lines.push(JSON.parse(s) as LogLine) });
    crl = new CrlFile(join(pki.dir, LAYOUT.crl), join(pki.dir, LAYOUT.chain));
    rootPem = readFileSync(join(pki.dir, LAYOUT.root));
    const zsaFp = pki.result.participants.find((p) => p.id === 'zsa-lsa')!.clientFingerprint256;
    // A second view of the same participants: magdeburg configured with another kennung, zsa-lsa pinned to its certificate.
    const pinned: AuthParticipant[] = [
      { ...PARTICIPANTS[0], kennung: 'ags:15099999' },
      { ...PARTICIPANTS[1], certFingerprints: [zsaFp.toLowerCase()] },
    ];
    const app = express();
    app.get('/whoami', requireClientCertificate([...PARTICIPANTS], log, { crl }), (_req, res) => {
      res.json({ participant: authenticatedParticipant(res)?.id });
    });
    app.post('/whoami', requireClientCertificate([...PARTICIPANTS], log, { crl }), (_req, res) => {
      res.json({ participant: authenticatedParticipant(res)?.id });
    });
    app.get('/pinned', requireClientCertificate(pinned, log, { crl }), (_req, res) => {
      res.json({ participant: authenticatedParticipant(res)?.id });
    });
    server = createServer(
      buildTlsOptions({
        certFile: join(pki.dir, LAYOUT.serverCert),
        keyFile: join(pki.dir, LAYOUT.serverKey),
        caFile: join(pki.dir, LAYOUT.chain),
        crlFile: join(pki.dir, LAYOUT.crl),
        requestClientCert: true,
      }),
      app,
    );
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
  });

  beforeEach(() => {
    lines.length = 0;
  });

  /** One request on a fresh connection; the client trusts only the dev root, so the server chain is checked too. */
  function get(creds: Creds, path = '/whoami', body?: Buffer): Promise<Reply> {
    return new Promise((ok, fail) => {
      const req = request(
        { host: '127.0.0.1', port, path, method: body ? 'POST' : 'GET', agent: false, ca: rootPem, ...(creds ? { cert: readFileSync(creds.certFile), key: readFileSync(creds.keyFile) } : {}) },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => ok({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
        },
      );
      req.on('error', fail);
      req.end(body);
    });
  }

  async function expectRefused(creds: Creds, reason: string, path = '/whoami'): Promise<Reply> {
    const r = await get(creds, path);
    expect(r.status, JSON.stringify(r.body)).to.equal(401);
    expect(r.type).to.match(/^application\/problem\+json/);
    expect(r.body).to.include({ code: 'GW_UNAUTHENTICATED', type: 'urn:zsa-gateway:problem:unauthenticated', status: 401, reason, instance: path });
    expect(lines, 'exactly one log line per refusal').to.have.length(1);
    expect(lines[0]).to.include({ level: 40, reason });
    expect(lines[0]!.msg).to.contain(`client certificate refused: ${reason}`);
    return r;
  }

  it('accepts a valid client certificate and names its participant (node https)', async () => {
    const r = await get(client('magdeburg'));
    expect(r.status).to.equal(200);
    expect(r.body).to.deep.equal({ participant: 'magdeburg' });
    expect(lines).to.have.length(0);
  });

  it('accepts a valid client certificate over undici too', async () => {
    const c = client('zsa-lsa')!;
    const dispatcher = new Agent({ connect: { ca: rootPem, cert: readFileSync(c.certFile), key: readFileSync(c.keyFile) } });
    try {
      const r = await undiciRequest(`https://127.0.0.1:${port}/whoami`, { dispatcher });
      expect(r.statusCode).to.equal(200);
      expect(await r.body.json()).to.deep.equal({ participant: 'zsa-lsa' });
    } finally {
      await dispatcher.close();
    }
  });

  it('refuses a client without a certificate: no-certificate', async () => {
    await expectRefused(undefined, 'no-certificate');
  });

  it('refuses a POST without reading its body, and the client still reads the refusal', async () => {
    const r = await get(undefined, '/whoami', Buffer.alloc(4 * 1024 * 1024, 0x41));
    expect(r.status).to.equal(401);
    expect(r.body).to.include({ reason: 'no-certificate' });
  });

  it('refuses an expired certificate of the right CA: expired', async () => {
    const r = await expectRefused(pki.oddities.expired, 'expired');
    expect(r.body['detail']).to.match(/CERT_HAS_EXPIRED/);
  });

  it('refuses a certificate that is not yet valid: not-yet-valid', async () => {
    await expectRefused(pki.oddities.notYetValid, 'not-yet-valid');
  });

  it('refuses a certificate from an unknown CA although it names a configured participant: unknown-ca', async () => {
    await expectRefused(pki.oddities.unknownCa, 'unknown-ca');
  });

  it('refuses the server certificate used as a client certificate: wrong-purpose', async () => {
    await expectRefused({ certFile: join(pki.dir, LAYOUT.serverCert), keyFile: join(pki.dir, LAYOUT.serverKey) }, 'wrong-purpose');
  });

  it('refuses a valid certificate of a participant that is not configured: unknown-participant', async () => {
    const r = await expectRefused(pki.oddities.unconfigured, 'unknown-participant');
    expect(r.body['detail']).to.contain('"not-configured" is not configured');
  });

  it('refuses a certificate whose kennung differs from the configured one; accepts a pinned fingerprint', async () => {
    const r = await expectRefused(client('magdeburg'), 'unknown-participant', '/pinned');
    expect(r.body['detail']).to.contain('kennung');
    lines.length = 0;
    expect((await get(client('zsa-lsa'), '/pinned')).body).to.deep.equal({ participant: 'zsa-lsa' });
  });

  it('refuses a revoked certificate once the CRL is reloaded, and only that one: revoked', async () => {
    expect((await get(client(REVOKABLE))).status, 'valid before revocation').to.equal(200);
    const rev = revoke(pki.dir, REVOKABLE);
    expect(rev.added).to.equal(true);
    crl.reload();
    const r = await expectRefused(client(REVOKABLE), 'revoked');
    expect(r.body['detail']).to.contain(rev.serial);
    expect(lines[0]!.certificate?.serialNumber).to.equal(rev.serial);
    lines.length = 0;
    expect((await get(client('magdeburg'))).status, 'others unaffected').to.equal(200);
    expect(revoke(pki.dir, REVOKABLE).added, 'revoking twice changes nothing').to.equal(false);
  });
});
