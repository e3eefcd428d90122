import { expect } from 'chai';
import { backoffDelay } from '../../gateway/outbox/backoff.js';
import { CircuitBreaker } from '../../gateway/outbox/breaker.js';

describe('outbox backoff', () => {
  const p = { initialMs: 100, multiplier: 2, maxMs: 1000, jitter: 0 };

  it('grows exponentially from the initial delay and stops at the cap', () => {
    expect([1, 2, 3, 4, 5, 9].map((a) => backoffDelay(p, a))).to.deep.equal([100, 200, 400, 800, 1000, 1000]);
  });

  it('spreads delays by at most the jitter fraction', () => {
    const j = { ...p, jitter: 0.5 };
    expect(backoffDelay(j, 2, undefined, () => 0)).to.equal(100);
    expect(backoffDelay(j, 2, undefined, () => 1)).to.equal(300);
    expect(backoffDelay(j, 2, undefined, () => 0.5)).to.equal(200);
  });

  it('waits as long as a Retry-After asks when that is longer', () => {
    expect(backoffDelay(p, 1, 700)).to.equal(700);
    expect(backoffDelay(p, 3, 10)).to.equal(400);
  });
});

describe('outbox circuit breaker', () => {
  it('opens after the threshold of consecutive failures and allows nothing while open', () => {
    let now = 0;
    const b = new CircuitBreaker(3, 1000, () => now);
    b.failure();
    b.failure();
    expect(b.state).to.equal('closed');
    expect(b.allowance(5)).to.equal(5);
    b.failure();
    expect(b.state).to.equal('open');
    expect(b.allowance(5)).to.equal(0);
    now = 999;
    expect(b.allowance(5)).to.equal(0);
  });

  it('lets exactly one trial through after the cooldown and closes on its success', () => {
    let now = 0;
    const b = new CircuitBreaker(1, 1000, () => now);
    b.failure();
    now = 1000;
    expect(b.state).to.equal('half-open');
    expect(b.allowance(5)).to.equal(1);
    b.started();
    expect(b.allowance(5)).to.equal(0);
    b.success();
    expect(b.state).to.equal('closed');
    expect(b.allowance(5)).to.equal(5);
  });

  it('opens again when the trial fails', () => {
    let now = 0;
    const b = new CircuitBreaker(2, 1000, () => now);
    b.failure();
    b.failure();
    now = 1500;
    b.started();
    b.failure();
    expect(b.state).to.equal('open');
    now = 2400;
    expect(b.allowance(3)).to.equal(0);
    now = 2500;
    expect(b.allowance(3)).to.equal(1);
  });

  it('a success resets the failure count', () => {
    const b = new CircuitBreaker(2, 1000, () => 0);
    b.failure();
    b.success();
    b.failure();
    expect(b.state).to.equal('closed');
    expect(b.consecutiveFailures).to.equal(1);
  });
});
