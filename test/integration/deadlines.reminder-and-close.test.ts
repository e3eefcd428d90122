import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DeadlineWatcher } from '../../gateway/deadlines/watcher.js';
import { withListedEvidence } from '../support/evidence.js';
import { quietLog, startTestGateway, testConfig, waitFor } from '../support/gateway.js';
import { wohngeldAntrag, wohngeldNachforderung, wohngeldNachreichung } from '../support/xzsa-fixtures.js';

const DAY = 86_400_000;

/**
 * Deadlines (ADR 0023) on the demo configuration: Wohngeld `nachreichung` — a Nachforderung
 * unanswered 14 days raises a reminder, after 28 days the case is closed as incomplete and the
 * municipality's Fachverfahren is told by a gateway.fehler.0902 through the outbox. The
 * watcher is driven with a fake `now` (no waiting). Magdeburg delegates the completeness
 * check: the ZSA's Nachforderung goes to the Fachverfahren, whose mailbox acknowledges it.
 */
describe('deadlines: an unanswered Nachforderung is reminded, then the case is closed and the municipality told', function () {
  this.timeout(60_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  before(async () => {
    gw = await startTestGateway(testConfig());
  });
  after(() => gw?.stop());

  const post = (xml: string) => withListedEvidence(gw.url, xml); // a Nachreichung comes with the files it lists
  const uuidOf = (xml: string): string => /<xzsab:nachrichtenUUID>([^<]+)</.exec(xml)![1]!;
  const vorgang = async (id: string) => {
    const res = await request(gw.url).get(`/api/v1/vorgaenge/${id}`);
    expect(res.status, res.text).to.equal(200);
    return res.body as { status: string; events: Array<{ kind: string; deadline: string; noticeMessageId: string | null }>; messages: Array<{ id: string; messageType: string }> };
  };

  /** Opens a case and has the ZSA's Nachforderung delivered (fetched and acknowledged from the Fachverfahren's mailbox). */
  async function caseAwaitingNachreichung(): Promise<{ vorgangId: string; nachforderungUuid: string; deliveredAt: number }> {
    const vorgangId = randomUUID();
    const antrag = wohngeldAntrag({ vorgangId });
    expect((await post(antrag)).status).to.equal(202);
    const nachforderung = wohngeldNachforderung({ vorgangId, antragUuid: uuidOf(antrag), author: 'zsa:lsa', reader: 'fv:15003000-wohngeld' });
    const res = await post(nachforderung);
    expect(res.status, res.text).to.equal(202);
    const deliveredAt = await deliver(res.body.gatewayId as string, 'fv-15003000-wohngeld');
    return { vorgangId, nachforderungUuid: uuidOf(nachforderung), deliveredAt };
  }

  /** Waits for the message in `mailbox`, fetches and acknowledges it; returns when it became `delivered` (epoch ms). */
  async function deliver(id: string, mailbox: string): Promise<number> {
    const store = gw.services.store;
    await waitFor(`${id} in ${mailbox}`, async () => ((await store.getMessage(id))?.state === 'in_mailbox' ? true : undefined));
    const item = (await store.mailboxList(mailbox, 500)).find((i) => i.messageId === id)!;
    const lease = await store.mailboxFetch(mailbox, 60_000, item.id);
    await store.mailboxAck(mailbox, item.id, lease!.leaseToken, 'test receiver');
    return Date.parse((await store.history(id)).find((t) => t.to === 'delivered')!.at);
  }

  const forCase = <T extends { vorgangId: string }>(outcomes: T[], vorgangId: string): T[] => outcomes.filter((o) => o.vorgangId === vorgangId);

  it('raises the reminder once after remindAfter, closes after closeAfter, tells the Fachverfahren, and refuses the late Nachreichung', async () => {
    const c = await caseAwaitingNachreichung();
    expect(forCase(await gw.deadlines.tick(new Date(c.deliveredAt + 13 * DAY)), c.vorgangId)).to.deep.equal([]);
    expect((await vorgang(c.vorgangId)).events).to.deep.equal([]);

    const reminded = forCase(await gw.deadlines.tick(new Date(c.deliveredAt + 15 * DAY)), c.vorgangId);
    expect(reminded).to.deep.equal([{ vorgangId: c.vorgangId, deadline: 'nachreichung', kind: 'reminder', recorded: true }]);
    expect(forCase(await gw.deadlines.tick(new Date(c.deliveredAt + 16 * DAY)), c.vorgangId)).to.deep.equal([]);
    let v = await vorgang(c.vorgangId);
    expect(v.status).to.equal('open');
    expect(v.events.map((e) => [e.kind, e.deadline])).to.deep.equal([['reminder', 'nachreichung']]);

    const closed = forCase(await gw.deadlines.tick(new Date(c.deliveredAt + 29 * DAY)), c.vorgangId);
    expect(closed).to.have.length(1);
    expect(closed[0]).to.include({ kind: 'closed', recorded: true });
    const noticeId = closed[0]!.noticeId!;
    v = await vorgang(c.vorgangId);
    expect(v.status).to.equal('closed-incomplete');
    expect(v.events.map((e) => [e.kind, e.noticeMessageId])).to.deep.equal([['reminder', null], ['closed', noticeId]]);

    const notice = await waitFor('the notice in the Fachverfahren mailbox', async () => {
      const m = await gw.services.store.getMessage(noticeId);
      return m?.state === 'in_mailbox' ? m : undefined;
    });
    expect(notice).to.include({ messageType: 'gateway.fehler.0902', author: 'gw:zsa-gateway', reader: 'fv:15003000-wohngeld', endpointId: 'fv-15003000-wohngeld', vorgangId: c.vorgangId });
    const payload = (await gw.services.store.getPayload(noticeId))!.toString('utf8');
    expect(payload).to.include('<xzsa:problemcode>GW_VORGANG_CLOSED</xzsa:problemcode>');
    expect(payload).to.include(`<xzsa:bezugNachrichtenUUID>${c.nachforderungUuid}</xzsa:bezugNachrichtenUUID>`);
    expect(payload).to.not.include('Probemann');

    expect(forCase(await gw.deadlines.tick(new Date(c.deliveredAt + 40 * DAY)), c.vorgangId)).to.deep.equal([]);

    const late = wohngeldNachreichung({ vorgangId: c.vorgangId, nachforderungUuid: c.nachforderungUuid });
    const res = await post(late);
    expect(res.status, res.text).to.equal(409);
    expect(res.body.code).to.equal('GW_VORGANG_CLOSED');
    expect((await gw.services.store.listRejections(20)).find((r) => r.messageUuid === uuidOf(late))?.code).to.equal('GW_VORGANG_CLOSED');
    const zsa = await post(wohngeldNachforderung({ vorgangId: c.vorgangId, author: 'zsa:lsa', reader: 'fv:15003000-wohngeld' }));
    expect(zsa.status, zsa.text).to.equal(409);
  });

  it('still takes the municipality\'s own follow-up on a closed case', async () => {
    const c = await caseAwaitingNachreichung();
    await gw.deadlines.tick(new Date(c.deliveredAt + 29 * DAY));
    expect((await vorgang(c.vorgangId)).status).to.equal('closed-incomplete');
    const res = await post(wohngeldNachforderung({ vorgangId: c.vorgangId, author: 'fv:15003000-wohngeld', reader: 'efa:wohngeld-lsa' }));
    expect(res.status, res.text).to.equal(202);
    await deliver(res.body.gatewayId as string, 'efa-wohngeld-lsa');
    // the case stays closed: the municipality's message starts no new deadline
    expect(forCase(await gw.deadlines.tick(new Date(Date.now() + 60 * DAY)), c.vorgangId)).to.deep.equal([]);
    expect((await vorgang(c.vorgangId)).events.map((e) => e.kind)).to.deep.equal(['closed']);
  });

  it('leaves a case alone whose Nachreichung came in time', async () => {
    const c = await caseAwaitingNachreichung();
    expect((await post(wohngeldNachreichung({ vorgangId: c.vorgangId, nachforderungUuid: c.nachforderungUuid }))).status).to.equal(202);
    expect(forCase(await gw.deadlines.tick(new Date(c.deliveredAt + 60 * DAY)), c.vorgangId)).to.deep.equal([]);
    const v = await vorgang(c.vorgangId);
    expect(v.status).to.equal('open');
    expect(v.events).to.deep.equal([]);
  });

  it('closes once and writes one notice when two instances run the same pass', async () => {
    const c = await caseAwaitingNachreichung();
    const s = gw.services;
    const other = new DeadlineWatcher({ cfg: s.cfg, store: s.store, router: s.router, validator: s.validator, log: quietLog(), onAccepted: () => s.worker.wake() });
    const at = new Date(c.deliveredAt + 29 * DAY);
    const [a, b] = await Promise.all([gw.deadlines.tick(at), other.tick(at)]);
    const both = [...forCase(a, c.vorgangId), ...forCase(b, c.vorgangId)];
    expect(both.map((o) => o.kind)).to.deep.equal(['closed', 'closed']);
    expect(both.filter((o) => o.recorded)).to.have.length(1);
    expect(new Set(both.map((o) => o.noticeId)).size).to.equal(1);
    const v = await vorgang(c.vorgangId);
    expect(v.events.filter((e) => e.kind === 'closed')).to.have.length(1);
    expect(v.messages.filter((m) => m.messageType === 'gateway.fehler.0902')).to.have.length(1);
  });
});
