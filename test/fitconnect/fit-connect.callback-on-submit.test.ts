import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import pino from 'pino';
import { startGateway, type GatewayHandle } from '../../gateway/server.js';
import { testConfig, waitFor } from '../support/gateway.js';
import { HALLE, send } from './sender.js';

/**
 * The Submission API tells the destination's callback of every stored submission (ADR 0027 →
 * ADR 0028): a submit that the gateway stored leads to one POST with FIT-Connect's headers,
 * whose HMAC-SHA512 over `timestamp.body` a receiver checks with the shared secret alone; a
 * refused submit leads to none.
 */
describe('FIT-Connect: a stored submission is announced to the destination callback', function () {
  this.timeout(120_000);
  const SECRET = 'synthetic-callback-secret-for-tests-0123456789';
  const received: Array<{ headers: Record<string, string | string[] | undefined>; body: string }> = [];
  let receiver: Server;
  let gw: GatewayHandle;
  let dataDir: string;

  before(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((ok) => receiver.listen(0, '127.0.0.1', ok));
    process.env['ZSA_TEST_FIT_CALLBACK_SECRET'] = SECRET;
    const cfg = testConfig(); // auth.mode off: loopback http callbacks are allowed (development)
    dataDir = cfg.store.dataDir;
    const halle = cfg.fitConnect.destinations.find((d) => d.id === HALLE)!;
    halle.callback = { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/fit-callback`, secretRef: 'env:ZSA_TEST_FIT_CALLBACK_SECRET' };
    gw = await startGateway(cfg, { log: pino({ level: 'silent' }), port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await gw?.close();
    await new Promise<void>((ok) => receiver.close(() => ok()));
    delete process.env['ZSA_TEST_FIT_CALLBACK_SECRET'];
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('POSTs one new-submissions callback per stored submit, verifiable with the secret; none for a refused one', async () => {
    const base = `${gw.url}/fit-connect`;
    const refused = await send(base, 'unused', { dataHash: 'c'.repeat(128) });
    expect(refused.submit!.status).to.be.greaterThanOrEqual(400);
    const sent = await send(base, 'unused', {});
    expect(sent.submit!.status, sent.submit!.text).to.equal(202);
    await waitFor('the callback', () => (received.length >= 1 ? true : undefined), 30_000);
    expect(received).to.have.length(1);
    const [cb] = received;
    const timestamp = String(cb!.headers['callback-timestamp']);
    const mac = createHmac('sha512', SECRET).update(`${timestamp}.${cb!.body}`).digest('hex');
    expect(cb!.headers['callback-authentication']).to.equal(mac);
    const body = JSON.parse(cb!.body) as { type: string; submissionIds: string[]; submissions: Array<{ submissionId: string; caseId: string; destinationId: string }> };
    expect(body.type).to.equal('https://schema.fitko.de/fit-connect/submission-api/callbacks/new-submissions');
    expect(body.submissionIds).to.deep.equal([sent.submissionId]);
    expect(body.submissions).to.deep.equal([{ destinationId: HALLE, submissionId: sent.submissionId, caseId: sent.caseId }]);
  });
});
