import { expect } from 'chai';
import { AttemptLimiter, type AttemptLimiterOptions, type AttemptVerdict, type LimitRule } from '../../gateway/auth/attempt-limiter.js';
import { addressKeyOf } from '../../gateway/auth/token-endpoint.js';

/** The limiter behind POST /token, on a fake clock: nothing here depends on machine speed. */
describe('token endpoint attempt limiter (fake clock)', () => {
  const MIN = 60_000;
  let now: number;
  const limiter = (o: Partial<AttemptLimiterOptions> = {}) =>
    new AttemptLimiter({ windowMs: MIN, lockoutMs: 5 * MIN, maxLockoutMs: 60 * MIN, forgetAfterMs: 24 * 60 * MIN, maxKeys: 1000, now: () => now, ...o });
  const client: LimitRule = { maxFailures: 3 };
  const address: LimitRule = { maxFailures: 5 };
  const keys = (c: string, a = 'address:10.0.0.1') => [[`client:${c}`, client], [a, address]] as const;
  const ok = (v: AttemptVerdict) => {
    if (!v.ok) throw new Error(`refused: ${v.key} ${v.reason}`);
    return v.attempt;
  };
  const fail = (l: AttemptLimiter, c: string, a?: string) => ok(l.begin(keys(c, a))).failed();

  beforeEach(() => {
    now = 1_000_000;
  });

  it('locks a client id after maxFailures failures within the window, for lockoutMs, with Retry-After', () => {
    const l = limiter();
    expect(fail(l, 'a')).to.deep.equal([]);
    expect(fail(l, 'a')).to.deep.equal([]);
    expect(fail(l, 'a')).to.deep.equal([{ key: 'client:a', lockedForMs: 5 * MIN }]);
    now += 1000;
    const v = l.begin(keys('a'));
    expect(v).to.deep.include({ ok: false, key: 'client:a', reason: 'locked', retryAfterMs: 5 * MIN - 1000 });
    now += 5 * MIN - 1000;
    expect(l.begin(keys('a')).ok, 'open again when the lockout is over').to.equal(true);
  });

  it('counts only failures inside the sliding window', () => {
    const l = limiter();
    fail(l, 'a');
    fail(l, 'a');
    now += MIN; // both fall out of the window
    expect(fail(l, 'a')).to.deep.equal([]);
    expect(fail(l, 'a')).to.deep.equal([]);
    expect(fail(l, 'a').map((x) => x.key)).to.deep.equal(['client:a']);
  });

  it('doubles the lockout with each repeat, up to maxLockoutMs, and forgets after a quiet period', () => {
    const l = limiter();
    const lockouts: number[] = [];
    for (let round = 0; round < 6; round++) {
      fail(l, 'a');
      fail(l, 'a');
      lockouts.push(fail(l, 'a').find((x) => x.key === 'client:a')!.lockedForMs / MIN);
      now += lockouts[lockouts.length - 1]! * MIN;
    }
    expect(lockouts).to.deep.equal([5, 10, 20, 40, 60, 60]);
    now += 24 * 60 * MIN;
    fail(l, 'a');
    fail(l, 'a');
    expect(fail(l, 'a')[0]!.lockedForMs).to.equal(5 * MIN);
  });

  it('locks an address across client ids (known or not) with its own limit', () => {
    const l = limiter();
    for (const c of ['u1', 'u2', 'u3', 'u4']) expect(fail(l, c).map((x) => x.key)).to.deep.equal([]);
    expect(fail(l, 'u5').map((x) => x.key)).to.deep.equal(['address:10.0.0.1']);
    expect(l.begin(keys('never-seen'))).to.deep.include({ ok: false, key: 'address:10.0.0.1', reason: 'locked' });
    expect(l.begin(keys('never-seen', 'address:10.0.0.2')).ok, 'another address is not affected').to.equal(true);
  });

  it('refuses even the right secret while locked; a success before the lockout clears the client id, not the address', () => {
    const l = limiter();
    fail(l, 'a');
    fail(l, 'a');
    ok(l.begin(keys('a'))).succeeded(['client:a']);
    expect(fail(l, 'a'), 'the client count started again').to.deep.equal([]);
    fail(l, 'a');
    // third client failure since the success, fifth address failure: the success did not clear the address
    expect(fail(l, 'a').map((x) => x.key)).to.deep.equal(['client:a', 'address:10.0.0.1']);
    expect(l.begin(keys('a'))).to.deep.include({ ok: false, reason: 'locked' });
  });

  it('counts attempts in flight, so a parallel burst cannot pass before the first failure is counted', () => {
    const l = limiter();
    const open = [ok(l.begin(keys('a'))), ok(l.begin(keys('a'))), ok(l.begin(keys('a')))];
    expect(l.begin(keys('a'))).to.deep.include({ ok: false, key: 'client:a', reason: 'in-flight' });
    open[0]!.succeeded();
    expect(l.begin(keys('a')).ok, 'a settled attempt frees its slot').to.equal(true);
    expect(() => open[0]!.failed()).to.throw(/settled twice/);
  });

  it('tracks at most maxKeys keys, forgetting the least recently seen first', () => {
    const l = limiter({ maxKeys: 100 });
    for (let i = 0; i < 1000; i++) fail(l, `spray-${i}`, `address:10.1.${i >> 8}.${i & 255}`);
    expect(l.size).to.be.at.most(100);
    fail(l, 'kept');
    fail(l, 'kept');
    for (let i = 0; i < 30; i++) fail(l, `more-${i}`, `address:10.2.0.${i}`);
    expect(fail(l, 'kept').map((x) => x.key), 'a recently seen key survives newer ones').to.include('client:kept');
  });

  it('keys IPv4 by address (also IPv4-mapped) and IPv6 by its /64 prefix', () => {
    expect(addressKeyOf('203.0.113.7')).to.equal('address:203.0.113.7');
    expect(addressKeyOf('::ffff:203.0.113.7')).to.equal('address:203.0.113.7');
    expect(addressKeyOf('2001:db8:aa:bb:1:2:3:4')).to.equal('address:2001:db8:aa:bb::/64');
    expect(addressKeyOf('2001:0db8:00aa:00bb:ffff::1')).to.equal('address:2001:db8:aa:bb::/64');
    expect(addressKeyOf('2001:db8::1')).to.equal('address:2001:db8:0:0::/64');
    expect(addressKeyOf('::1')).to.equal('address:0:0:0:0::/64');
    expect(addressKeyOf('fe80::1%eth0')).to.equal('address:fe80:0:0:0::/64');
    expect(addressKeyOf(undefined)).to.equal('address:unknown');
  });
});
