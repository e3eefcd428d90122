import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import { CallbackVerifier } from '../../gateway/fitconnect/client/verify-callback.js';

const SECRET = 'cb-secret-magdeburg-0123456789abcdef';
const BODY = '{"type":"https://schema.fitko.de/fit-connect/submission-api/callbacks/new-submissions","submissionIds":["f39ab143-d91a-474a-b69f-b00f1a1873c2"]}';

/** What a FIT-Connect submission service sends, computed independently with node:crypto. */
function signed(ts: number, body = BODY, secret = SECRET): Record<string, string> {
  return { 'callback-timestamp': String(ts), 'callback-authentication': createHmac('sha512', secret).update(`${ts}.${body}`).digest('hex') };
}

describe('FIT-Connect callbacks: the receiver check', () => {
  const T0 = 1_672_527_599; // a Unix time in seconds, as in FIT-Connect's example
  let nowMs = T0 * 1000;
  const verifier = () => new CallbackVerifier({ secret: SECRET, now: () => nowMs });
  beforeEach(() => {
    nowMs = T0 * 1000;
  });

  it('accepts an authentic callback within five minutes, upper- or lower-case hex', () => {
    const v = verifier();
    expect(v.verify(signed(T0), BODY)).to.deep.equal({ ok: true, timestamp: T0 });
    nowMs = (T0 + 300) * 1000;
    const h = signed(T0); // exactly five minutes old: still accepted
    expect(new CallbackVerifier({ secret: SECRET, now: () => nowMs }).verify({ ...h, 'callback-authentication': h['callback-authentication']!.toUpperCase() }, BODY).ok).to.equal(true);
  });

  it('refuses a callback older than five minutes and one from the future', () => {
    nowMs = (T0 + 301) * 1000;
    expect(verifier().verify(signed(T0), BODY)).to.deep.equal({ ok: false, reason: 'stale' });
    nowMs = (T0 - 61) * 1000;
    expect(verifier().verify(signed(T0), BODY)).to.deep.equal({ ok: false, reason: 'future' });
  });

  it('refuses a replay of the same callback within the window', () => {
    const v = verifier();
    expect(v.verify(signed(T0), BODY).ok).to.equal(true);
    nowMs += 5_000;
    expect(v.verify(signed(T0), BODY)).to.deep.equal({ ok: false, reason: 'replay' });
    // a new callback (new timestamp) with the same body is no replay
    expect(v.verify(signed(T0 + 5), BODY).ok).to.equal(true);
  });

  it('refuses a wrong secret, a changed body, a changed timestamp, and missing or malformed headers', () => {
    const v = verifier();
    expect(v.verify(signed(T0, BODY, 'another-secret-of-at-least-32-chars!'), BODY)).to.deep.equal({ ok: false, reason: 'hmac' });
    expect(v.verify(signed(T0), BODY.replace('f39a', 'f39b'))).to.deep.equal({ ok: false, reason: 'hmac' });
    expect(v.verify({ ...signed(T0), 'callback-timestamp': String(T0 - 1) }, BODY)).to.deep.equal({ ok: false, reason: 'hmac' });
    expect(v.verify({ 'callback-timestamp': String(T0) }, BODY)).to.deep.equal({ ok: false, reason: 'missing' });
    expect(v.verify({ ...signed(T0), 'callback-timestamp': `${T0}.5` }, BODY)).to.deep.equal({ ok: false, reason: 'malformed' });
    expect(v.verify({ ...signed(T0), 'callback-authentication': 'abc' }, BODY)).to.deep.equal({ ok: false, reason: 'malformed' });
    expect(v.verify({ ...signed(T0), 'callback-timestamp': [String(T0), String(T0)] }, BODY)).to.deep.equal({ ok: false, reason: 'missing' });
  });
});
