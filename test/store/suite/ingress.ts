import { expect } from 'chai';
import type { StoreHarness } from './fixtures.js';
import { acceptAll, EP_A, expectGatewayError, isIso, newMessage, sleep, states } from './fixtures.js';

/** accept (idempotency, group commit, durability), rejections, lifecycle. */
export function ingressTests(h: StoreHarness): void {
  describe('accept', () => {
    it('stores the message, its four creation transitions and one outbox item, and returns a queued receipt', async () => {
      const store = await h.open();
      const msg = newMessage({ warnings: ['unknown optional element ignored'] });
      const r = await store.accept(msg);
      expect(r.kind).to.equal('created');
      expect(r.receipt).to.include({ gatewayId: msg.id, messageUuid: msg.header.messageUuid, author: msg.header.author, state: 'queued', sha512: msg.payloadSha512 });
      expect(isIso(r.receipt.receivedAt)).to.equal(true);

      const hist = await store.history(msg.id);
      expect(hist.map((t) => [t.from, t.to])).to.deep.equal([
        [null, 'received'],
        ['received', 'validated'],
        ['validated', 'routed'],
        ['routed', 'queued'],
      ]);
      expect(hist[2]!.reason).to.equal(msg.routeReason);
      expect(hist.every((t) => t.attempt === 0 && t.at === r.receipt.receivedAt && t.messageId === msg.id)).to.equal(true);
      expect(await store.outboxDepth()).to.deep.equal({ [EP_A]: 1 });
      expect((await store.countByState())['queued']).to.equal(1);
    });

    it('refuses an opening message whose Vorgang id is taken, in the insert transaction itself (two openings racing)', async () => {
      const store = await h.open();
      const vorgangId = `vg-${Math.random().toString(36).slice(2)}`;
      const first = { ...newMessage({ vorgangId }), opensVorgang: true };
      const rival = { ...newMessage({ vorgangId, author: 'efa:anderes-portal' }), opensVorgang: true };
      // both submitted at once: whichever the store commits first wins, the other is refused
      const outcomes = await Promise.allSettled([store.accept(first), store.accept(rival)]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).to.have.length(1);
      const refused = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
      expect((refused?.reason as { code?: string }).code).to.equal('GW_VORGANG_EXISTS');
      expect(await store.vorgang(vorgangId)).to.have.length(1);
      // a follow-up (not opening) joins the case as before
      expect((await store.accept(newMessage({ vorgangId, messageType: 'hund.steuerfestsetzung.0102' }))).kind).to.equal('created');
    });

    it('answers a resent opening message as a duplicate, not as a taken Vorgang, and a refused rival leaves no row, transition or outbox entry', async () => {
      const store = await h.open();
      const vorgangId = `vg-${Math.random().toString(36).slice(2)}`;
      const first = { ...newMessage({ vorgangId }), opensVorgang: true };
      await store.accept(first);
      const again = { ...newMessage({ vorgangId, messageUuid: first.header.messageUuid, payload: first.payload }), id: 'resent-gateway-id', opensVorgang: true };
      const r = await store.accept(again);
      expect(r.kind).to.equal('duplicate');
      expect(r.receipt.gatewayId).to.equal(first.id);
      const rival = { ...newMessage({ vorgangId, author: 'efa:anderes-portal' }), id: 'rival-gateway-id', opensVorgang: true };
      await expectGatewayError(store.accept(rival), 'GW_VORGANG_EXISTS');
      expect(await store.getMessage('rival-gateway-id')).to.equal(null);
      expect(await store.history('rival-gateway-id')).to.deep.equal([]);
      expect(await store.outboxDepth()).to.deep.equal({ [EP_A]: 1 });
      expect(await store.history(first.id)).to.have.length(4);
    });

    it('returns the original receipt for a duplicate (same author, UUID and payload) and stores nothing', async () => {
      const store = await h.open();
      const first = newMessage();
      await store.accept(first);
      await sleep(2);
      const again = { ...newMessage({ messageUuid: first.header.messageUuid, payload: first.payload }), id: 'another-gateway-id' };
      const r = await store.accept(again);
      expect(r.kind).to.equal('duplicate');
      expect(r.receipt.gatewayId).to.equal(first.id);
      expect(r.receipt.sha512).to.equal(first.payloadSha512);
      expect(await store.getMessage('another-gateway-id')).to.equal(null);
      expect(await store.listMessages({})).to.have.length(1);
      expect(await store.outboxDepth()).to.deep.equal({ [EP_A]: 1 });
      expect(await store.history(first.id)).to.have.length(4);
    });

    it('answers conflict with the original receipt when the UUID comes again with another payload', async () => {
      const store = await h.open();
      const first = newMessage({ payload: '<a/>' });
      await store.accept(first);
      const r = await store.accept(newMessage({ messageUuid: first.header.messageUuid, payload: '<b/>' }));
      expect(r.kind).to.equal('conflict');
      expect(r.receipt.gatewayId).to.equal(first.id);
      expect(r.receipt.sha512).to.equal(first.payloadSha512);
      expect(await store.listMessages({})).to.have.length(1);
      expect((await store.getPayload(first.id))!.toString()).to.equal('<a/>');
    });

    it('treats the same UUID from two authors as two messages', async () => {
      const store = await h.open();
      const a = newMessage({ author: 'efa:hund-portal' });
      const b = newMessage({ author: 'efa:wohngeld-portal', messageUuid: a.header.messageUuid, payload: a.payload });
      expect((await store.accept(a)).kind).to.equal('created');
      expect((await store.accept(b)).kind).to.equal('created');
      expect(await store.listMessages({})).to.have.length(2);
    });

    it('stores one of two identical accepts requested at the same time and reports the other as duplicate', async () => {
      const store = await h.open();
      const m = newMessage();
      const results = await Promise.all([store.accept(m), store.accept({ ...m, id: 'second-id' })]);
      expect(results.map((r) => r.kind).sort()).to.deep.equal(['created', 'duplicate']);
      expect(results.every((r) => r.receipt.gatewayId === results[0]!.receipt.gatewayId)).to.equal(true);
      expect(await store.listMessages({})).to.have.length(1);
    });

    it('commits 500 concurrent accepts durably: all are there after reopening the database', async () => {
      const count = 500;
      const store = await h.open();
      const msgs = Array.from({ length: count }, () => newMessage());
      const results = await Promise.all(msgs.map((m) => store.accept(m)));
      expect(results.filter((r) => r.kind === 'created')).to.have.length(count);

      const again = await h.reopen(store);
      expect((await again.countByState())['queued']).to.equal(count);
      expect(await again.listMessages({ limit: 1000 })).to.have.length(count);
      expect(await again.outboxDepth()).to.deep.equal({ [EP_A]: count });
      const sample = msgs[count - 1]!;
      expect(await states(again, sample.id)).to.deep.equal(['received', 'validated', 'routed', 'queued']);
      expect((await again.getPayload(sample.id))!.equals(sample.payload)).to.equal(true);
    });

    it('fails only the operation that failed when writes are requested together', async () => {
      const store = await h.open();
      const a = newMessage();
      const b = newMessage();
      const clash = newMessage({ id: a.id });
      const outcomes = await Promise.allSettled([store.accept(a), store.accept(clash), store.mailboxPut('mb', 'no-such-message'), store.accept(b)]);
      expect(outcomes.map((o) => o.status)).to.deep.equal(['fulfilled', 'rejected', 'rejected', 'fulfilled']);

      const again = await h.reopen(store);
      expect((await again.listMessages({})).map((m) => m.id).sort()).to.deep.equal([a.id, b.id].sort());
      expect(await again.getMessageByUuid(clash.header.author, clash.header.messageUuid)).to.equal(null);
      expect(await again.history(a.id)).to.have.length(4);
      expect(await again.mailboxList('mb', 10)).to.have.length(0);
    });
  });

  describe('rejections', () => {
    it('records refused input and lists it newest first, limited', async () => {
      const store = await h.open();
      const base = { detail: 'Element hund: missing rasse', author: 'efa:hund-portal', messageUuid: 'u-1', messageType: 'hund.anmeldung.0101', size: 812, sha512: 'ab'.repeat(64), remote: '10.0.0.7' };
      await store.recordRejection({ ...base, code: 'GW_XSD_INVALID' });
      await store.recordRejection({ ...base, code: 'GW_XML_MALFORMED', author: null, messageUuid: null, messageType: null, remote: null });
      await store.recordRejection({ ...base, code: 'GW_ROUTE_NO_MATCH' });

      const two = await store.listRejections(2);
      expect(two.map((r) => r.code)).to.deep.equal(['GW_ROUTE_NO_MATCH', 'GW_XML_MALFORMED']);
      expect(two[0]!.seq).to.be.greaterThan(two[1]!.seq);
      expect(two[1]).to.include({ author: null, messageUuid: null, messageType: null, remote: null, size: 812 });
      const all = await store.listRejections(10);
      expect(all).to.have.length(3);
      expect(all[2]).to.include({ code: 'GW_XSD_INVALID', detail: base.detail, author: base.author, messageUuid: 'u-1', sha512: base.sha512, remote: '10.0.0.7' });
      expect(isIso(all[2]!.at)).to.equal(true);
      expect(await store.listMessages({})).to.have.length(0);
    });
  });

  describe('lifecycle', () => {
    it('migrate can be called again without losing data; ping answers', async () => {
      const store = await h.open();
      const [id] = await acceptAll(store, [newMessage()]);
      await store.migrate();
      await store.migrate();
      await store.ping();
      expect((await store.getMessage(id!))?.state).to.equal('queued');
    });

    it('close is idempotent and later calls fail with GW_NOT_READY', async () => {
      const store = await h.open();
      await Promise.all([store.close(), store.close()]);
      await store.close();
      await expectGatewayError(store.accept(newMessage()), 'GW_NOT_READY');
      await expectGatewayError(store.getMessage('x'), 'GW_NOT_READY');
    });

    it('close commits writes requested before it', async () => {
      const store = await h.open();
      const m = newMessage();
      const accepted = store.accept(m);
      await store.close();
      expect((await accepted).kind).to.equal('created');
      const again = await h.reopen(store);
      expect((await again.getMessage(m.id))?.state).to.equal('queued');
    });
  });
}
