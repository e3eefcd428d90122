import { expect } from 'chai';
import { MESSAGE_STATES } from '../../../gateway/model/index.js';
import type { StoreHarness } from './fixtures.js';
import { acceptAll, claimOne, EP_A, EP_B, isIso, newMessage } from './fixtures.js';

/** getMessage, getMessageByUuid, getPayload, listMessages, vorgang, countByState. */
export function readTests(h: StoreHarness): void {
  describe('reads', () => {
    it('backlog groups open and dead messages by endpoint and state with the oldest receive time; delivered ones are left out', async () => {
      const store = await h.open();
      expect(await store.backlog()).to.deep.equal([]);
      const [a1, a2, a3] = await acceptAll(store, [newMessage(), newMessage(), newMessage()]);
      await acceptAll(store, [newMessage({ endpointId: EP_B })]);
      const first = await claimOne(store, EP_A);
      await store.markDelivered(first, 'HTTP 200');
      const second = await claimOne(store, EP_A);
      await store.markDead(second, 'refused by fv-a: HTTP 400', true);
      const rows = await store.backlog();
      const key = (r: { endpointId: string; state: string; count: number }) => `${r.endpointId}/${r.state}=${r.count}`;
      expect(rows.map(key).sort()).to.deep.equal([`${EP_A}/dead=1`, `${EP_A}/queued=1`, `${EP_B}/queued=1`].sort());
      const queuedA = rows.find((r) => r.endpointId === EP_A && r.state === 'queued')!;
      expect(queuedA.oldestReceivedAt).to.equal(Date.parse((await store.getMessage(a3!))!.receivedAt));
      expect([first.messageId, second.messageId].sort()).to.deep.equal([a1, a2].sort());
    });

    it('getMessage returns every stored field; unknown ids give null', async () => {
      const store = await h.open();
      const m = newMessage({ warnings: ['w1', 'w2'], test: true });
      m.attachments = [{ name: 'nachweis.pdf', mediaType: 'application/pdf', sha512: 'cd'.repeat(64), size: 12345 }];
      const r = await store.accept(m);
      const s = (await store.getMessage(m.id))!;
      const hd = m.header;
      expect(s).to.deep.include({
        id: m.id, messageUuid: hd.messageUuid, messageType: hd.messageType, namespace: hd.namespace, standard: hd.standard,
        version: hd.version, author: hd.author, reader: hd.reader, vorgangId: hd.vorgangId, leika: hd.leika, ags: hd.ags,
        test: true, headerCreatedAt: hd.createdAt, state: 'queued', attempts: 0, routeName: m.routeName, endpointId: EP_A,
        size: m.payload.length, sha512: m.payloadSha512, receivedAt: r.receipt.receivedAt, lastError: null,
        warnings: ['w1', 'w2'], attachments: m.attachments,
      });
      expect(s.seq).to.be.a('number');
      expect(isIso(s.updatedAt)).to.equal(true);
      expect(s).to.not.have.property('payload');
      expect(await store.getMessage('nope')).to.equal(null);
      expect(await store.getPayload('nope')).to.equal(null);
    });

    it('getMessageByUuid finds by (author, UUID) only; getPayload returns the exact bytes', async () => {
      const store = await h.open();
      const bytes = Buffer.from([0x3c, 0x61, 0x3e, 0xc3, 0xa4, 0x00, 0xff, 0x3c, 0x2f, 0x61, 0x3e]);
      const m = newMessage({ payload: bytes });
      await store.accept(m);
      expect((await store.getMessageByUuid(m.header.author, m.header.messageUuid))?.id).to.equal(m.id);
      expect(await store.getMessageByUuid('efa:other', m.header.messageUuid)).to.equal(null);
      expect((await store.getPayload(m.id))!.equals(bytes)).to.equal(true);
    });

    it('listMessages filters by each field, pages newest first with beforeSeq and limit', async () => {
      const store = await h.open();
      const ids = await acceptAll(store, [
        newMessage({ vorgangId: 'vg-1', ags: '15001000', author: 'efa:a', messageType: 'hund.anmeldung.0101' }),
        newMessage({ vorgangId: 'vg-1', ags: '15001000', author: 'efa:a', messageType: 'hund.nachreichung.0102', endpointId: EP_B }),
        newMessage({ vorgangId: 'vg-2', ags: '15002000', author: 'efa:b', messageType: 'wohngeld.antrag.0201' }),
        newMessage({ vorgangId: 'vg-3', ags: '15001000', author: 'efa:b', messageType: 'hund.anmeldung.0101', endpointId: EP_B }),
      ]);
      const list = async (f: Parameters<typeof store.listMessages>[0]) => (await store.listMessages(f)).map((m) => ids.indexOf(m.id));
      expect(await list({})).to.deep.equal([3, 2, 1, 0]);
      expect(await list({ vorgangId: 'vg-1' })).to.deep.equal([1, 0]);
      expect(await list({ ags: '15001000' })).to.deep.equal([3, 1, 0]);
      expect(await list({ author: 'efa:b' })).to.deep.equal([3, 2]);
      expect(await list({ messageType: 'hund.anmeldung.0101' })).to.deep.equal([3, 0]);
      expect(await list({ endpointId: EP_B })).to.deep.equal([3, 1]);
      expect(await list({ state: 'queued', author: 'efa:a', endpointId: EP_A })).to.deep.equal([0]);
      expect(await list({ state: 'dead' })).to.deep.equal([]);

      const page1 = await store.listMessages({ limit: 2 });
      expect(page1.map((m) => ids.indexOf(m.id))).to.deep.equal([3, 2]);
      const page2 = await store.listMessages({ limit: 2, beforeSeq: page1[1]!.seq });
      expect(page2.map((m) => ids.indexOf(m.id))).to.deep.equal([1, 0]);
      expect(await store.listMessages({ limit: 2, beforeSeq: page2[1]!.seq })).to.deep.equal([]);
    });

    it('vorgang returns the messages of one case oldest first', async () => {
      const store = await h.open();
      const ids = await acceptAll(store, [
        newMessage({ vorgangId: 'vg-hund-7' }),
        newMessage({ vorgangId: 'vg-other' }),
        newMessage({ vorgangId: 'vg-hund-7', messageType: 'hund.nachreichung.0102' }),
      ]);
      expect((await store.vorgang('vg-hund-7')).map((m) => m.id)).to.deep.equal([ids[0], ids[2]]);
      expect(await store.vorgang('vg-none')).to.deep.equal([]);
    });

    it('countByState reports every state, zero included', async () => {
      const store = await h.open();
      const empty = await store.countByState();
      expect(Object.keys(empty).sort()).to.deep.equal([...MESSAGE_STATES].sort());
      expect(Object.values(empty).every((n) => n === 0)).to.equal(true);
      await acceptAll(store, [newMessage(), newMessage()]);
      const counts = await store.countByState();
      expect(counts['queued']).to.equal(2);
      expect(Object.values(counts).reduce((a, b) => a + b, 0)).to.equal(2);
    });
  });
}
