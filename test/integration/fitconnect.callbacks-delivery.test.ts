import { expect } from 'chai';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CallbackNotifier, type CallbackTarget } from '../../gateway/fitconnect/callbacks.js';
import { SqliteCallbackStore, callbackDbPath, type CallbackStore } from '../../gateway/fitconnect/callback-store.js';
import { CallbackVerifier } from '../../gateway/fitconnect/client/verify-callback.js';
import { DEST, fitConnectBlock, testGatewayWithFitConnect } from '../support/fitconnect-fixture.js';
import { quietLog, startTestGateway, testConfig, waitFor } from '../support/gateway.js';
import { HttpPeer, type ReceivedRequest } from '../support/http-peer.js';

const SECRET = 'cb-secret-magdeburg-0123456789abcdef';
const SUBMISSION = { submissionId: 'f39ab143-d91a-474a-b69f-b00f1a1873c2', caseId: '9eec7d3e-dc66-4f82-9f52-1520bf96a32e' };

/** The receiver's own check, written with node:crypto only (no gateway code): HMAC-SHA512 hex over `<timestamp>.<body>`. */
function hmacHolds(r: ReceivedRequest, secret = SECRET): boolean {
  const ts = String(r.headers['callback-timestamp']);
  const got = Buffer.from(String(r.headers['callback-authentication']), 'hex');
  const want = createHmac('sha512', secret).update(`${ts}.${r.body.toString('utf8')}`).digest();
  return got.length === want.length && timingSafeEqual(got, want);
}

