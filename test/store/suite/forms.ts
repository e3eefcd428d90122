import { expect } from 'chai';
import type { NewForm } from '../../../gateway/model/index.js';
import type { NewMessage } from '../../../gateway/store/types.js';
import type { StoreHarness } from './fixtures.js';
import { claimOne, EP_A, EP_MAILBOX, expectGatewayError, newMessage, sha512, states } from './fixtures.js';

const CSV = Buffer.from('VORGANG;GKZ\r\nvg-1;15002000\r\n');
const delivery = (body = CSV): NewForm => ({ name: 'xzsa-to-fv-csv', role: 'delivery', mapping: 'xzsa-to-fv-csv', format: 'csv', mediaType: 'text/csv; charset=utf-8', body });
const original: NewForm = { name: 'original', role: 'original', mapping: 'efa-hund-form-to-xzsa', format: 'json', mediaType: 'application/json', body: Buffer.from('{"form":{"id":"S99102013104000-FORM"}}') };
const mapped = (o: Partial<NewMessage> = {}): NewMessage => ({ ...newMessage(), mapping: 'xzsa-to-fv-csv', forms: [delivery()], ...o });

/** The forms of a message (ADR 0020): stored with it, delivered instead of the payload, purged with it. */
export function formTests(h: StoreHarness): void {
  describe('forms (mapped step)', () => {
    it('accepts a mapped message: routed → mapped → queued, both forms kept, the payload unchanged', async () => {
      const store = await h.open();
      const msg = mapped({ forms: [original, delivery()] });
      await store.accept(msg);
      expect(await states(store, msg.id)).to.deep.equal(['received', 'validated', 'routed', 'mapped', 'queued']);
      const hist = await store.history(msg.id);
      expect(hist[0]!.reason).to.include('efa-hund-form-to-xzsa');
      expect(hist[3]!.reason).to.include('xzsa-to-fv-csv');
      expect((await store.getPayload(msg.id))!.equals(msg.payload)).to.equal(true);
      expect((await store.getMessage(msg.id))!.mapping).to.equal('xzsa-to-fv-csv');
      const forms = await store.listForms(msg.id);
      expect(forms.map((f) => [f.name, f.role, f.format, f.size, f.sha512])).to.have.deep.members([
        ['original', 'original', 'json', original.body.length, sha512(original.body)],
        ['xzsa-to-fv-csv', 'delivery', 'csv', CSV.length, sha512(CSV)],
      ]);
      const got = await store.getForm(msg.id, 'original');
      expect(got!.body.equals(original.body)).to.equal(true);
      expect(got!.form.mediaType).to.equal('application/json');
      expect(await store.getForm(msg.id, 'nope')).to.equal(null);
    });

    it('hands the outbox the delivery form with its media type and hash, not the payload', async () => {
      const store = await h.open();
      const msg = mapped();
      await store.accept(msg);
      const item = await claimOne(store, EP_A);
      expect(item.payload.equals(CSV)).to.equal(true);
      expect(item.form).to.deep.equal({ name: 'xzsa-to-fv-csv', mediaType: 'text/csv; charset=utf-8', sha512: sha512(CSV) });
    });

    it('hands a mailbox fetch the delivery form', async () => {
      const store = await h.open();
      const msg = mapped({ endpointId: EP_MAILBOX });
      await store.accept(msg);
      await store.markInMailbox(await claimOne(store, EP_MAILBOX), EP_MAILBOX);
      const lease = await store.mailboxFetch(EP_MAILBOX, 60_000);
      expect(lease!.payload.equals(CSV)).to.equal(true);
      expect(lease!.form?.name).to.equal('xzsa-to-fv-csv');
    });

    it('stores a message whose mapping failed as dead with the reason; replay queues it without a form, putForm adds one', async () => {
      const store = await h.open();
      const msg = mapped({ forms: [], mappingFailure: 'mapping xzsa-to-fv-csv failed (GW_MAPPING_OUTPUT_INVALID) at rule output, path /GKZ' });
      const r = await store.accept(msg);
      expect(r.receipt.state).to.equal('dead');
      expect(await states(store, msg.id)).to.deep.equal(['received', 'validated', 'routed', 'dead']);
      expect((await store.getMessage(msg.id))!.lastError).to.include('rule output');
      expect(await store.outboxDepth()).to.deep.equal({});
      expect(await store.replay(msg.id, 'test')).to.equal(true);
      const item = await claimOne(store, EP_A);
      expect(item.form).to.equal(undefined);
      expect(item.payload.equals(msg.payload)).to.equal(true);
      expect(item.message.mapping).to.equal('xzsa-to-fv-csv');
      const fixed = Buffer.from('VORGANG;GKZ\r\nvg-2;15002000\r\n');
      const form = await store.putForm(msg.id, delivery(fixed));
      expect(form.sha512).to.equal(sha512(fixed));
      expect((await store.getForm(msg.id, 'xzsa-to-fv-csv'))!.body.equals(fixed)).to.equal(true);
      await expectGatewayError(store.putForm('nope', delivery()), 'GW_NOT_FOUND');
    });

    it('retention purges the forms with the payload', async () => {
      const store = await h.open();
      const msg = mapped({ forms: [original, delivery()] });
      await store.accept(msg);
      await store.markDelivered(await claimOne(store, EP_A), 'ok');
      const r = await store.purgePayload(msg.id, 'retention test');
      expect(r.bytes).to.equal(msg.payload.length + original.body.length + CSV.length);
      await expectGatewayError(store.getForm(msg.id, 'original'), 'GW_PAYLOAD_PURGED');
      expect((await store.listForms(msg.id)).map((f) => f.name)).to.have.members(['original', 'xzsa-to-fv-csv']);
    });

    it('proofSnapshot: a message or a whole Vorgang with history, form metadata and case events in one read; unknown ids give nothing', async () => {
      const store = await h.open();
      const vorgangId = `vg-proof-${Date.now()}`;
      const first = mapped({ forms: [original, delivery()], header: { ...newMessage().header, vorgangId } });
      const second = newMessage({ vorgangId });
      await store.accept(first);
      await store.accept(second);
      await store.markDelivered(await claimOne(store, EP_A), 'HTTP 200');
      await store.recordVorgangEvent({ vorgangId, kind: 'reminder', deadline: 'nachreichung', afterMessageId: first.id });
      const one = await store.proofSnapshot({ kind: 'message', id: first.id });
      expect(one.messages.map((e) => e.message.id)).to.deep.equal([first.id]);
      expect(one.vorgangEvents).to.deep.equal([]);
      const [e] = one.messages;
      expect(e!.history.map((t) => t.to)).to.deep.equal(await states(store, first.id));
      expect(e!.history.at(-1)!.to).to.equal(e!.message.state);
      expect(e!.forms).to.deep.equal(await store.listForms(first.id));
      expect(e!.forms.map((f) => f.name)).to.have.members(['original', 'xzsa-to-fv-csv']);
      expect(JSON.stringify(one)).to.not.include(CSV.toString()); // metadata only, never form bytes
      const all = await store.proofSnapshot({ kind: 'vorgang', id: vorgangId });
      expect(all.messages.map((x) => x.message.id)).to.deep.equal([first.id, second.id]);
      for (const x of all.messages) expect(x.history.at(-1)!.to, x.message.id).to.equal(x.message.state);
      expect(all.messages[1]!.forms).to.deep.equal([]);
      expect(all.vorgangEvents.map((v) => [v.kind, v.afterMessageId])).to.deep.equal([['reminder', first.id]]);
      expect(await store.proofSnapshot({ kind: 'message', id: 'no-such-message' })).to.deep.equal({ messages: [], vorgangEvents: [] });
      expect(await store.proofSnapshot({ kind: 'vorgang', id: 'vg-no-such' })).to.deep.equal({ messages: [], vorgangEvents: [] });
    });
  });
}
