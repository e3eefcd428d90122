import { expect } from 'chai';
import request from 'supertest';
import { startTestGateway, testConfig, waitFor } from '../support/gateway.js';
import { hundAnmeldung } from '../support/xzsa-fixtures.js';
import { parseMetrics, valueOf, sumOf } from '../support/prometheus-text.js';

/** Halle (AGS 15002000, Sachsen-Anhalt) keeps Hundehaltung itself in the demo: its Anmeldungen go to the pull mailbox of its Fachverfahren. */
const HALLE = '15002000';
const ENDPOINT = 'fv-15002000-hund';

/**
 * A known burst through the real gateway (HTTP ingress, pipeline, outbox worker, mailbox
 * connector, mailbox acks), then one scrape of GET /metrics: every counter must equal what
 * the burst did — no more, no less.
 */
describe('metrics: the counters of a scrape add up to a known burst', function () {
  this.timeout(60_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  before(async () => {
    gw = await startTestGateway(testConfig());
  });
  after(() => gw?.stop());

  it('counts N accepted, M rejected, D duplicates and K delivered exactly, with backlog N-K', async () => {
    const N = 6;
    const M = 4;
    const K = 3;
    const sent: string[] = [];
    for (let i = 0; i < N; i++) {
      const xml = hundAnmeldung({ ags: HALLE });
      const res = await request(gw.url).post('/api/v1/messages').set('content-type', 'application/xml').send(xml);
      expect(res.status, JSON.stringify(res.body)).to.equal(202);
      sent.push(xml);
    }
    // two repeats of stored messages: answered with the first receipt, not stored again
    for (const xml of sent.slice(0, 2)) expect((await request(gw.url).post('/api/v1/messages').set('content-type', 'application/xml').send(xml)).status).to.equal(200);
    const D = 2;
    // refusals of different kinds: not well-formed, unknown root, XSD-invalid (a required element missing), wrong AGS for the Land
    const bad = ['<nicht-wohlgeformt', '<foo xmlns="urn:example"/>', hundAnmeldung({ ags: HALLE }).replace(/<xzsa:rasse>[^<]*<\/xzsa:rasse>/, ''), hundAnmeldung({ ags: '0900000' })];
    expect(bad).to.have.length(M);
    const codes: string[] = [];
    for (const xml of bad) {
      const res = await request(gw.url).post('/api/v1/messages').set('content-type', 'application/xml').send(xml);
      expect(res.status, JSON.stringify(res.body)).to.be.within(400, 499);
      codes.push(res.body.code as string);
    }

    // K acknowledgements through the pull mailbox (fetch with lease, ack with the token)
    for (let i = 0; i < K; i++) {
      const fetched = await waitFor('a message in the mailbox', async () => {
        const r = await request(gw.url).post(`/api/v1/mailboxes/${ENDPOINT}/fetch`);
        return r.status === 200 ? r : undefined;
      });
      const ack = await request(gw.url).post(`/api/v1/mailboxes/${ENDPOINT}/messages/${fetched.headers['x-mailbox-item']}/ack`).send({ leaseToken: fetched.headers['x-lease-token'] });
      expect(ack.status, JSON.stringify(ack.body)).to.equal(200);
      // a repeated ack is a no-op and must not count twice
      expect((await request(gw.url).post(`/api/v1/mailboxes/${ENDPOINT}/messages/${fetched.headers['x-mailbox-item']}/ack`).send({ leaseToken: fetched.headers['x-lease-token'] })).status).to.equal(200);
    }
    // the rest reach the mailbox too (in_mailbox), so the state gauge is settled before the scrape
    await waitFor('the rest in the mailbox', async () => ((await gw.services.store.backlog()).find((r) => r.state === 'in_mailbox')?.count === N - K ? true : undefined));

    const res = await request(gw.url).get('/metrics');
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.match(/^text\/plain; version=0\.0\.4/);
    const m = parseMetrics(res.text);
    const route = (await gw.services.store.listMessages({ endpointId: ENDPOINT, limit: 1 }))[0]!.routeName;
    const labels = { route, service: 'hund', endpoint: ENDPOINT };

    expect(valueOf(m, 'zsa_gateway_messages_received_total', {})).to.equal(N + D + M);
    expect(valueOf(m, 'zsa_gateway_messages_accepted_total', labels)).to.equal(N);
    expect(sumOf(m, 'zsa_gateway_messages_accepted_total')).to.equal(N);
    expect(valueOf(m, 'zsa_gateway_messages_duplicate_total', labels)).to.equal(D);
    expect(sumOf(m, 'zsa_gateway_messages_rejected_total')).to.equal(M);
    for (const code of new Set(codes)) expect(valueOf(m, 'zsa_gateway_messages_rejected_total', { code }), code).to.equal(codes.filter((c) => c === code).length);
    // the rejection log of the store saw the same refusals
    expect(await gw.services.store.listRejections(100)).to.have.length(M);
    expect(valueOf(m, 'zsa_gateway_messages_delivered_total', labels)).to.equal(K);
    expect(sumOf(m, 'zsa_gateway_messages_dead_total')).to.equal(0);
    expect(valueOf(m, 'zsa_gateway_delivery_latency_seconds_count', labels)).to.equal(K);
    expect(valueOf(m, 'zsa_gateway_ingress_duration_seconds_count', { outcome: 'created' })).to.equal(N);
    expect(valueOf(m, 'zsa_gateway_ingress_duration_seconds_count', { outcome: 'duplicate' })).to.equal(D);
    expect(valueOf(m, 'zsa_gateway_ingress_duration_seconds_count', { outcome: 'rejected' })).to.equal(M);

    // gauges read on scrape: the N-K not yet acknowledged wait in the mailbox
    expect(valueOf(m, 'zsa_gateway_outbox_backlog_messages', { endpoint: ENDPOINT })).to.equal(N - K);
    expect(valueOf(m, 'zsa_gateway_messages', { endpoint: ENDPOINT, state: 'in_mailbox' })).to.equal(N - K);
    expect(valueOf(m, 'zsa_gateway_outbox_oldest_undelivered_age_seconds', { endpoint: ENDPOINT })).to.be.greaterThan(0);
    expect(valueOf(m, 'zsa_gateway_outbox_backlog_messages', { endpoint: 'zsa-hund' })).to.equal(0);
    expect(valueOf(m, 'zsa_gateway_endpoint_up', { endpoint: ENDPOINT, connector: 'mailbox' })).to.equal(1);
    expect(valueOf(m, 'zsa_gateway_endpoint_circuit_state', { endpoint: ENDPOINT, state: 'closed' })).to.equal(1);
    expect(valueOf(m, 'zsa_gateway_endpoint_circuit_state', { endpoint: ENDPOINT, state: 'open' })).to.equal(0);
    expect(valueOf(m, 'zsa_gateway_endpoint_last_success_timestamp_seconds', { endpoint: ENDPOINT })).to.be.greaterThan(1_700_000_000);
    expect(valueOf(m, 'zsa_gateway_store_commit_duration_seconds_count', {})).to.be.greaterThan(0);
    // prom-client's default metrics: event-loop lag and process figures under their standard names
    expect(m.has('nodejs_eventloop_lag_seconds')).to.equal(true);
    expect(m.has('process_cpu_user_seconds_total')).to.equal(true);
    // no message ids, UUIDs or Vorgang ids in any label, and no AGS label (ADR 0029: bounded cardinality)
    const ids = (await gw.services.store.listMessages({ limit: 100 })).flatMap((x) => [x.id, x.messageUuid, x.vorgangId]);
    for (const id of ids) expect(res.text).to.not.include(id);
    expect(res.text).to.not.match(/[{,]ags="/);
  });
});