describe('FIT-Connect callbacks: delivery', function () {
  this.timeout(60_000);
  const dirs: string[] = [];
  const stores: CallbackStore[] = [];
  const notifiers: CallbackNotifier[] = [];
  const peers: HttpPeer[] = [];

  function notifierFor(url: string, dataDir: string, o: { timeoutMs?: number } = {}): { notifier: CallbackNotifier; store: CallbackStore } {
    const store = SqliteCallbackStore.open(callbackDbPath(dataDir));
    stores.push(store);
    const targets = new Map<string, CallbackTarget>([[DEST.magdeburgHund, { url, secret: SECRET }]]);
    const notifier = new CallbackNotifier({
      store,
      targets,
      urlPolicy: { development: true },
      log: quietLog(),
      backoff: { initialMs: 20, multiplier: 2, maxMs: 200, jitter: 0.1 },
      maxAttempts: 50,
      timeoutMs: o.timeoutMs ?? 5_000,
      pollMs: 20,
    });
    notifiers.push(notifier);
    return { notifier, store };
  }
  const freshDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'fc-callbacks-'));
    dirs.push(d);
    return d;
  };
  const peer = async (port = 0) => {
    const p = await new HttpPeer().start(port);
    peers.push(p);
    return p;
  };

  afterEach(async () => {
    await Promise.all(notifiers.splice(0).map((n) => n.stop()));
    stores.splice(0).forEach((s) => s.close());
    await Promise.all(peers.splice(0).map((p) => p.stop()));
  });

  it('POSTs the new-submissions callback with an HMAC an independent receiver verifies', async () => {
    const p = await peer();
    const { notifier } = notifierFor(p.url, freshDir());
    notifier.start();
    expect(await notifier.notifyNewSubmissions(DEST.magdeburgHund.toUpperCase(), [SUBMISSION])).to.equal(true);
    const [r] = await waitFor('the callback', () => (p.received.length > 0 ? p.received : undefined));
    expect(r!.headers['content-type']).to.equal('application/json');
    expect(r!.headers['callback-timestamp']).to.match(/^\d{10}$/);
    expect(hmacHolds(r!)).to.equal(true);
    expect(hmacHolds(r!, 'another-secret-of-at-least-32-characters')).to.equal(false);
    expect(JSON.parse(r!.body.toString())).to.deep.equal({
      type: 'https://schema.fitko.de/fit-connect/submission-api/callbacks/new-submissions',
      submissionIds: [SUBMISSION.submissionId],
      submissions: [{ destinationId: DEST.magdeburgHund, ...SUBMISSION }],
    });
    // the client module accepts it once, then refuses the replay
    const verifier = new CallbackVerifier({ secret: SECRET });
    expect(verifier.verify(r!.headers as Record<string, string>, r!.body.toString()).ok).to.equal(true);
    expect(verifier.verify(r!.headers as Record<string, string>, r!.body.toString())).to.deep.equal({ ok: false, reason: 'replay' });
  });

  it('does nothing for a destination without callback', async () => {
    const { notifier, store } = notifierFor('http://127.0.0.1:1/never', freshDir());
    expect(await notifier.notifyNewSubmissions(DEST.halleHund, [SUBMISSION])).to.equal(false);
    expect(await store.nextDue()).to.equal(undefined);
  });

  it('retries while the receiver is down or answers 503, and delivers once it is up', async () => {
    const down = await peer();
    const port = down.port;
    await down.stop();
    const { notifier, store } = notifierFor(`http://127.0.0.1:${port}/callbacks/fit-connect`, freshDir());
    notifier.start();
    await notifier.notifyNewSubmissions(DEST.magdeburgHund, [SUBMISSION]);
    await waitFor('a failed attempt', async () => (((await store.get(1))?.attempts ?? 0) >= 2 ? true : undefined));
    expect((await store.get(1))?.lastError).to.match(/ECONNREFUSED/);
    const up = await peer(port);
    up.respond = (_req, n) => (n === 1 ? 503 : 200);
    await waitFor('delivery', async () => ((await store.get(1))?.deliveredAt ? true : undefined));
    expect(up.received.map((r) => r.status)).to.deep.equal([503, 200]);
    expect(up.received.every((r) => hmacHolds(r))).to.equal(true);
    expect((await store.get(1))!.attempts).to.be.greaterThan(2);
  });

  it('keeps a pending callback across a restart and sends it after', async () => {
    const p = await peer();
    const dir = freshDir();
    const first = notifierFor(p.url, dir);
    // not started: the gateway stopped before the loop ran
    await first.notifier.notifyNewSubmissions(DEST.magdeburgHund, [SUBMISSION.submissionId]);
    await first.store.close();
    expect(p.received).to.have.length(0);
    const second = notifierFor(p.url, dir);
    second.notifier.start();
    const [r] = await waitFor('the resumed callback', () => (p.received.length > 0 ? p.received : undefined));
    expect(JSON.parse(r!.body.toString())).to.deep.include({ submissionIds: [SUBMISSION.submissionId], submissions: [] });
    expect(hmacHolds(r!)).to.equal(true);
  });

  it('never waits for a receiver that does not answer', async () => {
    let seen = 0;
    const hang: Server = createServer(() => {
      seen += 1; // never answers
    });
    await new Promise<void>((ok) => hang.listen(0, '127.0.0.1', ok));
    try {
      const { notifier, store } = notifierFor(`http://127.0.0.1:${(hang.address() as AddressInfo).port}/cb`, freshDir(), { timeoutMs: 300 });
      notifier.start();
      expect(await notifier.notifyNewSubmissions(DEST.magdeburgHund, [SUBMISSION])).to.equal(true);
      await waitFor('the receiver to hold the request', () => (seen > 0 ? true : undefined));
      expect((await store.get(1))?.deliveredAt).to.equal(null);
      await waitFor('the timeout to count as a failed attempt', async () => ((await store.get(1))?.lastError?.includes('no answer') ? true : undefined));
    } finally {
      hang.closeAllConnections();
      await new Promise<void>((ok) => hang.close(() => ok()));
    }
  });

  it('cuts off a held request on stop without counting it, and sends the callback after the restart', async () => {
    let seen = 0;
    const hang: Server = createServer(() => {
      seen += 1; // never answers
    });
    await new Promise<void>((ok) => hang.listen(0, '127.0.0.1', ok));
    const dir = freshDir();
    try {
      const first = notifierFor(`http://127.0.0.1:${(hang.address() as AddressInfo).port}/cb`, dir, { timeoutMs: 600_000 });
      first.notifier.start();
      await first.notifier.notifyNewSubmissions(DEST.magdeburgHund, [SUBMISSION]);
      await waitFor('the receiver to hold the request', () => (seen > 0 ? true : undefined));
      await first.notifier.stop();
      expect(await first.store.get(1)).to.deep.include({ attempts: 0, deliveredAt: null, deadAt: null });
      await first.store.close();
    } finally {
      hang.closeAllConnections();
      await new Promise<void>((ok) => hang.close(() => ok()));
    }
    const p = await peer();
    const second = notifierFor(p.url, dir);
    second.notifier.start();
    await waitFor('the resumed callback', async () => ((await second.store.get(1))?.deliveredAt ? true : undefined));
    expect(p.received.every((r) => hmacHolds(r))).to.equal(true);
  });

  it('is wired into the gateway: services.fitConnectCallbacks sends with the secret from the environment', async () => {
    const p = await peer();
    process.env['FC_CB_TEST_MAGDEBURG'] = SECRET;
    const base = testConfig();
    const gw = await startTestGateway(testGatewayWithFitConnect(base, fitConnectBlock({ magdeburgHund: { url: p.url, secretRef: 'env:FC_CB_TEST_MAGDEBURG' } })));
    try {
      expect(await gw.services.fitConnectCallbacks!.notifyNewSubmissions(DEST.magdeburgHund, [SUBMISSION])).to.equal(true);
      const [r] = await waitFor('the callback', () => (p.received.length > 0 ? p.received : undefined));
      expect(hmacHolds(r!)).to.equal(true);
    } finally {
      await gw.stop();
      delete process.env['FC_CB_TEST_MAGDEBURG'];
    }
  });
});
