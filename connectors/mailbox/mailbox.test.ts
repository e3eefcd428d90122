import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { NotConnectedError, PermanentError } from '../errors.js';
import type { Egress } from '../types.js';
import { GatewayError } from '../../gateway/errors.js';
import { BUSY_TIMEOUT_MS } from '../../gateway/store/sqlite/connection.js';
import { egressConformance, makeOutbound, testContext, type EgressFixture } from '../../test/conformance/egress.js';
import { readmeConfigProblems } from '../../test/conformance/readme.js';
import { holdWriteLock, Receiver, storeMessage, tempStore, type TempStore, type WriteLock } from './mailbox.fixture.js';
import { mailboxConfigSchema, mailboxConnector } from './index.js';

const never = new AbortController().signal;
let seq = 0;

function mailboxEgress(t: TempStore, mailbox: string): Egress {
  return mailboxConnector.create(mailboxConfigSchema.parse({ mailbox }), { ...testContext(`mailbox-${mailbox}`), mailboxes: t.store });
}

/**
 * A fresh SQLite store per test. "Received" is what a receiver takes out through
 * list → fetch → acknowledge. Retryable failure: another process holds the database write
 * lock, so the store's write fails with SQLITE_BUSY after the busy timeout. Permanent:
 * the message was never stored (the mailbox holds references to stored messages only).
 * "Peer restart": the store is locked by another process for longer than the busy
 * timeout while deliveries go on — the mailbox has no connection of its own to drop.
 */
async function createFixture(): Promise<EgressFixture> {
  seq += 1;
  const t = await tempStore();
  const mailbox = `conformance-${seq}`;
  const egress = mailboxEgress(t, mailbox);
  const receiver = new Receiver(t.store, mailbox);
  let storeNext = true;
  let lock: WriteLock | undefined;
  return {
    egress,
    received: () => receiver.take(),
    prepare: (msg) => (storeNext ? storeMessage(t.store, msg, mailbox) : Promise.resolve()),
    async makeFailing(kind) {
      if (kind === 'permanent') storeNext = false;
      else lock = await holdWriteLock(t.dbPath);
    },
    async heal() {
      storeNext = true;
      await lock?.release();
      lock = undefined;
    },
    async restartPeer() {
      const outage = await holdWriteLock(t.dbPath, BUSY_TIMEOUT_MS + 500);
      await outage.gone;
    },
    async cleanup() {
      try {
        await egress.close();
        await lock?.release();
      } finally {
        await t.remove();
      }
    },
  };
}

egressConformance({ name: 'mailbox (real SQLite store)', create: createFixture, outcome: 'in_mailbox' });

