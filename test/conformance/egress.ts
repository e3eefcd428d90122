import { expect } from 'chai';
import { NotConnectedError, PermanentError, RetryableError } from '../../connectors/errors.js';
import type { DeliveryReceipt, Egress, OutboundMessage } from '../../connectors/types.js';
import { makeOutbound, type ReceivedMessage } from './outbound.js';

export { makeOutbound, testContext, type ReceivedMessage } from './outbound.js';

/** One egress wired to a real peer, made fresh for every conformance test. */
export interface EgressFixture {
  egress: Egress;
  /** Everything the real peer accepted since create(), read back through the peer's own client. */
  received(): Promise<ReceivedMessage[]>;
  /** Drops every connection of this egress on the peer's side (or restarts the peer); resolves when the peer is back. */
  restartPeer?(): Promise<void>;
  /** Makes the peer refuse the next deliveries, as a retryable or a permanent failure. */
  makeFailing?(kind: 'retryable' | 'permanent'): Promise<void>;
  /** Undoes makeFailing (the peer may need a moment: the suite retries like the core). */
  heal?(): Promise<void>;
  /**
   * Called once for every message before the suite first delivers it. For a store-backed
   * egress (the pull mailbox) the message must already be in the store, as it is in the
   * gateway, where ingress commits a message before the outbox hands it to a connector.
   * Push connectors leave it out. The suite creates a message before it calls
   * makeFailing('retryable'), as in the gateway where messages wait while the peer is failing.
   */
  prepare?(msg: OutboundMessage): Promise<void>;
  /** Closes the egress and removes everything the fixture created on the peer. */
  cleanup(): Promise<void>;
}

export interface EgressConformanceOptions {
  name: string;
  create: () => Promise<EgressFixture>;
  /**
   * The receipt outcome every successful delivery must report: `delivered` (default) for
   * push connectors, whose peer acknowledged; `in_mailbox` for a pull mailbox, where only
   * the receiver's acknowledgement later makes the message delivered (its receipt must
   * also name the mailbox).
   */
  outcome?: DeliveryReceipt['outcome'];
}

const PARALLEL = 50;
const BEFORE_RESTART = 5;
const RACING_WORKERS = 4;
const MAX_RACING = 2000;
/** Messages prepared before the restart, so the racing deliveries need no `prepare` while the peer is down. */
const RACING_POOL = 200;
const never = new AbortController().signal;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function rejectsWith<E extends Error>(p: Promise<unknown>, type: new (...args: never[]) => E): Promise<E> {
  try {
    await p;
  } catch (err) {
    expect(err, `expected ${type.name}, got ${String(err)}`).to.be.instanceOf(type);
    return err as E;
  }
  throw new Error(`expected a ${type.name}, but the call resolved`);
}

function isContractError(err: unknown): boolean {
  return err instanceof RetryableError || err instanceof PermanentError || err instanceof NotConnectedError;
}

/**
 * Delivers like the outbox worker does: health `down` → connect() first; NotConnectedError
 * → connect() and try again; RetryableError → back off and try again; anything else fails
 * the test. Bounded.
 */
export async function deliverLikeCore(egress: Egress, msg: OutboundMessage, maxAttempts = 40): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    if (egress.health().status === 'down') await egress.connect(never).catch(() => undefined);
    try {
      await egress.deliver({ ...msg, attempt }, never);
      return;
    } catch (err) {
      if (!(err instanceof NotConnectedError || err instanceof RetryableError) || attempt >= maxAttempts) throw err;
      if (err instanceof NotConnectedError) await egress.connect(never).catch(() => undefined);
      await sleep(Math.min(2000, 50 * 2 ** Math.min(attempt, 6)));
    }
  }
}

function expectIntact(got: ReceivedMessage, sent: OutboundMessage): void {
  expect(got.gatewayId).to.equal(sent.gatewayId);
  expect(got.messageUuid, 'messageUuid').to.equal(sent.messageUuid);
  expect(got.payload.equals(sent.payload), `payload bytes of ${sent.gatewayId}`).to.equal(true);
  for (const key of ['messageType', 'vorgangId', 'author', 'reader', 'sha512'] as const) {
    if (got[key] !== undefined) expect(got[key], key).to.equal(sent[key]);
  }
}

