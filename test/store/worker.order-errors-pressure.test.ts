import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { createStore } from '../../gateway/store/index.js';
import type { MessageStore } from '../../gateway/store/types.js';
import { EP_A, claim, expectGatewayError, newMessage } from './suite/fixtures.js';

/**
 * The worker-backed store (ADR 0034) through its main-thread proxy: calls issued at once
 * keep their order through the batches, nothing is lost, errors and values cross the thread
 * boundary as the in-process store gives them, and pressure() counts outstanding writes.
 */
describe('store worker: order, values and pressure across the thread boundary', function () {
  this.timeout(60_000);
  let dir: string;
  let store: MessageStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'zsa-store-worker-'));
    store = await createStore({ kind: 'sqlite', path: join(dir, 'gateway.db') });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the call order of writes issued at once (several batches, three authors interleaved) in the messages and the outbox, and loses none', async () => {
    const authors = ['efa:hund-portal', 'efa:wohngeld-portal', 'zsa:hund'];
    const msgs = Array.from({ length: 600 }, (_, i) => newMessage({ author: authors[i % authors.length]!, endpointId: EP_A }));
    const pending = msgs.map((m) => store.accept(m));
    const during = store.pressure();
    expect(during.pendingWrites, 'every accept is an outstanding write until its batch commits').to.equal(msgs.length);
    const results = await Promise.all(pending);
    expect(results.map((r) => r.kind)).to.deep.equal(msgs.map(() => 'created'));
    expect(store.pressure().pendingWrites).to.equal(0);
    expect(store.pressure().oldestPendingMs).to.equal(0);
    expect(store.pressure().lastCommitMs).to.be.greaterThan(0);

    const seqs = await Promise.all(msgs.map(async (m) => (await store.getMessage(m.id))!.seq));
    for (const author of authors) {
      const own = seqs.filter((_, i) => msgs[i]!.header.author === author);
      expect(own, `message order of ${author}`).to.deep.equal([...own].sort((a, b) => a - b));
    }
    expect(seqs, 'stored in call order').to.deep.equal([...seqs].sort((a, b) => a - b));

    const items = await claim(store, { [EP_A]: 10_000 });
    expect(items.map((i) => i.messageId), 'outbox: every message once, in call order').to.deep.equal(msgs.map((m) => m.id));
    // the marks go through the same batches: all settle, none lost
    await Promise.all(items.map((i) => store.markDelivered(i, 'test peer')));
    expect((await store.countByState())['delivered']).to.equal(msgs.length);
    expect(await store.outboxDepth()).to.deep.equal({});
  });

  it('hands back Buffers, Dates and GatewayErrors with their code, as the in-process store does', async () => {
    const m = newMessage({ payload: Buffer.from([0, 1, 2, 255]) });
    await store.accept(m);
    const payload = await store.getPayload(m.id);
    expect(Buffer.isBuffer(payload), 'a Buffer, not a bare Uint8Array').to.equal(true);
    expect([...payload!]).to.deep.equal([0, 1, 2, 255]);
    expect(await store.nextDueAt()).to.be.instanceOf(Date);
    const [item] = await claim(store, { [EP_A]: 1 });
    expect(Buffer.isBuffer(item!.payload)).to.equal(true);
    const err = await expectGatewayError(store.mailboxAck('mailbox-zsa', 999_999, 'not-a-token', 'clerk'), 'GW_LEASE_INVALID');
    expect(err.status).to.equal(409);
    // a stale lease (another holder's token) is refused in the worker and fails only its own call
    const stale = await expectGatewayError(store.markDelivered({ ...item!, lease: `${item!.lease}x` }, 'stale'), 'GW_LEASE_INVALID');
    expect(stale.extra).to.deep.equal({ outboxId: item!.id, messageId: m.id });
    await store.markDelivered(item!, 'peer');
    expect((await store.getMessage(m.id))!.state).to.equal('delivered');
  });

  it('refuses every call after close with GW_NOT_READY and closes idempotently', async () => {
    await store.close();
    await store.close();
    await expectGatewayError(store.ping(), 'GW_NOT_READY');
    await expectGatewayError(store.accept(newMessage()), 'GW_NOT_READY');
  });
});

describe('store worker: a store that cannot open', () => {
  it('reports the open error itself (not a follow-up error of the close) and leaves the thread serving other stores', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zsa-store-worker-bad-'));
    try {
      // a directory where the database file should be: SQLite cannot open it
      const path = join(dir, 'gateway.db');
      mkdirSync(path);
      let err: unknown;
      await createStore({ kind: 'sqlite', path }).catch((e: unknown) => (err = e));
      expect(err).to.be.instanceOf(Error);
      expect((err as Error).message).to.not.match(/closed|not available/);
      const ok = await createStore({ kind: 'sqlite', path: join(dir, 'other.db') });
      await ok.ping();
      await ok.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
