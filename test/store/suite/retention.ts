import { expect } from 'chai';
import type { MessageStore, NewMessage, RetentionRule } from '../../../gateway/store/types.js';
import type { StoreHarness } from './fixtures.js';
import { acceptAll, claim, EP_A, EP_MAILBOX, expectGatewayError, newMessage, sha512 } from './fixtures.js';

const DAY = 86_400_000;
const RULE: RetentionRule = { service: 'hund', leika: ['99108012000000'], closedBy: ['hund.freigabe.0103', 'hund.abmeldung.0104'], deleteAfterDays: 30 };
const days = (n: number) => new Date(Date.now() + n * DAY);

/** Claims every due item of EP_A and marks it delivered (EP_MAILBOX items stay queued). */
async function deliverAll(store: MessageStore): Promise<void> {
  for (const item of await claim(store, { [EP_A]: 100 })) await store.markDelivered(item, 'peer confirmed');
}

function withAttachment(m: NewMessage, bytes: string): NewMessage {
  m.attachments = [{ name: 'nachweis.pdf', mediaType: 'application/pdf', sha512: sha512(Buffer.from(bytes)), size: bytes.length }];
  return m;
}

/** retentionCandidates, purgePayload, retentionLog (ADR 0013). */
export function retentionTests(h: StoreHarness): void {
  describe('retention', () => {
    it('candidates: only delivered closedBy messages close a Vorgang, after deleteAfterDays, messages on their way wait', async () => {
      const store = await h.open();
      const ids = await acceptAll(store, [
        newMessage({ vorgangId: 'vg-closed', messageType: 'hund.anmeldung.0101' }),
        newMessage({ vorgangId: 'vg-closed', messageType: 'hund.freigabe.0103' }),
        newMessage({ vorgangId: 'vg-open', messageType: 'hund.anmeldung.0101' }),
        newMessage({ vorgangId: 'vg-open', messageType: 'hund.steuerfestsetzung.0102' }),
        newMessage({ vorgangId: 'vg-closer-queued', messageType: 'hund.abmeldung.0104', endpointId: EP_MAILBOX }),
      ]);
      await deliverAll(store);
      const late = newMessage({ vorgangId: 'vg-closed', messageType: 'hund.nachreichung.0105', endpointId: EP_MAILBOX });
      await store.accept(late);

      expect(await store.retentionCandidates(days(29), [RULE])).to.deep.equal([]);
      const found = await store.retentionCandidates(days(31), [RULE]);
      expect(found.map((c) => c.messageId)).to.deep.equal([ids[0], ids[1]]);
      const closedAt = (await store.history(ids[1]!)).find((t) => t.to === 'delivered')!.at;
      expect(found[0]).to.deep.include({ vorgangId: 'vg-closed', messageType: 'hund.anmeldung.0101', service: 'hund', closedAt });
      expect(await store.retentionCandidates(days(31), [{ ...RULE, closedBy: ['hund.abmeldung.0104'] }])).to.deep.equal([]);
      expect(await store.retentionCandidates(days(31), [{ ...RULE, leika: ['99107023037000'] }])).to.deep.equal([]);
      expect(await store.retentionCandidates(days(31), [{ ...RULE, deleteAfterDays: 40 }])).to.deep.equal([]);
      expect(await store.retentionCandidates(days(31), [])).to.deep.equal([]);
    });

    it('purgePayload empties the payload, keeps metadata and history, logs it; reads answer GW_PAYLOAD_PURGED', async () => {
      const store = await h.open();
      const [a, f] = await acceptAll(store, [
        newMessage({ vorgangId: 'vg-p', messageType: 'hund.anmeldung.0101' }),
        newMessage({ vorgangId: 'vg-p', messageType: 'hund.freigabe.0103' }),
      ]);
      await deliverAll(store);
      const before = (await store.getMessage(a!))!;
      const historyBefore = await store.history(a!);

      const r = await store.purgePayload(a!, 'retention test');
      expect(r).to.deep.include({ messageId: a, vorgangId: 'vg-p', bytes: before.size, attachmentsRemoved: [] });
      const after = (await store.getMessage(a!))!;
      expect(after.payloadPurgedAt).to.equal(r.at);
      const { payloadPurgedAt: _p, ...kept } = after;
      expect(kept).to.deep.equal(before);
      expect(await store.history(a!)).to.deep.equal(historyBefore);
      const err = await expectGatewayError(store.getPayload(a!), 'GW_PAYLOAD_PURGED');
      expect(err.status).to.equal(410);
      await expectGatewayError(store.purgePayload(a!, 'again'), 'GW_PAYLOAD_PURGED');
      await expectGatewayError(store.purgePayload('nope', 'x'), 'GW_NOT_FOUND');
      expect((await store.getPayload(f!))!.length).to.be.greaterThan(0);

      const reopened = await h.reopen(store);
      expect((await reopened.retentionCandidates(days(31), [RULE])).map((c) => c.messageId)).to.deep.equal([f]);
      const log = await reopened.retentionLog();
      expect(log).to.have.length(1);
      expect(log[0]).to.deep.include({ messageId: a, vorgangId: 'vg-p', reason: 'retention test', bytes: before.size, attachmentsRemoved: [] });
      expect(await reopened.retentionLog(f!)).to.deep.equal([]);
    });

    it('a message on its way is not purged; a purged dead message is never replayed', async () => {
      const store = await h.open();
      const [queued] = await acceptAll(store, [newMessage({ endpointId: EP_MAILBOX })]);
      await expectGatewayError(store.purgePayload(queued!, 'x'), 'GW_STATE_CONFLICT');
      const [dead] = await acceptAll(store, [newMessage()]);
      const [item] = await claim(store, { [EP_A]: 1 });
      await store.markDead(item!, 'permanent', true);
      await store.purgePayload(dead!, 'retention');
      await expectGatewayError(store.replay(dead!, 'op'), 'GW_PAYLOAD_PURGED');
      expect(await store.replayAllDead('op')).to.deep.equal([]);
      expect(await claim(store, { [EP_A]: 10 })).to.deep.equal([]);
      expect((await store.getMessage(dead!))!.state).to.equal('dead');
    });

    it('an attachment hash is reported removable only when no unpurged message refers to it', async () => {
      const store = await h.open();
      const [one, two] = await acceptAll(store, [
        withAttachment(newMessage({ vorgangId: 'vg-1' }), 'shared bytes'),
        withAttachment(newMessage({ vorgangId: 'vg-2' }), 'shared bytes'),
      ]);
      const own = withAttachment(newMessage({ vorgangId: 'vg-1' }), 'own bytes');
      await store.accept(own);
      await deliverAll(store);
      const shared = sha512(Buffer.from('shared bytes'));
      expect((await store.purgePayload(one!, 'r')).attachmentsRemoved).to.deep.equal([]);
      expect((await store.purgePayload(own.id, 'r')).attachmentsRemoved).to.deep.equal([sha512(Buffer.from('own bytes'))]);
      expect((await store.purgePayload(two!, 'r')).attachmentsRemoved).to.deep.equal([shared]);
      expect((await store.getMessage(one!))!.attachments[0]!.sha512).to.equal(shared);
    });

    it('deleteVorgangRecords (second stage): a Vorgang goes whole once every message is final and purged long enough ago, leaving tombstones', async () => {
      const store = await h.open();
      const vg = `vg-records-${Date.now()}`;
      const [a, b] = await acceptAll(store, [newMessage({ vorgangId: vg }), newMessage({ vorgangId: vg })]);
      const [kept] = await acceptAll(store, [newMessage({ vorgangId: `${vg}-other` })]);
      await deliverAll(store);
      const [open] = await acceptAll(store, [newMessage({ vorgangId: `${vg}-open`, endpointId: EP_MAILBOX })]);
      await store.recordVorgangEvent({ vorgangId: vg, kind: 'reminder', deadline: 'nachreichung', afterMessageId: a! });
      const countsBefore = await store.countByState();
      await store.purgePayload(a!, 'retention test');
      // b's payload is still there: the Vorgang stays whole
      expect(await store.recordDeletionCandidates(days(1), 100)).to.deep.equal([]);
      await expectGatewayError(store.deleteVorgangRecords(vg, days(1), 'x'), 'GW_STATE_CONFLICT');
      await store.purgePayload(b!, 'retention test');
      await store.purgePayload(kept!, 'retention test');
      expect(await store.recordDeletionCandidates(days(-1), 100)).to.deep.equal([]); // purged after that time
      await expectGatewayError(store.deleteVorgangRecords(vg, days(-1), 'x'), 'GW_STATE_CONFLICT');
      const found = await store.recordDeletionCandidates(days(1), 100);
      expect(found.map((c) => [c.vorgangId, c.messageIds])).to.have.deep.members([[vg, [a, b]], [`${vg}-other`, [kept]]]);
      expect((await store.recordDeletionCandidates(days(1), 1)).length).to.equal(1);
      const r = await store.deleteVorgangRecords(vg, days(1), 'records test');
      expect(r).to.deep.include({ vorgangId: vg, messageIds: [a, b] });
      expect(r.rows).to.deep.include({ messages: 2, transitions: 10, forms: 0, outbox: 0, vorgangEvents: 1 });
      await expectGatewayError(store.deleteVorgangRecords(vg, days(1), 'again'), 'GW_NOT_FOUND');
      await expectGatewayError(store.deleteVorgangRecords(`${vg}-open`, days(1), 'x'), 'GW_STATE_CONFLICT'); // on its way, not purged

      const again = await h.reopen(store);
      for (const id of [a!, b!]) {
        expect(await again.getMessage(id)).to.equal(null);
        expect(await again.history(id)).to.deep.equal([]);
        expect(await again.listForms(id)).to.deep.equal([]);
        expect((await again.retentionLog(id)).map((x) => [x.stage, x.reason])).to.deep.equal([['payload', 'retention test'], ['records', 'records test']]);
      }
      expect(await again.vorgang(vg)).to.deep.equal([]);
      expect(await again.vorgangEvents(vg)).to.deep.equal([]);
      expect((await again.getMessage(kept!))!.state).to.equal('delivered');
      expect((await again.getMessage(open!))!.state).to.equal('queued');
      expect((await again.countByState())['delivered']).to.equal(countsBefore['delivered']! - 2);
      expect((await again.recordDeletionCandidates(days(1), 100)).map((c) => c.vorgangId)).to.deep.equal([`${vg}-other`]);
    });
  });
}
