import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueCertificate, rsaKeyPair } from '../../certs-dev/x509.js';
import { AlertEvaluator } from '../../gateway/monitoring/alerts.js';
import { watchedCertificates } from '../../gateway/monitoring/certificates.js';
import { AlertWebhook, type AlertEvent } from '../../gateway/monitoring/webhook.js';
import { quietLog, testConfig } from '../support/gateway.js';
import { HttpPeer } from '../support/http-peer.js';

const DAY = 86_400_000;

/**
 * The certificate-expiry rule on real certificate files (issued here with the dev PKI's
 * issuer code) and a real webhook receiver: the server certificate close to its end fires;
 * a renewed file on disk resolves it at the next evaluation.
 */
describe('alerts: certificate expiring within D days fires, and resolves when the file is renewed', function () {
  this.timeout(60_000);
  const receiver = new HttpPeer();
  const dir = mkdtempSync(join(tmpdir(), 'zsa-cert-alert-'));
  before(() => receiver.start());
  after(async () => {
    await receiver.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fires for `server` only, then resolves after renewal; the webhook gets both events', async () => {
    const t0 = Date.UTC(2027, 0, 15, 12);
    const key = await rsaKeyPair(2048);
    const cert = (cn: string, days: number) => issueCertificate({ commonName: cn, unit: 'test', publicKey: key.publicKey, selfKey: key.privateKey, notBefore: new Date(t0 - DAY), notAfter: new Date(t0 + days * DAY), keyUsage: { digitalSignature: true } }).pem;
    const certFile = join(dir, 'server.pem');
    const caFile = join(dir, 'ca.pem');
    writeFileSync(certFile, cert('gateway.example.test', 20));
    writeFileSync(caFile, cert('Participant CA (test)', 400));
    const cfg = testConfig();
    cfg.server.tls = { certFile, keyFile: join(dir, 'unused.key'), caFile, clientAuth: 'off' };

    const webhook = new AlertWebhook({ url: `http://127.0.0.1:${receiver.port}/alerts`, timeoutMs: 2000, maxAttempts: 2 }, () => 'test', quietLog());
    const alerts = new AlertEvaluator(
      [{ id: 'certs', kind: 'certificate-expiry', severity: 'critical', withinDays: 30 }],
      { backlog: () => Promise.reject(new Error('a certificate rule needs no backlog query')), endpointIds: [], endpointUp: () => true, certificates: () => watchedCertificates({ cfg }) },
      webhook,
      quietLog(),
    );

    expect(await alerts.evaluate(t0 - 30 * DAY)).to.deep.equal([]); // 50 days left
    const fired = await alerts.evaluate(t0);
    expect(fired.map((a) => [a.status, a.subject, a.value, a.unit])).to.deep.equal([['firing', 'server', 20, 'days']]);
    expect(alerts.active().map((a) => a.subject)).to.deep.equal(['server']);

    writeFileSync(certFile, cert('gateway.example.test', 365)); // renewed on disk
    const resolved = await alerts.evaluate(t0 + DAY);
    expect(resolved.map((a) => [a.status, a.subject])).to.deep.equal([['resolved', 'server']]);
    await webhook.idle();
    const events = receiver.accepted().map((r) => JSON.parse(r.body.toString('utf8')) as AlertEvent);
    expect(events.map((e) => [e.status, e.alert.rule, e.alert.subject])).to.deep.equal([
      ['firing', 'certs', 'server'],
      ['resolved', 'certs', 'server'],
    ]);

    // an unreadable certificate file is reported as expired, not silently dropped
    rmSync(caFile);
    const missing = await alerts.evaluate(t0 + DAY);
    expect(missing.map((a) => [a.status, a.subject])).to.deep.equal([['firing', 'participant-ca-0']]);
    expect(missing[0]!.summary).to.match(/^certificate participant-ca-0 expired on 1970-01-01$/);
    await webhook.close();
  });
});