/** A fresh message, already handed to the fixture's `prepare` (if any). */
async function prepared(f: EgressFixture, overrides: Partial<OutboundMessage> = {}): Promise<OutboundMessage> {
  const msg = makeOutbound(overrides);
  if (f.prepare) await f.prepare(msg);
  return msg;
}

function countById(received: ReceivedMessage[]): Map<string, ReceivedMessage[]> {
  const byId = new Map<string, ReceivedMessage[]>();
  for (const r of received) byId.set(r.gatewayId, [...(byId.get(r.gatewayId) ?? []), r]);
  return byId;
}

/**
 * The one conformance suite every connector's integration test calls against its real
 * peer (STYLE.md, "Connectors"). Registers mocha tests; each gets a fresh fixture from
 * `create()` and calls its `cleanup()` whatever happened. Tests needing `makeFailing`/`heal`
 * or `restartPeer` are skipped (pending) when the fixture has none.
 */
export function egressConformance(opts: EgressConformanceOptions): void {
  const outcome = opts.outcome ?? 'delivered';
  const expectReceipt = (receipt: DeliveryReceipt): void => {
    expect(receipt.outcome, 'receipt outcome').to.equal(outcome);
    expect(receipt.detail).to.be.a('string').and.not.equal('');
    if (outcome === 'in_mailbox') expect(receipt.mailbox, 'receipt names the mailbox').to.be.a('string').and.not.equal('');
  };
  describe(`egress conformance: ${opts.name}`, function () {
    this.timeout(180_000);
    let current: EgressFixture | undefined;
    const fx = (): EgressFixture => {
      if (!current) throw new Error('fixture not created');
      return current;
    };

    beforeEach(async () => {
      current = await opts.create();
    });
    afterEach(async () => {
      const f = current;
      current = undefined;
      if (f) await f.cleanup();
    });

    it('connect is idempotent and close returns the same promise every time', async () => {
      const { egress } = fx();
      await Promise.all([egress.connect(never), egress.connect(never)]);
      await egress.connect(never);
      const first = egress.close();
      expect(egress.close()).to.equal(first);
      await first;
      expect(egress.close()).to.equal(first);
      await egress.close();
      await rejectsWith(egress.deliver(await prepared(fx()), never), NotConnectedError);
      await rejectsWith(egress.connect(never), Error); // a closed connector does not come back
    });

    it('deliver before connect and after close throws NotConnectedError', async () => {
      const f = fx();
      await rejectsWith(f.egress.deliver(await prepared(f), never), NotConnectedError);
      await f.egress.close(); // close without connect is fine too
      await rejectsWith(f.egress.deliver(await prepared(f), never), NotConnectedError);
    });

    it('health: not up before connect, up after connect and delivery, closed after close', async () => {
      const f = fx();
      const { egress } = f;
      const before = egress.health();
      expect(before.status).to.not.be.oneOf(['up', 'closed']);
      expect(Number.isNaN(Date.parse(before.since))).to.equal(false);
      await egress.connect(never);
      expect(egress.health().status).to.equal('up');
      expectReceipt(await egress.deliver(await prepared(f), never));
      expect(egress.health().status).to.equal('up');
      await egress.close();
      const after = egress.health();
      expect(after.status).to.equal('closed');
      expect(Date.parse(after.since)).to.be.at.least(Date.parse(before.since));
    });

    it('a delivered message arrives intact: payload bytes and ids', async () => {
      const f = fx();
      const { egress, received } = f;
      await egress.connect(never);
      const msg = await prepared(f);
      expectReceipt(await egress.deliver(msg, never));
      const got = await received();
      expect(got).to.have.length(1);
      expectIntact(got[0]!, msg);
    });

    it(`${PARALLEL} parallel deliveries all arrive exactly once`, async () => {
      const f = fx();
      const { egress, received } = f;
      await egress.connect(never);
      const sent = await Promise.all(Array.from({ length: PARALLEL }, () => prepared(f)));
      const receipts = await Promise.all(sent.map((m) => egress.deliver(m, never)));
      receipts.forEach(expectReceipt);
      const byId = countById(await received());
      expect(byId.size).to.equal(PARALLEL);
      for (const m of sent) {
        expect(byId.get(m.gatewayId), m.gatewayId).to.have.length(1);
        expectIntact(byId.get(m.gatewayId)![0]!, m);
      }
    });

    it('a retryable refusal throws RetryableError; after healing the same message is delivered', async function () {
      const f = fx();
      if (!f.makeFailing || !f.heal) return this.skip();
      await f.egress.connect(never);
      const msg = await prepared(f); // stored before the peer fails, as in the gateway
      await f.makeFailing('retryable');
      await rejectsWith(f.egress.deliver(msg, never), RetryableError);
      // the core calls connect() whenever health is down: that must re-arm the endpoint, or it stalls
      await f.egress.connect(never);
      expect(f.egress.health().status).to.equal('up');
      await f.heal();
      await deliverLikeCore(f.egress, { ...msg, attempt: 2 });
      const ids = (await f.received()).map((r) => r.gatewayId);
      expect(ids).to.include(msg.gatewayId);
    });

    it('a permanent refusal throws PermanentError with the reason; other messages still go through after healing', async function () {
      const f = fx();
      if (!f.makeFailing || !f.heal) return this.skip();
      await f.egress.connect(never);
      await f.makeFailing('permanent');
      const refused = await prepared(f);
      const err = await rejectsWith(f.egress.deliver(refused, never), PermanentError);
      expect(err.message).to.not.equal('');
      expect(f.egress.health().status, 'a peer that refuses is a reachable peer').to.equal('up');
      await f.heal();
      const next = await prepared(f);
      await deliverLikeCore(f.egress, next);
      const ids = (await f.received()).map((r) => r.gatewayId);
      expect(ids).to.include(next.gatewayId);
      expect(ids).to.not.include(refused.gatewayId);
    });

    it('reconnects after the peer restarts; every delivery that resolved is at the peer, intact', async function () {
      const f = fx();
      if (!f.restartPeer) return this.skip();
      const { egress } = f;
      await egress.connect(never);
      const sent: OutboundMessage[] = [];
      for (let i = 0; i < BEFORE_RESTART; i++) {
        const m = await prepared(f);
        expectReceipt(await egress.deliver(m, never));
        sent.push(m);
      }
      // deliveries keep flowing while the peer restarts: each resolves or fails with a contract error, none hangs.
      // They take messages prepared beforehand: in the gateway, what is delivered during an outage was stored earlier.
      const pool = await Promise.all(Array.from({ length: RACING_POOL }, () => prepared(f)));
      let restarted = false;
      const racing: OutboundMessage[] = [];
      const unresolved: OutboundMessage[] = [];
      const worker = async (): Promise<void> => {
        while (!restarted && racing.length < MAX_RACING) {
          const m = pool.pop() ?? (await prepared(f));
          racing.push(m);
          try {
            await egress.deliver(m, never);
          } catch (err) {
            expect(isContractError(err), String(err)).to.equal(true);
            unresolved.push(m);
          }
          await sleep(10); // paced, so the stream lasts until the restart is done
        }
      };
      const restart = f.restartPeer().finally(() => {
        restarted = true;
      });
      await Promise.all([restart, ...Array.from({ length: RACING_WORKERS }, worker)]);
      sent.push(...racing);
      // what failed is retried the core's way; new messages follow
      for (const m of unresolved) await deliverLikeCore(egress, { ...m, attempt: 2 });
      for (let i = 0; i < BEFORE_RESTART; i++) {
        const m = await prepared(f);
        await deliverLikeCore(egress, m);
        sent.push(m);
      }
      expect(egress.health().status).to.equal('up');

      const byId = countById(await f.received());
      const sentById = new Map(sent.map((m) => [m.gatewayId, m]));
      for (const m of sent) expect(byId.get(m.gatewayId)?.length ?? 0, `${m.gatewayId} at the peer`).to.be.at.least(1);
      for (const [id, copies] of byId) {
        const original = sentById.get(id);
        expect(original, `unexpected message ${id} at the peer`).to.not.equal(undefined);
        for (const copy of copies) expectIntact(copy, original!); // duplicates allowed (at-least-once), never a torn one
      }
    });
  });
}
