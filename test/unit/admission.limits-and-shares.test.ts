import { expect } from 'chai';
import type { IngressSink } from '../../connectors/types.js';
import { admissionSchema } from '../../gateway/config/schema.js';
import { GatewayError } from '../../gateway/errors.js';
import { AdmissionControl, admittedSink } from '../../gateway/ingress/admission.js';
import type { StorePressure } from '../../gateway/store/types.js';

function refusal(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

/** AdmissionControl with a store pressure and outbox depth the test sets, and a clock it moves. */
function setup(over: Partial<ReturnType<typeof admissionSchema.parse>> = {}) {
  const cfg = { ...admissionSchema.parse({}), ...over };
  const pressure: StorePressure = { pendingWrites: 0, oldestPendingMs: 0, lastCommitMs: 1 };
  const depth: Record<string, number> = {};
  let now = 1_000;
  const a = new AdmissionControl(cfg, { pressure: () => pressure, outboxDepth: () => Promise.resolve(depth) }, () => now);
  return { a, cfg, pressure, depth, tick: (ms: number) => (now += ms) };
}

/** The decisions of admission control (ADR 0036), each limit on its own. */
describe('admission control: limits, the hold of a slow commit, and shares', () => {
  it('refuses with 503 GW_OVERLOADED naming the limit for pending writes, their age and the outbox backlog; takes again below them', async () => {
    const { a, cfg, pressure, depth } = setup();
    a.enter('c')();
    pressure.pendingWrites = cfg.maxPendingWrites + 1;
    const e = refusal(() => a.enter('c'));
    expect(e.code).to.equal('GW_OVERLOADED');
    expect(e.extra).to.include({ reason: 'pending-writes', retryAfterSeconds: cfg.retryAfterSeconds });
    pressure.pendingWrites = cfg.maxPendingWrites;
    pressure.oldestPendingMs = cfg.maxOldestPendingMs + 1;
    expect(refusal(() => a.enter('c')).extra['reason']).to.equal('oldest-pending');
    pressure.oldestPendingMs = 0;
    depth['fv-a'] = cfg.maxOutboxBacklog;
    depth['fv-b'] = 1;
    expect(() => a.enter('c')(), 'not read before refresh').to.not.throw();
    await a.refresh();
    expect(refusal(() => a.enter('c')).extra['reason']).to.equal('outbox-backlog');
    expect(a.overloaded()).to.equal(true);
    expect(a.state()).to.include({ overloaded: true, outboxBacklog: cfg.maxOutboxBacklog + 1 });
    depth['fv-b'] = 0;
    await a.refresh();
    expect(() => a.enter('c')()).to.not.throw();
    expect(a.state().refused).to.deep.equal({ 'pending-writes': 1, 'oldest-pending': 1, 'slow-commit': 0, 'outbox-backlog': 1, 'over-share': 0 });
  });

  it('a slow commit holds refusals for commitHoldMs from when it is seen; the same stale figure does not hold again, a new slow one does', () => {
    const { a, cfg, pressure, tick } = setup({ maxCommitMs: 100, commitHoldMs: 1000 });
    pressure.lastCommitMs = 5000;
    expect(refusal(() => a.enter('c')).extra['reason']).to.equal('slow-commit');
    tick(999);
    expect(a.overloaded()).to.equal(true);
    tick(1);
    expect(a.overloaded(), 'no commit since: the next request decides').to.equal(false);
    a.enter('c')();
    pressure.lastCommitMs = 4000; // that request's commit was slow again
    expect(refusal(() => a.enter('c')).extra['reason']).to.equal('slow-commit');
    tick(cfg.commitHoldMs);
    pressure.lastCommitMs = 3; // and then fast
    expect(() => a.enter('c')()).to.not.throw();
  });

  it('429 GW_CLIENT_OVER_SHARE at maxInFlightPerClient; while ingress is full, at the fair share — a client under it is still taken', () => {
    const { a } = setup({ maxInFlight: 6, maxInFlightPerClient: 4 });
    const flood = [a.enter('flooder'), a.enter('flooder'), a.enter('flooder'), a.enter('flooder')];
    const e = refusal(() => a.enter('flooder'));
    expect(e.code).to.equal('GW_CLIENT_OVER_SHARE');
    expect(e.status).to.equal(429);
    expect(e.extra).to.include({ inFlight: 4, share: 4 });
    const b = [a.enter('b'), a.enter('b')];
    // full (6 of 6): shares are 6 / 3 clients = 2; c has none and is taken, b at 2 is not
    const c = a.enter('c');
    expect(refusal(() => a.enter('b')).extra).to.include({ share: 2 });
    expect(a.state()).to.include({ inFlight: 7, clients: 3 });
    // releases are idempotent and free the slot
    flood[0]!();
    flood[0]!();
    flood[1]!();
    flood[2]!();
    expect(a.state().inFlight).to.equal(4);
    b.forEach((r) => r());
    c();
    flood[3]!();
    expect(a.state()).to.include({ inFlight: 0, clients: 0 });
  });

  it('disabled: takes everything', () => {
    const { a, pressure } = setup({ enabled: false, maxInFlightPerClient: 1 });
    pressure.pendingWrites = 1e9;
    a.enter('x');
    expect(() => a.enter('x')).to.not.throw();
    expect(a.overloaded()).to.equal(false);
  });

  it('admittedSink: a refused submit rejects (the connector keeps the item), an admitted one holds its slot until the sink decided', async () => {
    const { a, pressure } = setup({ maxInFlightPerClient: 1 });
    let resolveInner!: () => void;
    const inner: IngressSink = {
      submit: () => new Promise((ok) => (resolveInner = () => ok({ outcome: 'accepted', gatewayId: 'g1' }))),
    };
    const sink = admittedSink(inner, a, 'sftp-in');
    const first = sink.submit({ payload: Buffer.from('<x/>'), contentType: 'application/xml', remote: 'sftp-in:a.xml' }, new AbortController().signal);
    const second = await sink.submit({ payload: Buffer.from('<x/>'), contentType: 'application/xml', remote: 'sftp-in:b.xml' }, new AbortController().signal).then(
      () => null,
      (err: unknown) => err,
    );
    expect((second as GatewayError).code).to.equal('GW_CLIENT_OVER_SHARE');
    resolveInner();
    expect(await first).to.deep.equal({ outcome: 'accepted', gatewayId: 'g1' });
    expect(a.state().inFlight).to.equal(0);
    pressure.pendingWrites = 1e9;
    const overloaded = await sink.submit({ payload: Buffer.from('<x/>'), contentType: 'application/xml', remote: 'sftp-in:c.xml' }, new AbortController().signal).catch((err: unknown) => err);
    expect((overloaded as GatewayError).code).to.equal('GW_OVERLOADED');
  });
});
