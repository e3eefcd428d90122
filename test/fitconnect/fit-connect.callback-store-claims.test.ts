import { expect } from 'chai';
import { CallbackNotifier, TARGETS_REFRESH_MS } from '../../gateway/fitconnect/callbacks.js';
import { openCallbackStore, type CallbackStore } from '../../gateway/fitconnect/callback-store.js';
import { quietLog } from '../support/gateway.js';
import { STATE_BACKENDS } from '../support/state-db.js';

const T0 = Date.UTC(2026, 10, 2, 12, 0, 0);
const LEASE = 60_000;
const DEST = 'c1b2a3d4-0000-4000-8000-000000000001';

for (const [kind, make] of Object.entries(STATE_BACKENDS)) {
  describe(`FIT-Connect callback store (${kind}): claims and targets`, function () {
    this.timeout(120_000); // creating and dropping a database waits for the shared server
    let env: Awaited<ReturnType<(typeof STATE_BACKENDS)['sqlite']>>;
    const opened: CallbackStore[] = [];
    const open = async () => {
      const s = await openCallbackStore(env.backend);
      opened.push(s);
      return s;
    };

    beforeEach(async () => (env = await make()));
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
      await env.cleanup();
    });

    it('claims each due callback once, oldest first; a claimed one is due again only when its lease ends', async () => {
      const s = await open();
      const ids = [];
      for (let i = 0; i < 5; i++) ids.push(await s.enqueue(DEST, `{"n":${i}}`, T0 + i));
      expect((await s.claimDue(T0 + 2, 10, LEASE)).map((c) => c.id)).to.deep.equal(ids.slice(0, 3));
      expect((await s.claimDue(T0 + 10, 10, LEASE)).map((c) => c.id)).to.deep.equal(ids.slice(3));
      expect(await s.claimDue(T0 + 100, 10, LEASE)).to.deep.equal([]);
      expect(await s.nextDue()).to.equal(T0 + 2 + LEASE);
      await s.delivered(ids[0]!, T0 + 200);
      await s.failed(ids[1]!, 'HTTP 503', T0 + 200, T0 + 5_000);
      await s.release(ids[2]!);
      // released: due at once, no attempt counted; retried: due at its retry time, one attempt
      expect((await s.claimDue(T0 + 300, 10, LEASE)).map((c) => [c.id, c.attempts])).to.deep.equal([[ids[2], 0]]);
      expect((await s.claimDue(T0 + 5_000, 10, LEASE)).map((c) => [c.id, c.attempts])).to.deep.equal([[ids[1], 1]]);
      // the lease of ids[3] and ids[4] (claimed at T0+10) ended: claimable again (their claimer died)
      expect((await s.claimDue(T0 + 10 + LEASE, 10, LEASE)).map((c) => c.id)).to.deep.equal(ids.slice(3));
      expect(await s.get(ids[0]!)).to.deep.include({ id: ids[0], attempts: 1, lastError: null, deadAt: null, deliveredAt: T0 + 200 });
      expect(await s.get(ids[1]!)).to.deep.include({ attempts: 1, lastError: 'HTTP 503', deliveredAt: null });
    });

    if (kind === 'postgres') {
      it('two instances claiming at the same time never get the same callback', async () => {
        const [a, b] = [await open(), await open()];
        const ids = new Set<number>();
        for (let i = 0; i < 60; i++) ids.add(await a.enqueue(DEST, `{"n":${i}}`, T0));
        const rounds = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).claimDue(T0, 4, LEASE)));
        const claimed = rounds.flat().map((c) => c.id);
        expect(new Set(claimed).size).to.equal(claimed.length);
        const rest = [...(await a.claimDue(T0, 100, LEASE)), ...(await b.claimDue(T0, 100, LEASE))].map((c) => c.id);
        expect(new Set([...claimed, ...rest])).to.deep.equal(ids);
        expect(claimed.length + rest.length).to.equal(ids.size);
      });
    } else {
      it('releases the claims a crashed predecessor left when the file is opened again (one process owns it)', async () => {
        const first = await open();
        const id = await first.enqueue(DEST, '{}', T0);
        expect(await first.claimDue(T0, 10, LEASE)).to.have.length(1);
        await first.close();
        const second = await open();
        expect((await second.claimDue(T0 + 1, 10, LEASE)).map((c) => c.id)).to.deep.equal([id]);
      });
    }

    it('a callback set over the API on one instance is used by another within TARGETS_REFRESH_MS', async () => {
      let now = T0;
      const notifier = async () =>
        new CallbackNotifier({ store: await open(), targets: new Map(), urlPolicy: { development: true }, log: quietLog(), backoff: { initialMs: 10, multiplier: 2, maxMs: 100, jitter: 0 }, maxAttempts: 3, timeoutMs: 1000, pollMs: 50, now: () => now });
      const [a, b] = [await notifier(), await notifier()];
      expect(await b.targetUrl(DEST)).to.equal(undefined);
      await a.setTarget(DEST, { url: 'http://127.0.0.1:9/cb', secret: 'x'.repeat(32) }, 'test');
      expect(await a.targetUrl(DEST)).to.equal('http://127.0.0.1:9/cb');
      now += TARGETS_REFRESH_MS;
      expect(await b.targetUrl(DEST)).to.equal('http://127.0.0.1:9/cb');
      expect(await b.notifyNewSubmissions(DEST, ['f39ab143-d91a-474a-b69f-b00f1a1873c2'])).to.equal(true);
    });
  });
}
