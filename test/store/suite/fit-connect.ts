import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { NewFitSubmission } from '../../../gateway/store/fit-connect.js';
import { acceptAll, EP_A, newMessage, type StoreHarness } from './fixtures.js';

const DEST = '5a1c0e3e-3b0f-4f6a-9a51-150020000001';
const ev = (event: string) => ({ event, token: `token-of-${event}-${randomUUID()}` });

function submission(o: Partial<NewFitSubmission> = {}): NewFitSubmission {
  return { submissionId: randomUUID(), caseId: randomUUID(), destinationId: DEST, author: 'efa-hund-lsa', leika: '99102013104000', announced: [randomUUID(), randomUUID()], ...o };
}

/** The FIT-Connect port (ADR 0027): a submission's life, guarded transitions, purge, events once. */
export function fitConnectTests(h: StoreHarness): void {
  describe('FIT-Connect submissions, attachments and event log', () => {
    it('creates a submission with its event, keeps attachments only while created, and moves on only from the named states', async () => {
      const store = await h.open();
      const s = submission();
      await store.fitConnect.create(s, ev('create-submission'));
      expect(await store.fitConnect.get(s.submissionId)).to.include({ status: 'created', caseId: s.caseId, messageId: null, encryptedData: null });
      expect((await store.fitConnect.get(s.submissionId))!.announced).to.deep.equal(s.announced);
      expect(await store.fitConnect.putAttachment(s.submissionId, s.announced[0]!, 'first')).to.equal(true);
      expect(await store.fitConnect.putAttachment(s.submissionId, s.announced[0]!, 'replaced')).to.equal(true);
      expect([...(await store.fitConnect.attachments(s.submissionId))]).to.deep.equal([[s.announced[0]!, 'replaced']]);

      const m = await store.accept(newMessage({ vorgangId: s.caseId, endpointId: EP_A }));
      const parts = { messageId: m.receipt.gatewayId, encryptedMetadata: 'meta-jwe', encryptedData: 'data-jwe' };
      const both = await Promise.all([
        store.fitConnect.transition(s.submissionId, ['created'], 'submitted', [ev('submit-submission')], { parts }),
        store.fitConnect.transition(s.submissionId, ['created'], 'submitted', [ev('submit-submission')], { parts }),
      ]);
      expect(both.filter((x) => x)).to.have.length(1);
      expect(await store.fitConnect.putAttachment(s.submissionId, s.announced[1]!, 'late')).to.equal(false);
      expect(await store.fitConnect.get(s.submissionId)).to.include({ status: 'submitted', messageId: m.receipt.gatewayId, encryptedMetadata: 'meta-jwe' });

      const listed = await store.fitConnect.listByDestination(DEST, 'submitted', 100, 0);
      expect(listed.map((x) => x.submissionId)).to.include(s.submissionId);
      expect(await store.fitConnect.listByDestination(DEST, 'created', 100, 0)).to.not.deep.include({ submissionId: s.submissionId });

      expect(await store.fitConnect.transition(s.submissionId, ['submitted'], 'accepted', [ev('accept-submission'), ev('delete-submission')], { purge: true })).to.equal(true);
      const again = await h.reopen(store);
      expect(await again.fitConnect.get(s.submissionId)).to.include({ status: 'accepted', encryptedMetadata: null, encryptedData: null, messageId: m.receipt.gatewayId });
      expect((await again.fitConnect.attachments(s.submissionId)).size).to.equal(0);
      expect((await again.fitConnect.caseEvents(s.caseId, 100, 0)).map((e) => e.event)).to.deep.equal(['create-submission', 'submit-submission', 'accept-submission', 'delete-submission']);
      expect(await again.fitConnect.transition(s.submissionId, ['submitted'], 'rejected', [ev('reject-submission')])).to.equal(false);
      expect(await again.fitConnect.get(randomUUID())).to.equal(null);
    });

    it('records an event once per submission however often it is observed, and pages the event log', async () => {
      const store = await h.open();
      const s = submission();
      await store.fitConnect.create(s, ev('create-submission'));
      const seen = await Promise.all([store.fitConnect.addEventOnce(s.submissionId, ev('forward-submission')), store.fitConnect.addEventOnce(s.submissionId, ev('forward-submission'))]);
      expect(seen.filter((x) => x)).to.have.length(1);
      expect(await store.fitConnect.addEventOnce(randomUUID(), ev('forward-submission'))).to.equal(false);
      const all = await store.fitConnect.caseEvents(s.caseId, 100, 0);
      expect(all.map((e) => e.event)).to.deep.equal(['create-submission', 'forward-submission']);
      expect((await store.fitConnect.caseEvents(s.caseId, 1, 1)).map((e) => e.token)).to.deep.equal([all[1]!.token]);
      expect((await store.fitConnect.caseSubmissions(s.caseId)).map((x) => x.submissionId)).to.deep.equal([s.submissionId]);
    });

    it('makes one reply per mailbox message however often it is listed, accepts it once, and lists only open, unleased items of the case', async () => {
      const store = await h.open();
      const s = submission();
      await store.fitConnect.create(s, ev('create-submission'));
      const [bescheid, notice, elsewhere] = await acceptAll(store, [newMessage({ vorgangId: s.caseId }), newMessage({ vorgangId: s.caseId }), newMessage()]);
      for (const id of [bescheid!, notice!, elsewhere!]) await store.mailboxPut('efa-hund-lsa', id);
      await store.mailboxPut('other-mailbox', notice!);
      const items = await store.fitConnect.caseMailboxItems(s.caseId, ['efa-hund-lsa']);
      expect(items.map((i) => i.messageId)).to.deep.equal([bescheid, notice]);
      expect(await store.fitConnect.caseMailboxItems(s.caseId, [])).to.deep.equal([]);

      const first = items[0]!;
      const made = await Promise.all([randomUUID(), randomUUID()].map((replyId) => store.fitConnect.ensureReply({ replyId, caseId: s.caseId, submissionId: s.submissionId, messageId: first.messageId, mailboxItem: first.id }, ev('submit-reply'))));
      expect(made[0]!.replyId).to.equal(made[1]!.replyId);
      expect(await store.fitConnect.replyOfMessage(first.messageId)).to.deep.equal(made[0]);
      expect((await store.fitConnect.caseEvents(s.caseId, 100, 0)).map((e) => e.event)).to.deep.equal(['create-submission', 'submit-reply']);

      const accepted = await Promise.all([store.fitConnect.acceptReply(made[0]!.replyId, [ev('accept-reply')]), store.fitConnect.acceptReply(made[0]!.replyId, [ev('accept-reply')])]);
      expect(accepted.filter((x) => x)).to.have.length(1);
      expect(await store.fitConnect.getReply(made[0]!.replyId)).to.include({ status: 'accepted', messageId: first.messageId });
      expect(await store.fitConnect.acceptReply(randomUUID(), [ev('accept-reply')])).to.equal(false);

      // a leased item is not listed until its lease ends; an acknowledged one never again
      const lease = (await store.mailboxFetch('efa-hund-lsa', 60_000, items[1]!.id))!;
      expect((await store.fitConnect.caseMailboxItems(s.caseId, ['efa-hund-lsa'])).map((i) => i.messageId)).to.deep.equal([bescheid]);
      await store.mailboxAck('efa-hund-lsa', items[1]!.id, lease.leaseToken, 'efa:hund-lsa');
      const bLease = (await store.mailboxFetch('efa-hund-lsa', 60_000, first.id))!;
      await store.mailboxAck('efa-hund-lsa', first.id, bLease.leaseToken, 'efa:hund-lsa');
      expect(await (await h.reopen(store)).fitConnect.caseMailboxItems(s.caseId, ['efa-hund-lsa'])).to.deep.equal([]);
    });
  });
}
