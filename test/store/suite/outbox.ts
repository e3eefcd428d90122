import { expect } from 'chai';
import type { OutboxItem } from '../../../gateway/store/types.js';
import type { StoreHarness } from './fixtures.js';
import { acceptAll, claim, claimOne, EP_A, EP_B, expectGatewayError, newMessage, sleep, states } from './fixtures.js';

const LEASE_MS = 60_000;

/** claimDue with capacity and leases, mark*, release, replay, nextDueAt, outboxDepth. */
export function outboxTests(h: StoreHarness): void {
  describe('claimDue', () => {
    it('honours per-endpoint capacity, skips unlisted endpoints and returns the oldest items first', async () => {
      const store = await h.open();
      const a = await acceptAll(store, [newMessage(), newMessage(), newMessage()]);
      const b = await acceptAll(store, [newMessage({ endpointId: EP_B }), newMessage({ endpointId: EP_B })]);

      const first = await claim(store, { [EP_A]: 2 });
      expect(first.map((i) => i.messageId)).to.deep.equal([a[0], a[1]]);
      expect(await claim(store, { [EP_A]: 0, 'not-configured': 5 })).to.have.length(0);

      const second = await claim(store, { [EP_A]: 5, [EP_B]: 1 });
      expect(second.map((i) => i.messageId)).to.deep.equal([a[2], b[0]]);
      expect(await claim(store, { [EP_A]: 5, [EP_B]: 5 }).then((items) => items.map((i) => i.messageId))).to.deep.equal([b[1]]);
    });

    it('returns each item with its message, payload, attempts and a fresh lease token', async () => {
      const store = await h.open();
      const m = newMessage({ payload: '<hund.anmeldung.0101>Bello</hund.anmeldung.0101>' });
      await store.accept(m);
      const item = await claimOne(store, EP_A);
      expect(item).to.include({ messageId: m.id, endpointId: EP_A, attempts: 0 });
      expect(item.lease).to.be.a('string').and.not.equal('');
      expect(item.payload.equals(m.payload)).to.equal(true);
      expect(item.message).to.include({ id: m.id, state: 'queued', messageUuid: m.header.messageUuid, endpointId: EP_A, size: m.payload.length });
    });

    it('leases: a second claimer gets nothing until expiry, then the item with a new token, and the first owner can no longer mark it', async () => {
      const store = await h.open();
      const [id] = await acceptAll(store, [newMessage()]);
      const t0 = Date.now();
      const a = await claimOne(store, EP_A, { owner: 'gw-1', leaseMs: 1000, now: new Date(t0) });
      expect(await claim(store, { [EP_A]: 1 }, { owner: 'gw-2', now: new Date(t0 + 999) })).to.have.length(0);

      const b = await claimOne(store, EP_A, { owner: 'gw-2', now: new Date(t0 + 1000) });
      expect(b.id).to.equal(a.id);
      expect(b.lease).to.not.equal(a.lease);

      await expectGatewayError(store.markDelivered(a, 'late 2xx'), 'GW_LEASE_INVALID');
      await expectGatewayError(store.markRetrying(a, 'timeout', new Date()), 'GW_LEASE_INVALID');
      await expectGatewayError(store.markDead(a, 'permanent', true), 'GW_LEASE_INVALID');
      await expectGatewayError(store.release(a, 'shutdown'), 'GW_LEASE_INVALID');
      await expectGatewayError(store.markInMailbox(a, 'mb'), 'GW_LEASE_INVALID');
      expect(await states(store, id!)).to.deep.equal(['received', 'validated', 'routed', 'queued']);
      expect((await store.getMessage(id!))?.attempts).to.equal(0);

      await store.markDelivered(b, 'HTTP 202');
      expect((await store.getMessage(id!))?.state).to.equal('delivered');
    });

    it('accepts the outcome of an expired lease nobody else has claimed since', async () => {
      const store = await h.open();
      const [id] = await acceptAll(store, [newMessage()]);
      const item = await claimOne(store, EP_A, { leaseMs: 1 });
      await sleep(10);
      await store.markDelivered(item, 'HTTP 200');
      expect((await store.getMessage(id!))?.state).to.equal('delivered');
    });

    it('does not claim items of messages that are delivered or dead', async () => {
      const store = await h.open();
      await acceptAll(store, [newMessage(), newMessage()]);
      const [x, y] = await claim(store, { [EP_A]: 2 });
      await store.markDelivered(x!, 'ok');
      await store.markDead(y!, 'permanent', true);
      expect(await claim(store, { [EP_A]: 10 }, { now: new Date(Date.now() + 10 * LEASE_MS) })).to.have.length(0);
    });
  });

  describe('marks', () => {
    it('markDelivered: delivered, outbox item gone, transition with the detail and the attempt number', async () => {
      const store = await h.open();
      const [id] = await acceptAll(store, [newMessage()]);
      await store.markDelivered(await claimOne(store, EP_A), 'HTTP 202 from fv-a');
      const m = await store.getMessage(id!);
      expect(m).to.include({ state: 'delivered', attempts: 0 });
      const last = (await store.history(id!)).at(-1)!;
      expect(last).to.include({ from: 'queued', to: 'delivered', reason: 'HTTP 202 from fv-a', attempt: 1 });
      expect(await store.outboxDepth()).to.deep.equal({});
    });

    it('markRetrying: attempts+1, retrying, last error kept, lease released, due again only at dueAt', async () => {
      const store = await h.open();
      const [id] = await acceptAll(store, [newMessage()]);
      const item = await claimOne(store, EP_A);
      const dueAt = new Date(Date.now() + 30_000);
      await store.markRetrying(item, 'HTTP 503', dueAt);

      expect(await store.getMessage(id!)).to.include({ state: 'retrying', attempts: 1, lastError: 'HTTP 503' });
      expect((await store.history(id!)).at(-1)).to.include({ from: 'queued', to: 'retrying', reason: 'HTTP 503', attempt: 1 });
      expect((await store.nextDueAt())?.getTime()).to.equal(dueAt.getTime());
      expect(await claim(store, { [EP_A]: 1 })).to.have.length(0);
      await expectGatewayError(store.markDelivered(item, 'stale'), 'GW_LEASE_INVALID');

      const again = await claimOne(store, EP_A, { now: dueAt });
      expect(again.attempts).to.equal(1);
      await store.markRetrying(again, 'HTTP 502', new Date(dueAt.getTime() + 1));
      expect(await store.getMessage(id!)).to.include({ state: 'retrying', attempts: 2, lastError: 'HTTP 502' });
    });

    it('markDead: dead with or without counting the attempt; not claimable, not pending', async () => {
      const store = await h.open();
      const [counted, notCounted] = await acceptAll(store, [newMessage(), newMessage()]);
      const [i1, i2] = await claim(store, { [EP_A]: 2 });
      await store.markDead(i1!, 'HTTP 400: schema rejected by receiver', true);
      await store.markDead(i2!, 'attempts exhausted', false);

      expect(await store.getMessage(counted!)).to.include({ state: 'dead', attempts: 1, lastError: 'HTTP 400: schema rejected by receiver' });
      expect(await store.getMessage(notCounted!)).to.include({ state: 'dead', attempts: 0 });
      expect((await store.history(counted!)).at(-1)).to.include({ from: 'queued', to: 'dead', attempt: 1 });
      expect(await store.outboxDepth()).to.deep.equal({});
      expect(await store.nextDueAt()).to.equal(null);
      expect((await store.countByState())['dead']).to.equal(2);
      expect(await claim(store, { [EP_A]: 5 })).to.have.length(0);
    });

    it('release: no attempt counted, no state change, claimable again at once or at dueAt', async () => {
      const store = await h.open();
      const [id] = await acceptAll(store, [newMessage()]);
      const item = await claimOne(store, EP_A);
      await store.release(item, 'not connected');
      expect(await store.getMessage(id!)).to.include({ state: 'queued', attempts: 0 });
      expect(await store.history(id!)).to.have.length(4);
      await expectGatewayError(store.markDelivered(item, 'stale'), 'GW_LEASE_INVALID');

      const again = await claimOne(store, EP_A);
      expect(again.attempts).to.equal(0);
      const later = new Date(Date.now() + 20_000);
      await store.release(again, 'shutdown', later);
      expect(await claim(store, { [EP_A]: 1 })).to.have.length(0);
      expect((await store.nextDueAt())?.getTime()).to.equal(later.getTime());
      expect((await claimOne(store, EP_A, { now: later })).attempts).to.equal(0);
    });

    it('releaseOwner: frees only that owner\'s leases and counts them', async () => {
      const store = await h.open();
      await acceptAll(store, [newMessage(), newMessage(), newMessage()]);
      const mine = await claim(store, { [EP_A]: 2 }, { owner: 'gw-1' });
      const theirs = await claim(store, { [EP_A]: 1 }, { owner: 'gw-2' });
      expect(await store.releaseOwner('gw-1')).to.equal(2);
      expect(await store.releaseOwner('gw-1')).to.equal(0);

      const reclaimed = await claim(store, { [EP_A]: 5 }, { owner: 'gw-3' });
      expect(reclaimed.map((i) => i.id).sort()).to.deep.equal(mine.map((i) => i.id).sort());
      await expectGatewayError(store.markDelivered(mine[0]!, 'stale'), 'GW_LEASE_INVALID');
      await store.markDelivered(theirs[0]!, 'still valid');
    });
  });

  describe('replay', () => {
    async function deadMessage(store: Awaited<ReturnType<StoreHarness['open']>>, endpointId = EP_A): Promise<string> {
      const [id] = await acceptAll(store, [newMessage({ endpointId })]);
      let item: OutboxItem = await claimOne(store, endpointId);
      await store.markRetrying(item, 'HTTP 503', new Date());
      item = await claimOne(store, endpointId);
      await store.markDead(item, 'HTTP 503', true);
      return id!;
    }

    it('dead → queued with attempts reset, due at once, the actor in the history', async () => {
      const store = await h.open();
      const id = await deadMessage(store);
      expect((await store.getMessage(id))?.attempts).to.equal(2);

      expect(await store.replay(id, 'operator:anna')).to.equal(true);
      expect(await store.getMessage(id)).to.include({ state: 'queued', attempts: 0 });
      const last = (await store.history(id)).at(-1)!;
      expect(last).to.include({ from: 'dead', to: 'queued', attempt: 0 });
      expect(last.reason).to.contain('operator:anna');
      expect(await store.outboxDepth()).to.deep.equal({ [EP_A]: 1 });
      expect((await claimOne(store, EP_A)).attempts).to.equal(0);
    });

    it('returns false for a message that is not dead or does not exist', async () => {
      const store = await h.open();
      const [queued] = await acceptAll(store, [newMessage()]);
      expect(await store.replay(queued!, 'operator')).to.equal(false);
      expect(await store.replay('no-such-id', 'operator')).to.equal(false);
      expect(await store.history(queued!)).to.have.length(4);
    });

    it('replayAllDead replays every dead message, or those of one endpoint, oldest first', async () => {
      const store = await h.open();
      const a1 = await deadMessage(store, EP_A);
      const b1 = await deadMessage(store, EP_B);
      const a2 = await deadMessage(store, EP_A);
      expect(await store.replayAllDead('operator', EP_A)).to.deep.equal([a1, a2]);
      expect(await store.replayAllDead('operator')).to.deep.equal([b1]);
      expect(await store.replayAllDead('operator')).to.deep.equal([]);
      expect((await store.countByState())['queued']).to.equal(3);
    });
  });

  describe('nextDueAt and outboxDepth', () => {
    it('nextDueAt: null when empty, the earliest due time, the lease end for items in flight', async () => {
      const store = await h.open();
      expect(await store.nextDueAt()).to.equal(null);
      const [first] = await acceptAll(store, [newMessage(), newMessage()]);
      const receivedAt = (await store.getMessage(first!))!.receivedAt;
      expect((await store.nextDueAt())?.toISOString()).to.equal(receivedAt);

      const t0 = Date.now();
      await claim(store, { [EP_A]: 2 }, { now: new Date(t0), leaseMs: 5000 });
      expect((await store.nextDueAt())?.getTime()).to.equal(t0 + 5000);
    });

    it('outboxDepth counts pending items per endpoint, leased ones included, dead ones not', async () => {
      const store = await h.open();
      await acceptAll(store, [newMessage(), newMessage(), newMessage({ endpointId: EP_B })]);
      await claim(store, { [EP_A]: 1 });
      expect(await store.outboxDepth()).to.deep.equal({ [EP_A]: 2, [EP_B]: 1 });
      await store.markDead(await claimOne(store, EP_B), 'permanent', true);
      expect(await store.outboxDepth()).to.deep.equal({ [EP_A]: 2 });
    });
  });

  describe('history', () => {
    it('is complete and ordered for a message delivered after one retry', async () => {
      const store = await h.open();
      const [id] = await acceptAll(store, [newMessage()]);
      await store.markRetrying(await claimOne(store, EP_A), 'connect ECONNREFUSED', new Date());
      await sleep(2);
      await store.markDelivered(await claimOne(store, EP_A), 'HTTP 201');

      const hist = await store.history(id!);
      expect(hist.map((t) => [t.from, t.to, t.attempt])).to.deep.equal([
        [null, 'received', 0],
        ['received', 'validated', 0],
        ['validated', 'routed', 0],
        ['routed', 'queued', 0],
        ['queued', 'retrying', 1],
        ['retrying', 'delivered', 2],
      ]);
      expect(hist.map((t) => t.reason).slice(4)).to.deep.equal(['connect ECONNREFUSED', 'HTTP 201']);
      for (let i = 1; i < hist.length; i++) {
        expect(hist[i]!.seq).to.be.greaterThan(hist[i - 1]!.seq);
        expect(Date.parse(hist[i]!.at)).to.be.at.least(Date.parse(hist[i - 1]!.at));
      }
      expect(await store.getMessage(id!)).to.include({ state: 'delivered', attempts: 1, lastError: 'connect ECONNREFUSED' });
    });
  });
}
