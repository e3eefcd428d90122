import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import pino from 'pino';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { startGateway, type GatewayHandle } from '../../gateway/server.js';
import Database from 'better-sqlite3';
import { callbackDbPath } from '../../gateway/fitconnect/callback-store.js';
import { testConfig, waitFor } from '../support/gateway.js';
import { call, EVENT, HALLE, send } from './sender.js';

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
  let failNext = false;
  let refusedOnce = false;
  let gw: GatewayHandle;
  let dataDir: string;

  before(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (failNext) {
          // the receiver refuses this one (and asks for a late retry): no notify-submission may be recorded
          failNext = false;
          refusedOnce = true;
          res.writeHead(503, { 'retry-after': '3600' }).end();
          return;
        }
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

  it('records notify-submission in the case\'s event log once the callback was answered, signed and verifiable against the JWKS', async () => {
    const base = `${gw.url}/fit-connect`;
    const before = received.length;
    const sent = await send(base, 'unused', {});
    expect(sent.submit!.status, sent.submit!.text).to.equal(202);
    await waitFor('the callback', () => (received.length > before ? true : undefined), 30_000);
    const names = async () => {
      const log = await call(base, undefined, 'GET', `/v1/cases/${sent.caseId}/events`);
      return log.json.eventLog as string[];
    };
    const tokens = await waitFor('notify-submission in the log', async () => {
      const t = await names();
      return t.some((x) => x.split('.')[1] && Buffer.from(x.split('.')[1]!, 'base64url').toString('utf8').includes('notify-submission')) ? t : undefined;
    }, 30_000);
    const jwks = (await (await fetch(`${base}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
    const keys = createLocalJWKSet(jwks);
    const verified = [];
    for (const t of tokens) {
      const { payload, protectedHeader } = await jwtVerify(t, keys, { algorithms: ['PS512'], typ: 'secevent+jwt' });
      verified.push({ name: Object.keys(payload['events'] as object)[0], sub: payload.sub, txn: payload['txn'], alg: protectedHeader.alg });
    }
    const events = verified.map((v) => v.name);
    expect(events.filter((e) => e === `${EVENT}notify-submission`), 'exactly one notify-submission').to.have.length(1);
    expect(events.indexOf(`${EVENT}notify-submission`)).to.be.greaterThan(events.indexOf(`${EVENT}submit-submission`));
    const notify = verified.find((v) => v.name === `${EVENT}notify-submission`)!;
    expect([notify.sub, notify.txn]).to.deep.equal([`submission:${sent.submissionId}`, `case:${sent.caseId}`]);
  });

  it('records no notify-submission for a submission whose callback was not answered 2xx', async () => {
    const base = `${gw.url}/fit-connect`;
    failNext = true;
    const sent = await send(base, 'unused', {});
    expect(sent.submit!.status, sent.submit!.text).to.equal(202);
    await waitFor('the refused callback', () => (refusedOnce ? true : undefined), 30_000);
    // the refusal is on record (attempt counted, retry due in an hour) before the log is read
    const db = new Database(callbackDbPath(dataDir), { readonly: true });
    try {
      await waitFor('the failed attempt on record', () => (db.prepare("SELECT 1 FROM callbacks WHERE body LIKE ? AND attempts = 1 AND last_error = 'HTTP 503'").get(`%${sent.submissionId}%`) ? true : undefined), 30_000);
    } finally {
      db.close();
    }
    const log = await call(base, undefined, 'GET', `/v1/cases/${sent.caseId}/events`);
    const names = (log.json.eventLog as string[]).map((t) => Object.keys((JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString('utf8')) as { events: object }).events)[0]);
    expect(names).to.include(`${EVENT}submit-submission`);
    expect(names).to.not.include(`${EVENT}notify-submission`);
  });
});
