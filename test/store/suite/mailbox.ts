import { expect } from 'chai';
import type { MessageStore } from '../../../gateway/store/types.js';
import type { StoreHarness } from './fixtures.js';
import { acceptAll, claimOne, EP_A, EP_MAILBOX, expectGatewayError, isIso, newMessage, sleep, states } from './fixtures.js';

const MB = 'zsa-hund';
const LONG_LEASE = 60_000;
/** Short enough to expire after SETTLE_MS. */
const SHORT_LEASE = 1;
const SETTLE_MS = 20;

/** Accepts `n` messages for the mailbox endpoint and places each in mailbox MB through the outbox; returns their ids. */
async function inMailbox(store: MessageStore, n: number): Promise<string[]> {
  const ids = await acceptAll(store, Array.from({ length: n }, () => newMessage({ endpointId: EP_MAILBOX })));
  for (let i = 0; i < n; i++) await store.markInMailbox(await claimOne(store, EP_MAILBOX), MB);
  return ids;
}

/** Pull mailboxes: put, list, fetch with lease, expiry, ack. */
export function mailboxTests(h: StoreHarness): void {
  describe('mailbox', () => {
    it('markInMailbox moves the message to in_mailbox, out of the outbox, into the mailbox', async () => {
      const store = await h.open();
      const [id] = await inMailbox(store, 1);
      expect((await store.getMessage(id!))?.state).to.equal('in_mailbox');
      expect((await store.history(id!)).at(-1)).to.include({ from: 'queued', to: 'in_mailbox' });
      expect(await store.outboxDepth()).to.deep.equal({});
      const items = await store.mailboxList(MB, 10);
      expect(items.map((i) => i.messageId)).to.deep.equal([id]);
    });

    it('mailboxPut is idempotent per (mailbox, message) and rejects unknown messages', async () => {
      const store = await h.open();
      const [id] = await acceptAll(store, [newMessage()]);
      await store.mailboxPut(MB, id!);
      await store.mailboxPut(MB, id!);
      await store.mailboxPut('other', id!);
      expect(await store.mailboxList(MB, 10)).to.have.length(1);
      expect(await store.mailboxList('other', 10)).to.have.length(1);
      await expectGatewayError(store.mailboxPut(MB, 'no-such-message'), 'GW_NOT_FOUND');
    });

    it('lists open items oldest first with their metadata, limited, per mailbox', async () => {
      const store = await h.open();
      const ids = await inMailbox(store, 3);
      const m0 = (await store.getMessage(ids[0]!))!;
      const two = await store.mailboxList(MB, 2);
      expect(two.map((i) => i.messageId)).to.deep.equal([ids[0], ids[1]]);
      expect(two[0]).to.include({ mailbox: MB, messageUuid: m0.messageUuid, messageType: m0.messageType, vorgangId: m0.vorgangId, author: m0.author, size: m0.size, deliveries: 0, leaseUntil: null });
      expect(isIso(two[0]!.enqueuedAt)).to.equal(true);
      expect(two[1]!.id).to.be.greaterThan(two[0]!.id);
      expect(await store.mailboxList('someone-else', 10)).to.have.length(0);
    });

    it('fetch leases the oldest item (or the one asked for), counts the delivery and hides it while leased', async () => {
      const store = await h.open();
      const ids = await inMailbox(store, 3);
      const before = Date.now();
      const lease = (await store.mailboxFetch(MB, LONG_LEASE))!;
      expect(lease.item).to.include({ messageId: ids[0], deliveries: 1 });
      expect(lease.item.leaseUntil).to.equal(lease.leaseUntil);
      expect(Date.parse(lease.leaseUntil)).to.be.at.least(before + LONG_LEASE);
      expect(lease.payload.equals((await store.getPayload(ids[0]!))!)).to.equal(true);
      expect((await store.mailboxList(MB, 10)).map((i) => i.messageId)).to.deep.equal([ids[1], ids[2]]);

      const third = (await store.mailboxList(MB, 10))[1]!;
      expect((await store.mailboxFetch(MB, LONG_LEASE, third.id))?.item.messageId).to.equal(ids[2]);
      expect(await store.mailboxFetch(MB, LONG_LEASE, lease.item.id)).to.equal(null);
      expect((await store.mailboxFetch(MB, LONG_LEASE))?.item.messageId).to.equal(ids[1]);
      expect(await store.mailboxFetch(MB, LONG_LEASE)).to.equal(null);
      expect(await store.mailboxList(MB, 10)).to.have.length(0);
    });

    it('an item whose lease expired reappears, and fetching it again issues a new token', async () => {
      const store = await h.open();
      const [id] = await inMailbox(store, 1);
      const first = (await store.mailboxFetch(MB, SHORT_LEASE))!;
      await sleep(SETTLE_MS);
      const listed = await store.mailboxList(MB, 10);
      expect(listed).to.have.length(1);
      expect(listed[0]).to.include({ messageId: id, deliveries: 1, leaseUntil: null });

      const second = (await store.mailboxFetch(MB, LONG_LEASE))!;
      expect(second.item).to.include({ id: first.item.id, deliveries: 2 });
      expect(second.leaseToken).to.not.equal(first.leaseToken);
      await expectGatewayError(store.mailboxAck(MB, first.item.id, first.leaseToken, 'fv-client'), 'GW_LEASE_INVALID');
      await store.mailboxAck(MB, second.item.id, second.leaseToken, 'fv-client');
      expect((await store.getMessage(id!))?.state).to.equal('delivered');
    });

    it('ack with the lease token closes the item and moves the message in_mailbox → delivered', async () => {
      const store = await h.open();
      const [id, other] = await inMailbox(store, 2);
      const lease = (await store.mailboxFetch(MB, LONG_LEASE))!;
      await store.mailboxAck(MB, lease.item.id, lease.leaseToken, 'fv:hundesteuer');

      expect((await store.getMessage(id!))?.state).to.equal('delivered');
      const last = (await store.history(id!)).at(-1)!;
      expect(last).to.include({ from: 'in_mailbox', to: 'delivered' });
      expect(last.reason).to.contain('fv:hundesteuer');
      expect((await store.mailboxList(MB, 10)).map((i) => i.messageId)).to.deep.equal([other]);
      expect(await store.mailboxFetch(MB, LONG_LEASE, lease.item.id)).to.equal(null);

      await store.mailboxAck(MB, lease.item.id, lease.leaseToken, 'fv:hundesteuer');
      expect((await states(store, id!)).filter((s) => s === 'delivered')).to.have.length(1);
    });

    it('ack with a wrong token, an expired lease, another mailbox or an unknown item fails with GW_LEASE_INVALID', async () => {
      const store = await h.open();
      const [id, id2] = await inMailbox(store, 2);
      const lease = (await store.mailboxFetch(MB, LONG_LEASE))!;
      await expectGatewayError(store.mailboxAck(MB, lease.item.id, 'not-the-token', 'x'), 'GW_LEASE_INVALID');
      await expectGatewayError(store.mailboxAck('other-mailbox', lease.item.id, lease.leaseToken, 'x'), 'GW_LEASE_INVALID');
      await expectGatewayError(store.mailboxAck(MB, 999_999, lease.leaseToken, 'x'), 'GW_LEASE_INVALID');
      expect((await store.getMessage(id!))?.state).to.equal('in_mailbox');

      const short = (await store.mailboxFetch(MB, SHORT_LEASE))!;
      expect(short.item.messageId).to.equal(id2);
      await sleep(SETTLE_MS);
      await expectGatewayError(store.mailboxAck(MB, short.item.id, short.leaseToken, 'x'), 'GW_LEASE_INVALID');
      expect((await store.getMessage(id2!))?.state).to.equal('in_mailbox');
      expect(await store.mailboxList(MB, 10)).to.have.length(1);
    });

    it('ack of an item put directly for a still queued message delivers it and takes it out of the outbox', async () => {
      const store = await h.open();
      const [id] = await acceptAll(store, [newMessage()]);
      await store.mailboxPut(MB, id!);
      const lease = (await store.mailboxFetch(MB, LONG_LEASE))!;
      await store.mailboxAck(MB, lease.item.id, lease.leaseToken, 'puller');
      expect((await store.getMessage(id!))?.state).to.equal('delivered');
      expect(await store.outboxDepth()).to.deep.equal({});
      expect(await store.claimDue({ owner: 'w', leaseMs: LONG_LEASE, capacity: { [EP_A]: 5 } })).to.have.length(0);
    });

    it('xtaFetch leases like a fetch and records the lease per mailbox and message, durably; a new fetch replaces it', async () => {
      const store = await h.open();
      const [id] = await inMailbox(store, 1);
      expect(await store.xtaFetchLease(MB, id!)).to.equal(null);
      const item = (await store.mailboxList(MB, 1))[0]!;
      const first = (await store.xtaFetch(MB, item.id, SHORT_LEASE))!;
      expect(first.item).to.include({ messageId: id, deliveries: 1 });
      expect(first.payload.length).to.be.greaterThan(0);
      expect(await store.xtaFetchLease(MB, id!)).to.deep.equal({ itemId: item.id, leaseToken: first.leaseToken, leaseUntil: first.leaseUntil });
      expect(await store.xtaFetchLease('other', id!), 'another mailbox').to.equal(null);
      expect(await store.xtaFetch(MB, item.id + 1000, LONG_LEASE), 'an unknown item').to.equal(null);

      await sleep(SETTLE_MS);
      const second = (await store.xtaFetch(MB, item.id, LONG_LEASE))!;
      expect(second.leaseToken).to.not.equal(first.leaseToken);
      expect(await store.xtaFetch(MB, item.id, LONG_LEASE), 'leased: not available').to.equal(null);
      const reopened = await h.reopen(store);
      const kept = (await reopened.xtaFetchLease(MB, id!))!;
      expect(kept).to.include({ itemId: item.id, leaseToken: second.leaseToken });
      await reopened.mailboxAck(MB, kept.itemId, kept.leaseToken, 'xta:test');
      expect((await reopened.getMessage(id!))?.state).to.equal('delivered');
    });
  });
}
