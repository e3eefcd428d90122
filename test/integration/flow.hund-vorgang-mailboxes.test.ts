import { expect } from 'chai';
import request from 'supertest';
import { startTestGateway, testConfig, waitFor } from '../support/gateway.js';
import { hundAnmeldung, hundFreigabe, hundSteuerfestsetzung } from '../support/xzsa-fixtures.js';

/**
 * The Hund pilot in the embedded default (every endpoint a pull mailbox): the citizen's
 * application reaches the ZSA queue of a delegating municipality, the ZSA's draft reaches
 * the municipality, the municipality's release goes back to the citizen's side, and the
 * Vorgang timeline shows every hop.
 */
describe('flow: Hund application through ZSA and municipality, over pull mailboxes', function () {
  this.timeout(60_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  before(async () => {
    const cfg = testConfig();
    cfg.mailbox.leaseMs = 1000;
    gw = await startTestGateway(cfg);
  });
  after(() => gw?.stop());

  const post = async (xml: string) => {
    const res = await request(gw.url).post('/api/v1/messages').set('content-type', 'application/xml').send(xml);
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    return res.body.gatewayId as string;
  };
  const state = async (id: string) => (await gw.services.store.getMessage(id))?.state;
  const waitState = (id: string, s: string) => waitFor(`${id} ${s}`, async () => ((await state(id)) === s ? true : undefined));

  /** What a receiver does: list, fetch (lease), acknowledge. Returns the XML it got. */
  async function pickUp(mailbox: string, gatewayId: string): Promise<string> {
    const list = await waitFor(`${gatewayId} listed in ${mailbox}`, async () => {
      const r = await request(gw.url).get(`/api/v1/mailboxes/${mailbox}/messages`);
      return r.body.items.some((i: { messageId: string }) => i.messageId === gatewayId) ? r.body.items : undefined;
    });
    const item = list.find((i: { messageId: string }) => i.messageId === gatewayId);
    const fetched = await request(gw.url).post(`/api/v1/mailboxes/${mailbox}/fetch?item=${item.id}`).buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks).toString('utf8')));
    });
    expect(fetched.status).to.equal(200);
    expect(fetched.headers['x-gateway-id']).to.equal(gatewayId);
    expect(await state(gatewayId)).to.equal('in_mailbox'); // fetched is not delivered
    const ack = await request(gw.url).post(`/api/v1/mailboxes/${mailbox}/messages/${item.id}/ack`).send({ leaseToken: fetched.headers['x-lease-token'] });
    expect(ack.status, JSON.stringify(ack.body)).to.equal(200);
    expect(await state(gatewayId)).to.equal('delivered');
    return fetched.body as string;
  }

  it('carries the Vorgang across three hops and shows the whole timeline', async () => {
    const anmeldung = hundAnmeldung({ ags: '15003000' });
    const vorgangId = /<xzsab:vorgangsID>([^<]+)</.exec(anmeldung)![1]!;
    const anmeldungUuid = /<xzsab:nachrichtenUUID>([^<]+)</.exec(anmeldung)![1]!;
    const a = await post(anmeldung);
    await waitState(a, 'in_mailbox');
    expect(await pickUp('zsa-hund', a)).to.equal(anmeldung);

    const draft = hundSteuerfestsetzung({ ags: '15003000', vorgangId, anmeldungUuid, author: 'zsa:lsa', reader: 'ags:15003000' });
    const d = await post(draft);
    await waitState(d, 'in_mailbox');
    expect(await pickUp('fv-15003000-hund', d)).to.equal(draft);

    const draftUuid = /<xzsab:nachrichtenUUID>([^<]+)</.exec(draft)![1]!;
    const release = hundFreigabe({ ags: '15003000', vorgangId, author: 'ags:15003000', reader: 'efa:hund-lsa', entwurfUuid: draftUuid });
    const f = await post(release);
    await waitState(f, 'in_mailbox');
    expect(await pickUp('efa-hund-lsa', f)).to.equal(release);

    const v = await request(gw.url).get(`/api/v1/vorgaenge/${vorgangId}`);
    expect(v.status).to.equal(200);
    expect(v.body.messages.map((m: { messageType: string }) => m.messageType)).to.deep.equal(['hund.anmeldung.0101', 'hund.steuerfestsetzung.0102', 'hund.freigabe.0103']);
    expect(v.body.messages.map((m: { endpointId: string }) => m.endpointId)).to.deep.equal(['zsa-hund', 'fv-15003000-hund', 'efa-hund-lsa']);
    const delivered = v.body.timeline.filter((t: { to: string }) => t.to === 'delivered');
    expect(delivered).to.have.length(3);
    const times = v.body.timeline.map((t: { at: string }) => t.at);
    expect([...times].sort()).to.deep.equal(times);
  });

  it('shows a fetched but unacknowledged message again after the lease, and refuses a stale lease token', async () => {
    const id = await post(hundAnmeldung({ ags: '15003000' }));
    await waitState(id, 'in_mailbox');
    const first = await request(gw.url).post('/api/v1/mailboxes/zsa-hund/fetch');
    expect(first.status).to.equal(200);
    const item = first.headers['x-mailbox-item'];
    const listed = await request(gw.url).get('/api/v1/mailboxes/zsa-hund/messages');
    expect(listed.body.items.map((i: { id: number }) => String(i.id))).to.not.include(item);

    const again = await waitFor('lease to run out', async () => {
      const r = await request(gw.url).post(`/api/v1/mailboxes/zsa-hund/fetch?item=${item}`);
      return r.status === 200 ? r : undefined;
    }, 15_000, 200);
    expect(again.headers['x-lease-token']).to.not.equal(first.headers['x-lease-token']);
    const stale = await request(gw.url).post(`/api/v1/mailboxes/zsa-hund/messages/${item}/ack`).send({ leaseToken: first.headers['x-lease-token'] });
    expect(stale.status).to.equal(409);
    expect(stale.body.code).to.equal('GW_LEASE_INVALID');
    expect(await state(id)).to.equal('in_mailbox');
    const ok = await request(gw.url).post(`/api/v1/mailboxes/zsa-hund/messages/${item}/ack`).send({ leaseToken: again.headers['x-lease-token'] });
    expect(ok.status).to.equal(200);
    expect(await state(id)).to.equal('delivered');
  });
});
