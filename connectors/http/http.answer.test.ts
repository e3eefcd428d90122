import { expect } from 'chai';
import { Readable } from 'node:stream';
import { parseRetryAfter, readExcerpt } from './answer.js';

describe('http answer handling', () => {
  const now = Date.parse('2025-03-01T12:00:00Z');

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('30', now)).to.equal(30_000);
    expect(parseRetryAfter(' 0 ', now)).to.equal(0);
    expect(parseRetryAfter('Sat, 01 Mar 2025 12:02:00 GMT', now)).to.equal(120_000);
    expect(parseRetryAfter('Sat, 01 Mar 2025 11:00:00 GMT', now), 'a past date means now').to.equal(0);
    expect(parseRetryAfter(['5', '7'], now)).to.equal(5_000);
  });

  it('ignores a missing or unreadable Retry-After', () => {
    expect(parseRetryAfter(undefined, now)).to.equal(undefined);
    expect(parseRetryAfter('soon', now)).to.equal(undefined);
    expect(parseRetryAfter('-5', now)).to.equal(undefined);
  });

  it('keeps at most the cap of a long answer', async () => {
    const body = Readable.from([Buffer.alloc(3000, 'a'), Buffer.alloc(3000, 'b'), Buffer.alloc(3000, 'c')]);
    const text = await readExcerpt(body, 4096);
    expect(text).to.have.length(4096);
    expect(text.endsWith('b')).to.equal(true);
  });
});
