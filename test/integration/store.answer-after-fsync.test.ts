import { rmSync } from 'node:fs';
import { expect } from 'chai';
import { answerChecker } from '../../gateway/api/contract.js';
import { checkAnswers } from '../../gateway/api/contract-types.js';
import { startGateway, type GatewayHandle } from '../../gateway/server.js';
import { DurabilityTrace } from '../../gateway/store/durability-trace.js';
import { quietLog, testConfig, waitFor } from '../support/gateway.js';
import { hundAnmeldung } from '../support/xzsa-fixtures.js';

/** Halle keeps Hundehaltung itself in the demo: its Anmeldungen go through the outbox to its Fachverfahren's pull mailbox. */
const HALLE = '15002000';
const ENDPOINT = 'fv-15002000-hund';
const LANES = 16;
const PER_LANE = 12;

/**
 * A 202 means fsync'd (issue 11). A crash test cannot show it (SIGKILL keeps the page
 * cache), so this traces it: the store worker takes a tick of a clock shared with the main
 * thread right after each batch's COMMIT returned (with synchronous=FULL, the WAL is fsync'd
 * by then), the HTTP layer takes one as it writes each answer. Under concurrent load over
 * real HTTP, every 202's message must be in a batch whose COMMIT tick is below its answer's
 * tick. Skipping the sync (synchronous below FULL), answering before the commit or on a
 * commit that did not hold the message fails it. Then: nothing lost or reordered through
 * the batches and the outbox (each lane sends its next message only after the 202 of the
 * previous one, so the store must hold them in that order, and all reach the mailbox).
 */
describe('store: every 202 follows the fsync of its batch; nothing lost or reordered by the batching', function () {
  this.timeout(180_000);
  const trace = new DurabilityTrace();
  let gw: GatewayHandle;
  let dataDir = '';
  const lanes: string[][] = Array.from({ length: LANES }, () => []);

  before(async () => {
    const contract = answerChecker();
    checkAnswers((op, status, body) => {
      contract(op, status, body);
      if (op === 'submitMessage') trace.answer((body as { gatewayId: string }).gatewayId, status);
    });
    const cfg = testConfig();
    dataDir = cfg.store.dataDir;
    gw = await startGateway(cfg, { log: quietLog(), port: 0, host: '127.0.0.1', durabilityTrace: trace });
    await Promise.all(
      lanes.map(async (ids) => {
        for (let i = 0; i < PER_LANE; i++) {
          const res = await fetch(`${gw.url}/api/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: hundAnmeldung({ ags: HALLE }) });
          const body = (await res.json()) as { gatewayId?: string };
          expect(res.status, JSON.stringify(body)).to.equal(202);
          ids.push(body.gatewayId!);
        }
      }),
    );
  });
  after(async () => {
    checkAnswers(answerChecker());
    await gw?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answered every 202 after the COMMIT (synchronous=FULL) of the batch that held its message', () => {
    const answered = trace.answers.filter((a) => a.status === 202);
    expect(answered).to.have.length(LANES * PER_LANE);
    const committedAt = new Map<string, { tick: number; synchronous: number }>();
    for (const c of trace.commits) for (const id of c.messageIds) committedAt.set(id, { tick: c.tick, synchronous: c.synchronous });
    const late = answered.filter((a) => {
      const c = committedAt.get(a.messageId);
      return c === undefined || c.synchronous !== 2 || c.tick >= a.tick;
    });
    expect(late, 'answers without an fsync-ed commit before them').to.deep.equal([]);
    // the load really was concurrent: batches held several messages
    expect(Math.max(...trace.commits.map((c) => c.messageIds.length)), 'largest batch').to.be.greaterThan(1);
  });

  it('stored each lane in the order it was answered and delivered every message to the mailbox once', async () => {
    const store = gw.services.store;
    for (const ids of lanes) {
      const seqs = await Promise.all(ids.map(async (id) => (await store.getMessage(id))!.seq));
      expect(seqs).to.deep.equal([...seqs].sort((a, b) => a - b));
    }
    const all = lanes.flat();
    expect(new Set(all).size).to.equal(all.length);
    await waitFor('every message in the mailbox', async () => ((await store.backlog()).find((r) => r.endpointId === ENDPOINT && r.state === 'in_mailbox')?.count === all.length ? true : undefined), 60_000);
    const listed = await store.mailboxList(ENDPOINT, 1000);
    expect(listed.map((i) => i.messageId).sort()).to.deep.equal([...all].sort());
  });
});
