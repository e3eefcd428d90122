import { expect } from 'chai';
import request from 'supertest';
import type { Alert } from '../../gateway/monitoring/alerts.js';
import type { AlertEvent } from '../../gateway/monitoring/webhook.js';
import { startTestGateway, testConfig, waitFor } from '../support/gateway.js';
import { HttpPeer } from '../support/http-peer.js';
import { hundAnmeldung } from '../support/xzsa-fixtures.js';

/** Magdeburg (AGS 15003000) delegated Hundehaltung E2E to the ZSA: its Anmeldungen wait in the ZSA's pull mailbox `zsa-hund`. */
const MAGDEBURG = '15003000';
const MAILBOX = 'zsa-hund';
/** Halle (AGS 15002000) keeps it: its Anmeldungen are pushed to its Fachverfahren, here a real HTTP server. */
const HALLE = '15002000';
const PUSHED = 'fv-15002000-hund';

/**
 * Every alert rule kind is driven into firing and back to resolved through the real
 * gateway (real store, outbox worker, mailbox and HTTP connectors), with the evaluation
 * clock in the test's hand (`monitoring.alerts.evaluate(now)`); a real HTTP receiver gets
 * both webhook events of each alert.
 */
describe('alerts: each rule fires and resolves, with both events at the webhook', function () {
  this.timeout(60_000);
  const receiver = new HttpPeer();
  const fv = new HttpPeer();
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  /** The evaluation clock: real time plus what the test moved it forward. */
  let offset = 0;
  const now = () => Date.now() + offset;

  before(async () => {
    await receiver.start();
    await fv.start();
    const cfg = testConfig({
      endpoints: { [PUSHED]: { connector: 'http', config: { url: fv.url } } },
      delivery: { maxAttempts: 20, circuitBreaker: { failureThreshold: 1, cooldownMs: 300 } },
    });
    cfg.monitoring.evaluateIntervalMs = 3_600_000; // only the test's evaluations run, on the test's clock
    cfg.monitoring.webhook = { url: `http://127.0.0.1:${receiver.port}/alerts`, timeoutMs: 2000, maxAttempts: 3 };
    cfg.monitoring.alerts = [
      { id: 'zsa-queue-backlog', kind: 'backlog', severity: 'warning', threshold: 1, endpoint: MAILBOX },
      { id: 'zsa-queue-pickup', kind: 'oldest-undelivered', severity: 'warning', olderThanSeconds: 3600, endpoint: MAILBOX },
      { id: 'dead', kind: 'dead-letters', severity: 'critical', threshold: 0 },
      { id: 'fv-down', kind: 'endpoint-down', severity: 'critical', forSeconds: 60, endpoint: PUSHED },
    ];
    gw = await startTestGateway(cfg);
  });
  after(async () => {
    await gw?.stop();
    await receiver.stop();
    await fv.stop();
  });

  const events = () => receiver.accepted().map((r) => JSON.parse(r.body.toString('utf8')) as AlertEvent);
  const eventsOf = (rule: string, subject: string) => events().filter((e) => e.alert.rule === rule && e.alert.subject === subject);
  async function evaluate(): Promise<Alert[]> {
    const raised = await gw.monitoring.alerts.evaluate(now());
    await gw.monitoring.webhook!.idle();
    return raised;
  }
  async function submit(ags: string): Promise<string> {
    const res = await request(gw.url).post('/api/v1/messages').set('content-type', 'application/xml').send(hundAnmeldung({ ags }));
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    return res.body.gatewayId as string;
  }
  /** Fetches and acknowledges everything in the ZSA mailbox. */
  async function drainMailbox(expected: number): Promise<void> {
    for (let i = 0; i < expected; i++) {
      const f = await waitFor('an item in the mailbox', async () => {
        const r = await request(gw.url).post(`/api/v1/mailboxes/${MAILBOX}/fetch`);
        return r.status === 200 ? r : undefined;
      });
      const ack = await request(gw.url).post(`/api/v1/mailboxes/${MAILBOX}/messages/${f.headers['x-mailbox-item']}/ack`).send({ leaseToken: f.headers['x-lease-token'] });
      expect(ack.status).to.equal(200);
    }
  }
  const inState = (id: string, state: string) =>
    waitFor(`message ${id} ${state}`, async () => ((await gw.services.store.getMessage(id))?.state === state ? true : undefined));

  it('backlog above N: fires with the count, is listed at GET /api/v1/alerts, resolves when the mailbox is emptied (webhook retried once)', async () => {
    receiver.respond = (_req, n) => (n === 1 ? 503 : 200); // the first POST fails: the event must still arrive
    await submit(MAGDEBURG);
    expect((await evaluate()).filter((a) => a.rule === 'zsa-queue-backlog')).to.deep.equal([]); // 1 is not above 1
    await submit(MAGDEBURG);
    const fired = (await evaluate()).filter((a) => a.rule === 'zsa-queue-backlog');
    expect(fired.map((a) => [a.status, a.subject, a.value, a.threshold])).to.deep.equal([['firing', MAILBOX, 2, 1]]);
    expect(receiver.received[0]!.status).to.equal(503);
    expect(eventsOf('zsa-queue-backlog', MAILBOX).map((e) => e.status)).to.deep.equal(['firing']);

    const listed = await request(gw.url).get('/api/v1/alerts');
    expect(listed.status).to.equal(200);
    expect((listed.body.active as Alert[]).map((a) => `${a.rule}/${a.subject}`)).to.include(`zsa-queue-backlog/${MAILBOX}`);

    // still broken: no second firing event, lastSeen moves
    expect((await evaluate()).filter((a) => a.rule === 'zsa-queue-backlog')).to.deep.equal([]);
    await drainMailbox(2);
    const resolved = (await evaluate()).filter((a) => a.rule === 'zsa-queue-backlog');
    expect(resolved.map((a) => a.status)).to.deep.equal(['resolved']);
    expect(eventsOf('zsa-queue-backlog', MAILBOX).map((e) => e.status)).to.deep.equal(['firing', 'resolved']);
    const after = (await request(gw.url).get('/api/v1/alerts')).body as { active: Alert[]; recent: Alert[] };
    expect(after.active.filter((a) => a.rule === 'zsa-queue-backlog')).to.deep.equal([]);
    expect(after.recent.find((a) => a.rule === 'zsa-queue-backlog')).to.include({ status: 'resolved', subject: MAILBOX });
  });

  it('oldest undelivered older than T: fires once the clock passes T, resolves when it is picked up', async () => {
    await submit(MAGDEBURG);
    await waitFor('the message in the mailbox', async () => ((await gw.services.store.backlog()).some((r) => r.endpointId === MAILBOX && r.state === 'in_mailbox') ? true : undefined));
    expect((await evaluate()).filter((a) => a.rule === 'zsa-queue-pickup')).to.deep.equal([]);
    offset += 3601_000;
    const fired = (await evaluate()).filter((a) => a.rule === 'zsa-queue-pickup');
    expect(fired.map((a) => [a.status, a.subject, a.unit])).to.deep.equal([['firing', MAILBOX, 'seconds']]);
    expect(fired[0]!.value).to.be.greaterThan(3600);
    await drainMailbox(1);
    expect((await evaluate()).filter((a) => a.rule === 'zsa-queue-pickup').map((a) => a.status)).to.deep.equal(['resolved']);
    expect(eventsOf('zsa-queue-pickup', MAILBOX).map((e) => e.status)).to.deep.equal(['firing', 'resolved']);
  });

  it('dead letters appeared: fires when a message goes dead, resolves when it is replayed and delivered', async () => {
    fv.respond = () => 400; // a permanent refusal: dead at once
    const id = await submit(HALLE);
    await inState(id, 'dead');
    const fired = (await evaluate()).filter((a) => a.rule === 'dead');
    expect(fired.map((a) => [a.status, a.subject, a.value])).to.deep.equal([['firing', PUSHED, 1]]);
    fv.respond = () => 200;
    expect((await request(gw.url).post(`/api/v1/messages/${id}/replay`)).status).to.equal(200);
    await inState(id, 'delivered');
    expect((await evaluate()).filter((a) => a.rule === 'dead').map((a) => a.status)).to.deep.equal(['resolved']);
    expect(eventsOf('dead', PUSHED).map((e) => e.status)).to.deep.equal(['firing', 'resolved']);
  });

  it('endpoint down longer than T: fires after T of consecutive down evaluations, resolves once it delivers again', async () => {
    fv.respond = () => 503; // retryable: the circuit opens after one failure
    const id = await submit(HALLE);
    await waitFor('the circuit to open', () => (gw.services.endpoints.get(PUSHED)!.status().breaker !== 'closed' ? true : undefined));
    expect((await evaluate()).filter((a) => a.rule === 'fv-down')).to.deep.equal([]); // seen down now, not yet for 60 s
    offset += 30_000;
    expect((await evaluate()).filter((a) => a.rule === 'fv-down')).to.deep.equal([]);
    offset += 31_000;
    const fired = (await evaluate()).filter((a) => a.rule === 'fv-down');
    expect(fired.map((a) => [a.status, a.subject])).to.deep.equal([['firing', PUSHED]]);
    expect(fired[0]!.value).to.be.at.least(60);
    fv.respond = () => 200;
    await inState(id, 'delivered');
    await waitFor('the circuit to close', () => (gw.services.endpoints.get(PUSHED)!.status().breaker === 'closed' ? true : undefined));
    expect((await evaluate()).filter((a) => a.rule === 'fv-down').map((a) => a.status)).to.deep.equal(['resolved']);
    expect(eventsOf('fv-down', PUSHED).map((e) => e.status)).to.deep.equal(['firing', 'resolved']);
    // the event carries ids and numbers only
    const e = eventsOf('fv-down', PUSHED)[0]!;
    expect(Object.keys(e).sort()).to.deep.equal(['alert', 'instance', 'sentAt', 'source', 'status', 'version']);
    expect(e.alert.summary).to.equal(`endpoint ${PUSHED} has been down for ${e.alert.value} s (limit 60 s)`);
  });
});
