import { expect } from 'chai';
import type { Alert } from '../../gateway/monitoring/alerts.js';
import { AlertWebhook, type AlertEvent } from '../../gateway/monitoring/webhook.js';
import { HttpPeer } from '../support/http-peer.js';

function alert(status: Alert['status'], subject: string): Alert {
  return { rule: 'dead', kind: 'dead-letters', severity: 'critical', subject, status, since: '2026-12-02T07:00:00.000Z', lastSeen: '2026-12-02T07:00:00.000Z', value: 1, threshold: 0, unit: 'messages', summary: `1 dead messages at endpoint ${subject} (limit 0)` };
}

/** The webhook against a real HTTP receiver: order kept across retries, a give-up after maxAttempts logged, the bearer token from the environment. */
describe('alerts: the webhook retries, gives up, keeps the order and sends the token from the environment', function () {
  this.timeout(30_000);
  const receiver = new HttpPeer();
  before(() => receiver.start());
  after(() => receiver.stop());
  beforeEach(() => (receiver.received.length = 0));

  it('sends firing before resolved even when the first POST fails, then gives up on a receiver that keeps failing and goes on', async () => {
    const logged: Array<Record<string, unknown>> = [];
    const log = { warn: (o: object) => logged.push(o as Record<string, unknown>), error: (o: object) => logged.push(o as Record<string, unknown>) };
    const hook = new AlertWebhook({ url: `http://127.0.0.1:${receiver.port}/alerts`, timeoutMs: 2000, maxAttempts: 3, bearerTokenEnv: 'ZSA_TEST_ALERT_TOKEN' }, () => 'test-instance', log as never, { retryBaseMs: 10, env: { ZSA_TEST_ALERT_TOKEN: 'tok-123' } });

    receiver.respond = (_req, n) => (n === 1 ? 502 : 200);
    hook.raise(alert('firing', 'fv-a'));
    hook.raise(alert('resolved', 'fv-a'));
    await hook.idle();
    expect(receiver.received.map((r) => r.status)).to.deep.equal([502, 200, 200]);
    const sent = receiver.accepted().map((r) => JSON.parse(r.body.toString('utf8')) as AlertEvent);
    expect(sent.map((e) => `${e.status}/${e.alert.subject}`)).to.deep.equal(['firing/fv-a', 'resolved/fv-a']);
    expect(receiver.received.every((r) => r.headers['authorization'] === 'Bearer tok-123' && r.headers['content-type'] === 'application/json')).to.equal(true);
    expect(sent[0]).to.include({ version: 1, source: 'zsa-gateway', instance: 'test-instance' });

    receiver.received.length = 0;
    receiver.respond = () => 500;
    hook.raise(alert('firing', 'fv-b'));
    await hook.idle();
    expect(receiver.received.map((r) => r.status)).to.deep.equal([500, 500, 500]);
    expect(logged.at(-1)).to.deep.include({ alert: 'dead', subject: 'fv-b', status: 'firing', reason: 'HTTP 500', attempts: 3 });

    receiver.respond = () => 200;
    hook.raise(alert('resolved', 'fv-b'));
    await hook.idle();
    expect(receiver.received.at(-1)!.status).to.equal(200);
    await hook.close();
    hook.raise(alert('firing', 'fv-c')); // after close: dropped, no request
    await hook.idle();
    expect(receiver.received).to.have.length(4);
  });
});
