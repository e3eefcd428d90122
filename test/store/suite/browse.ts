import { expect } from 'chai';
import type { StoreHarness } from './fixtures.js';
import { acceptAll, claimOne, EP_A, EP_B, newMessage } from './fixtures.js';

/** browseMessages, overviewFigures, endpointActivity: the monitoring UI's reads (ADR 0030). */
export function browseTests(h: StoreHarness): void {
  describe('browser and overview reads', () => {
    it('browseMessages answers each filter, pages newest first with its cursor, and takes a time range', async () => {
      const store = await h.open();
      const msgs = [
        newMessage({ vorgangId: 'vg-b1', ags: '15001000', messageType: 'hund.anmeldung.0101' }),
        newMessage({ vorgangId: 'vg-b1', ags: '15001000', messageType: 'hund.steuerfestsetzung.0102', endpointId: EP_B }),
        newMessage({ vorgangId: 'vg-b2', ags: '15002000', messageType: 'wohngeld.antrag.0201' }),
      ];
      const ids = await acceptAll(store, msgs);
      const got = async (q: Parameters<typeof store.browseMessages>[0]) => (await store.browseMessages(q)).items.map((m) => ids.indexOf(m.id));
      expect(await got({})).to.deep.equal([2, 1, 0]);
      expect(await got({ gatewayId: ids[1]! })).to.deep.equal([1]);
      expect(await got({ messageUuid: msgs[2]!.header.messageUuid.toUpperCase() })).to.deep.equal([2]);
      expect(await got({ vorgangId: 'vg-b1' })).to.deep.equal([1, 0]);
      expect(await got({ messageType: 'hund.anmeldung.0101' })).to.deep.equal([0]);
      expect(await got({ ags: '15002000' })).to.deep.equal([2]);
      expect(await got({ leika: msgs[0]!.header.leika })).to.deep.equal([2, 1, 0]);
      expect(await got({ leika: '99999999999999' })).to.deep.equal([]);
      expect(await got({ state: 'queued', endpointId: EP_B })).to.deep.equal([1]);
      expect(await got({ fromMs: Date.now() - 60_000 })).to.deep.equal([2, 1, 0]);
      expect(await got({ fromMs: Date.now() + 60_000 })).to.deep.equal([]);
      expect(await got({ toMs: Date.now() - 60_000 })).to.deep.equal([]);
      const first = await store.browseMessages({ limit: 2 });
      expect(first.items.map((m) => ids.indexOf(m.id))).to.deep.equal([2, 1]);
      expect(first.next).to.equal(first.items[1]!.seq);
      const second = await store.browseMessages({ limit: 2, beforeSeq: first.next! });
      expect(second.items.map((m) => ids.indexOf(m.id))).to.deep.equal([0]);
      expect(second.next).to.equal(null);
    });

    it('overviewFigures counts the last hour and day per LeiKa and AGS, the backlog, failures and times to delivery; endpointActivity names the newest success and failure', async () => {
      const store = await h.open();
      const [a, b] = [newMessage({ ags: '15001000' }), newMessage({ ags: '15001000', endpointId: EP_B })];
      await acceptAll(store, [a, b, newMessage({ ags: '15002000' })]);
      await store.markDelivered(await claimOne(store, EP_A), 'peer answered 200');
      await store.markDead(await claimOne(store, EP_B), 'refused the message with 400', true);
      const f = await store.overviewFigures(new Date(Date.now() + 1000));
      const row = f.byServiceAndAgs.find((r) => r.ags === '15001000')!;
      expect(row).to.deep.include({ leika: a.header.leika, lastHour: 2, lastDay: 2, failedDay: 1, backlog: 0 });
      expect(row.deliveryMs).to.have.length(1);
      expect(f.byServiceAndAgs.find((r) => r.ags === '15002000')).to.deep.include({ lastDay: 1, backlog: 1, failedDay: 0 });
      expect(f.edges.find((e) => e.endpointId === EP_B)).to.deep.include({ author: a.header.author, lastDay: 1, deadDay: 1 });
      const act = await store.endpointActivity([EP_A, EP_B, 'none']);
      expect(act[EP_A]!.lastSuccessAt).to.be.a('string');
      expect(act[EP_B]).to.deep.include({ lastSuccessAt: null, lastError: 'refused the message with 400' });
      expect(act['none']).to.deep.equal({ lastSuccessAt: null, lastErrorAt: null, lastError: null });
      expect((await store.overviewFigures(new Date(Date.now() + 3 * 86_400_000))).byServiceAndAgs.every((r) => r.lastDay === 0)).to.equal(true);
    });
  });
}