describe('mailbox connector', function () {
  this.timeout(30_000);
  let t: TempStore;
  beforeEach(async () => {
    t = await tempStore();
  });
  afterEach(() => t.remove());

  const stored = async (mailbox: string) => {
    const msg = makeOutbound();
    await storeMessage(t.store, msg, mailbox);
    return msg;
  };

  it('putting the same message twice leaves one item per mailbox; another mailbox gets its own', async () => {
    const a = mailboxEgress(t, 'mb-a');
    const b = mailboxEgress(t, 'mb-b');
    await Promise.all([a.connect(never), b.connect(never)]);
    const msg = await stored('mb-a');
    await Promise.all([a.deliver(msg, never), a.deliver({ ...msg, attempt: 2 }, never)]);
    await a.deliver({ ...msg, attempt: 3 }, never);
    await b.deliver(msg, never);
    expect((await t.store.mailboxList('mb-a', 100)).map((i) => i.messageId)).to.deep.equal([msg.gatewayId]);
    expect((await t.store.mailboxList('mb-b', 100)).map((i) => i.messageId)).to.deep.equal([msg.gatewayId]);
    // a put after the receiver acknowledged (a retry of a lost outcome) does not bring it back
    const lease = await t.store.mailboxFetch('mb-a', 60_000);
    await t.store.mailboxAck('mb-a', lease!.item.id, lease!.leaseToken, 'test');
    await a.deliver({ ...msg, attempt: 4 }, never);
    expect(await t.store.mailboxList('mb-a', 100)).to.deep.equal([]);
    await Promise.all([a.close(), b.close()]);
  });

  it('deliver before connect, after close and with an aborted signal throws NotConnectedError; nothing is put', async () => {
    const egress = mailboxEgress(t, 'mb-nc');
    const msg = await stored('mb-nc');
    const aborted = AbortSignal.abort();
    const outcomes = [egress.deliver(msg, never)];
    await egress.connect(never);
    outcomes.push(egress.deliver(msg, aborted));
    await egress.close();
    outcomes.push(egress.deliver(msg, never));
    for (const r of await Promise.allSettled(outcomes)) {
      expect(r.status).to.equal('rejected');
      expect(r.status === 'rejected' && r.reason).to.be.instanceOf(NotConnectedError);
    }
    expect(await t.store.mailboxList('mb-nc', 100)).to.deep.equal([]);
    await expectRejects(egress.connect(never), NotConnectedError);
  });

  it('close is idempotent and lets a running put commit first', async () => {
    const egress = mailboxEgress(t, 'mb-close');
    await egress.connect(never);
    const msg = await stored('mb-close');
    const put = egress.deliver(msg, never);
    const closed = egress.close();
    expect(egress.close()).to.equal(closed);
    await closed;
    expect(egress.health().status).to.equal('closed');
    expect((await put).outcome).to.equal('in_mailbox');
    expect((await t.store.mailboxList('mb-close', 100)).map((i) => i.messageId)).to.deep.equal([msg.gatewayId]);
    expect(egress.close()).to.equal(closed);
    await egress.close();
  });

  it('a message that is not in the store is refused permanently; the endpoint stays up', async () => {
    const egress = mailboxEgress(t, 'mb-missing');
    await egress.connect(never);
    const err = await expectRejects(egress.deliver(makeOutbound(), never), PermanentError);
    expect(err.message).to.match(/does not exist/);
    expect(egress.health().status).to.equal('up');
    await egress.close();
  });

  it('a closed store means not connected: NotConnectedError, health down, connect() fails', async () => {
    const egress = mailboxEgress(t, 'mb-gone');
    await egress.connect(never);
    const msg = await stored('mb-gone');
    await t.store.close();
    await expectRejects(egress.deliver(msg, never), NotConnectedError);
    expect(egress.health().status).to.equal('down');
    await expectRejects(egress.connect(never), GatewayError);
    await expectRejects(egress.deliver(msg, never), NotConnectedError);
    await egress.close();
  });

  it('in the mailbox is not delivered: a fetched message comes back after its lease, only the ack delivers it', async () => {
    const egress = mailboxEgress(t, 'mb-lease');
    await egress.connect(never);
    const msg = await stored('mb-lease');
    expect((await egress.deliver(msg, never)).outcome).to.equal('in_mailbox');
    const first = await t.store.mailboxFetch('mb-lease', 1000);
    expect(first?.item.messageId).to.equal(msg.gatewayId);
    expect(await t.store.mailboxList('mb-lease', 100), 'hidden while leased').to.deep.equal([]);
    expect((await t.store.getMessage(msg.gatewayId))?.state).to.not.equal('delivered');
    const again = await waitForLease(t, 'mb-lease');
    expect(again.item.id).to.equal(first!.item.id);
    expect(again.item.deliveries).to.equal(2);
    expect(again.payload.equals(msg.payload)).to.equal(true);
    await expectRejects(t.store.mailboxAck('mb-lease', first!.item.id, first!.leaseToken, 'test'), GatewayError);
    await t.store.mailboxAck('mb-lease', again.item.id, again.leaseToken, 'test');
    expect((await t.store.getMessage(msg.gatewayId))?.state).to.equal('delivered');
    expect(await t.store.mailboxFetch('mb-lease', 1000)).to.equal(null);
    await egress.close();
  });

  it('README documents every config key with its default', () => {
    expect(readmeConfigProblems(mailboxConfigSchema, fileURLToPath(new URL('./README.md', import.meta.url)))).to.deep.equal([]);
  });
});

async function expectRejects<E extends Error>(p: Promise<unknown>, type: abstract new (...args: never[]) => E): Promise<E> {
  try {
    await p;
  } catch (err) {
    expect(err, String(err)).to.be.instanceOf(type);
    return err as E;
  }
  throw new Error(`expected ${type.name}, but it resolved`);
}

/** Polls until the expired lease lets the item be fetched again (no timing asserted). */
async function waitForLease(t: TempStore, mailbox: string) {
  const until = Date.now() + 10_000;
  for (;;) {
    const lease = await t.store.mailboxFetch(mailbox, 60_000);
    if (lease) return lease;
    if (Date.now() > until) throw new Error('the fetched item never came back');
    await new Promise((r) => setTimeout(r, 50));
  }
}
