import { expect } from 'chai';
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import pino from 'pino';
import { startGateway, type GatewayHandle } from '../../gateway/server.js';
import { requiredAuthConfig, tokenFor } from '../auth/oauth-fixture.js';
import { startTestGateway, testConfig, waitFor } from '../support/gateway.js';
import { call, HALLE, MAGDEBURG, PROBLEM, send } from './sender.js';

const FIT = '/fit-connect';
const SECRET_A = 'synthetic-callback-secret-A-0123456789abcdef';
const SECRET_B = 'synthetic-callback-secret-B-0123456789abcdef';
const ZSA_DEST = '5a1c0e3e-3b0f-4f6a-9a51-000000000001';

/**
 * A destination's subscriber sets and rotates its callback over FIT-Connect's destination
 * update (`PATCH /v1/destinations/{id}`, ADR 0041): only the destination's own participant, the
 * outbound URL policy and the secret rules as for configured callbacks, the secret never handed
 * back, the new target stored durably and used for the next callback.
 */
describe('FIT-Connect: a destination sets and rotates its callback over the API', function () {
  this.timeout(180_000);

  describe('remit and input (auth required)', () => {
    let gw: Awaited<ReturnType<typeof startTestGateway>>;
    let base: string;
    before(async () => {
      gw = await startTestGateway(requiredAuthConfig());
      base = `${gw.url}${FIT}`;
    });
    after(() => gw?.stop());

    const body = (url = 'https://fachverfahren.halle.example/fit-connect/callback', secret = SECRET_A) => ({ callback: { url, secret } });

    it('lets the destination\'s own participant set it, in any spelling of its id, and never answers the secret', async () => {
      const halle = await tokenFor(gw.url, 'halle');
      const set = await call(base, halle, 'PATCH', `/v1/destinations/${HALLE}`, body());
      expect(set.status, set.text).to.equal(200);
      expect(set.json).to.deep.equal({ destinationId: HALLE, callback: { url: 'https://fachverfahren.halle.example/fit-connect/callback' } });
      expect(set.text).to.not.contain(SECRET_A);
      const upper = await call(base, halle, 'PATCH', `/v1/destinations/${HALLE.toUpperCase()}`, body('https://fachverfahren.halle.example/v2/callback', SECRET_B), 'application/merge-patch+json');
      expect([upper.status, upper.json.destinationId, upper.json.callback?.url], upper.text).to.deep.equal([200, HALLE, 'https://fachverfahren.halle.example/v2/callback']);
    });

    it('refuses everyone else: another municipality, the ZSA for a delegating municipality, senders, operators, no token', async () => {
      const magdeburg = await tokenFor(gw.url, 'magdeburg');
      for (const id of [HALLE, HALLE.toUpperCase()]) {
        const foreign = await call(base, magdeburg, 'PATCH', `/v1/destinations/${id}`, body('https://attacker.example/cb'));
        expect([foreign.status, foreign.json.rule ?? foreign.json.code], foreign.text).to.deep.equal([403, 'fit-connect.destination-owner']);
      }
      // the ZSA subscribes to Magdeburg's destination while Magdeburg delegates Hund, but does not own it
      const zsa = await tokenFor(gw.url, 'zsa-lsa');
      const delegated = await call(base, zsa, 'PATCH', `/v1/destinations/${MAGDEBURG}`, body('https://attacker.example/cb'));
      expect(delegated.status, delegated.text).to.equal(403);
      // its own destination it may set
      expect((await call(base, zsa, 'PATCH', `/v1/destinations/${ZSA_DEST}`, body('https://zsa.example/cb'))).status).to.equal(200);
      for (const client of ['efa-hund-lsa', 'betrieb', 'admin'] as const) {
        const t = await tokenFor(gw.url, client);
        expect((await call(base, t, 'PATCH', `/v1/destinations/${HALLE}`, body('https://attacker.example/cb'))).status, client).to.equal(403);
      }
      expect((await call(base, undefined, 'PATCH', `/v1/destinations/${HALLE}`, body('https://attacker.example/cb'))).status).to.equal(401);
      const unknown = await call(base, magdeburg, 'PATCH', `/v1/destinations/${randomUUID()}`, body());
      expect([unknown.status, unknown.json.type]).to.deep.equal([404, `${PROBLEM}destination-not-found`]);
    });

    it('refuses URLs outside the outbound policy, weak secrets, other members and other media types, naming what was wrong', async () => {
      const halle = await tokenFor(gw.url, 'halle');
      const cases: Array<[string, unknown, string]> = [
        ['plain http', body('http://fachverfahren.halle.example/cb'), '/callback/url'],
        ['loopback outside development', body('https://127.0.0.1/cb'), '/callback/url'],
        ['cloud metadata', body('https://169.254.169.254/latest'), '/callback/url'],
        ['user info', body('https://user:pw@fachverfahren.halle.example/cb'), '/callback/url'],
        ['short secret', body(undefined, 'short-secret'), '/callback/secret'],
        ['secret with spaces', body(undefined, `${SECRET_A} with spaces`), '/callback/secret'],
        ['another member', { ...body(), services: [] }, '/services'],
        ['unknown callback member', { callback: { ...body().callback, events: ['all'] } }, '/callback/events'],
        ['no callback', {}, '/callback'],
      ];
      for (const [what, b, path] of cases) {
        const r = await call(base, halle, 'PATCH', `/v1/destinations/${HALLE}`, b);
        expect(r.status, `${what}: ${r.text}`).to.equal(400);
        expect((r.json.errors as Array<{ path: string }>).map((e) => e.path), what).to.include(path);
        expect(r.text, `${what}: the secret is never echoed`).to.not.contain('short-secret').and.not.contain(SECRET_A);
      }
      const text = await call(base, halle, 'PATCH', `/v1/destinations/${HALLE}`, JSON.stringify(body()), 'text/plain');
      expect(text.status).to.equal(415);
    });
  });

  describe('delivery to the target set over the API (development: http to loopback)', () => {
    const received: Array<{ path: string; headers: Record<string, string | string[] | undefined>; body: string }> = [];
    let receiver: Server;
    let gw: GatewayHandle;
    let cfg: ReturnType<typeof testConfig>;
    before(async () => {
      receiver = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((ok) => receiver.listen(0, '127.0.0.1', ok));
      cfg = testConfig(); // no callback configured for any destination
      gw = await startGateway(cfg, { log: pino({ level: 'silent' }), port: 0, host: '127.0.0.1' });
    });
    after(async () => {
      await gw?.close();
      await new Promise<void>((ok) => receiver.close(() => ok()));
      rmSync(cfg.store.dataDir, { recursive: true, force: true });
    });

    const port = () => (receiver.address() as AddressInfo).port;
    const verifies = (cb: (typeof received)[number], secret: string) =>
      cb.headers['callback-authentication'] === createHmac('sha512', secret).update(`${String(cb.headers['callback-timestamp'])}.${cb.body}`).digest('hex');

    it('calls back the URL just set, signed with its secret; after a rotation the new URL and secret; after a restart still the rotated one', async () => {
      const base = () => `${gw.url}${FIT}`;
      const set = await call(base(), undefined, 'PATCH', `/v1/destinations/${HALLE}`, { callback: { url: `http://127.0.0.1:${port()}/a`, secret: SECRET_A } });
      expect(set.status, set.text).to.equal(200);
      const first = await send(base(), 'unused', {});
      expect(first.submit!.status, first.submit!.text).to.equal(202);
      const a = await waitFor('the first callback', () => received.find((r) => r.body.includes(first.submissionId!)), 30_000);
      expect([a.path, verifies(a, SECRET_A)]).to.deep.equal(['/a', true]);

      const rotated = await call(base(), undefined, 'PATCH', `/v1/destinations/${HALLE}`, { callback: { url: `http://127.0.0.1:${port()}/b`, secret: SECRET_B } });
      expect(rotated.status, rotated.text).to.equal(200);
      const second = await send(base(), 'unused', {});
      const b = await waitFor('the second callback', () => received.find((r) => r.body.includes(second.submissionId!)), 30_000);
      expect([b.path, verifies(b, SECRET_B), verifies(b, SECRET_A)]).to.deep.equal(['/b', true, false]);

      await gw.close();
      gw = await startGateway(cfg, { log: pino({ level: 'silent' }), port: 0, host: '127.0.0.1' });
      const third = await send(base(), 'unused', {});
      expect(third.submit!.status, third.submit!.text).to.equal(202);
      const c = await waitFor('the callback after the restart', () => received.find((r) => r.body.includes(third.submissionId!)), 30_000);
      expect([c.path, verifies(c, SECRET_B)]).to.deep.equal(['/b', true]);
    });
  });
});
