import { expect } from 'chai';
import request from 'supertest';
import { startTestGateway, testConfig } from '../support/gateway.js';
import { hundAnmeldung } from '../support/xzsa-fixtures.js';

const MAILBOX = 'fv-15002000-hund'; // Halle keeps Hund: the application goes to its Fachverfahren's mailbox

/** `POST /api/v1/mailboxes/{mailbox}/fetch?wait=N`: the long poll the pull agent uses (ADR 0039). */
describe('mailbox fetch with ?wait: long poll, bounded and cancel-safe', function () {
  this.timeout(120_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  before(async () => {
    gw = await startTestGateway(testConfig());
  });
  after(() => gw?.stop());

  const submit = async () => {
    const res = await request(gw.url).post('/api/v1/messages').set('content-type', 'application/xml').send(hundAnmeldung({ ags: '15002000' }));
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    return res.body.gatewayId as string;
  };
  const fetchNow = (wait?: number, signal?: AbortSignal) =>
    fetch(`${gw.url}/api/v1/mailboxes/${MAILBOX}/fetch${wait === undefined ? '' : `?wait=${wait}`}`, { method: 'POST', ...(signal && { signal }) });

  it('refuses a wait outside 0–30 seconds, naming the parameter', async () => {
    for (const bad of ['31', '-1', '1.5', 'soon']) {
      const res = await request(gw.url).post(`/api/v1/mailboxes/${MAILBOX}/fetch?wait=${bad}`);
      expect(res.status, bad).to.equal(400);
      expect(res.body.code).to.equal('GW_BAD_REQUEST');
      expect(JSON.stringify(res.body.errors)).to.contain('query.wait');
    }
  });

  it('answers a waiting fetch with a message that arrives during the wait', async () => {
    expect((await fetchNow(0)).status).to.equal(204); // empty now
    const waiting = fetchNow(30);
    expect((await fetchNow(0)).status).to.equal(204); // answered after the waiting request reached the gateway
    const gatewayId = await submit();
    const res = await waiting;
    expect(res.status).to.equal(200);
    expect(res.headers.get('x-gateway-id')).to.equal(gatewayId);
    const ack = await request(gw.url).post(`/api/v1/mailboxes/${MAILBOX}/messages/${res.headers.get('x-mailbox-item')}/ack`).send({ leaseToken: res.headers.get('x-lease-token') });
    expect(ack.status).to.equal(200);
  });

  it('leases nothing to a caller that hung up while waiting', async () => {
    const hangUp = new AbortController();
    const waiting = fetchNow(30, hangUp.signal).catch((err: unknown) => err);
    // the request is at the gateway once a plain fetch after it has been answered (one connection each, served in order of arrival)
    expect((await fetchNow(0)).status).to.equal(204);
    hangUp.abort();
    expect(await waiting).to.be.instanceOf(Error);
    const gatewayId = await submit();
    const res = await fetchNow(10); // the mailbox placement follows the 202 a little later
    expect(res.status, 'the message went to the caller that hung up').to.equal(200);
    expect(res.headers.get('x-gateway-id')).to.equal(gatewayId);
  });
});
