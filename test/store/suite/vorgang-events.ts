import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { MessageStore } from '../../../gateway/store/types.js';
import { claimOne, EP_A, EP_B, newMessage, type StoreHarness } from './fixtures.js';

const AFTER = 'wohngeld.nachforderung.0203';
const UNTIL = 'wohngeld.nachreichung.0204';
const QUERY = { deadline: 'nachreichung', after: [AFTER], until: [UNTIL], leika: [] };

/** Accepts a message of `type` in Vorgang `vorgangId` and, when `deliver`, marks it delivered; returns its id. */
async function message(store: MessageStore, vorgangId: string, type: string, deliver: boolean): Promise<string> {
  const r = await store.accept(newMessage({ vorgangId, messageType: type, endpointId: EP_A }));
  if (deliver) await store.markDelivered(await claimOne(store, EP_A), 'test peer confirmed');
  return r.receipt.gatewayId;
}

/** Case events (ADR 0023): recorded once per (Vorgang, deadline, kind, after message); deadline candidates. */
export function vorgangEventTests(h: StoreHarness): void {
  describe('case events and deadline candidates', () => {
    it('records an event once, however often it is raised, and lists a Vorgang\'s events oldest first', async () => {
      const store = await h.open();
      const vg = `vg-${randomUUID()}`;
      const after = await message(store, vg, AFTER, true);
      const first = { vorgangId: vg, kind: 'reminder' as const, deadline: 'nachreichung', afterMessageId: after };
      const raised = await Promise.all([store.recordVorgangEvent(first), store.recordVorgangEvent(first)]);
      expect(raised.filter((r) => r)).to.have.length(1);
      expect(await store.recordVorgangEvent({ ...first, kind: 'closed', noticeMessageId: after })).to.equal(true);
      const again = await h.reopen(store);
      const events = await again.vorgangEvents(vg);
      expect(events.map((e) => e.kind)).to.deep.equal(['reminder', 'closed']);
      expect(events[1]).to.include({ vorgangId: vg, deadline: 'nachreichung', afterMessageId: after, noticeMessageId: after });
      expect(await again.vorgangEvents(`vg-${randomUUID()}`)).to.deep.equal([]);
    });

    it('lists a Vorgang whose latest after-message was delivered and not answered, until the deadline closed it', async () => {
      const store = await h.open();
      const open = `vg-${randomUUID()}`;
      const answered = `vg-${randomUUID()}`;
      const undelivered = `vg-${randomUUID()}`;
      await message(store, open, AFTER, true);
      const latest = await message(store, open, AFTER, true); // a newer Nachforderung restarts the deadline
      await message(store, answered, AFTER, true);
      await message(store, answered, UNTIL, false);
      await message(store, undelivered, AFTER, false);
      const found = (await store.deadlineCandidates(QUERY)).filter((c) => [open, answered, undelivered].includes(c.vorgangId));
      expect(found.map((c) => [c.vorgangId, c.afterMessageId])).to.deep.equal([[open, latest]]);
      expect(Date.parse(found[0]!.deliveredAt)).to.be.a('number').and.not.NaN;
      expect(found[0]!.recorded).to.deep.equal([]);
      await store.recordVorgangEvent({ vorgangId: open, kind: 'reminder', deadline: 'nachreichung', afterMessageId: latest });
      expect((await store.deadlineCandidates(QUERY)).find((c) => c.vorgangId === open)?.recorded).to.deep.equal(['reminder']);
      await store.recordVorgangEvent({ vorgangId: open, kind: 'closed', deadline: 'nachreichung', afterMessageId: latest });
      expect((await store.deadlineCandidates(QUERY)).map((c) => c.vorgangId)).to.not.include(open);
      expect((await store.deadlineCandidates({ ...QUERY, leika: ['00000000000000'] })).map((c) => c.vorgangId)).to.deep.equal([]);
    });

    it('the watermark stops at the oldest unsettled after-message (delivered or not), passes answered and closed ones, and a pass from it finds the same candidates', async () => {
      const store = await h.open();
      const seqOf = async (id: string) => (await store.getMessage(id))!.seq;
      // not delivered: queued at another endpoint, so the EP_A claims of `message` never take it
      const queued = async (vorgangId: string, type: string) => (await store.accept(newMessage({ vorgangId, messageType: type, endpointId: EP_B }))).receipt.gatewayId;
      const answered = `vg-${randomUUID()}`;
      const closed = `vg-${randomUUID()}`;
      const open = `vg-${randomUUID()}`;
      const pending = `vg-${randomUUID()}`;
      await message(store, answered, AFTER, true);
      await queued(answered, UNTIL);
      const closedAfter = await message(store, closed, AFTER, true);
      await store.recordVorgangEvent({ vorgangId: closed, kind: 'closed', deadline: 'nachreichung', afterMessageId: closedAfter });
      const openAfter = await message(store, open, AFTER, true);
      const notYetDelivered = await queued(pending, AFTER);
      const mark = await store.deadlineWatermark(QUERY);
      expect(mark).to.equal(await seqOf(openAfter));
      const all = (await store.deadlineCandidates(QUERY)).map((c) => c.afterMessageId);
      expect(all).to.deep.equal([openAfter]);
      expect((await store.deadlineCandidates({ ...QUERY, fromSeq: mark })).map((c) => c.afterMessageId)).to.deep.equal(all);
      expect((await store.deadlineCandidates({ ...QUERY, fromSeq: mark + 1 })).map((c) => c.afterMessageId)).to.deep.equal([]);
      // once the open one is closed, the watermark moves on to the one not yet delivered; once that is answered, past everything
      await store.recordVorgangEvent({ vorgangId: open, kind: 'closed', deadline: 'nachreichung', afterMessageId: openAfter });
      expect(await store.deadlineWatermark({ ...QUERY, fromSeq: mark })).to.equal(await seqOf(notYetDelivered));
      await queued(pending, UNTIL);
      const past = await store.deadlineWatermark({ ...QUERY, fromSeq: mark });
      const newest = await message(store, `vg-${randomUUID()}`, AFTER, true);
      expect(past).to.equal(await seqOf(newest));
      expect((await store.deadlineCandidates({ ...QUERY, fromSeq: past })).map((c) => c.afterMessageId)).to.deep.equal([newest]);
    });
  });
}
