import { expect } from 'chai';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { ERROR_CATALOG, problemType, type ErrorCode } from '../../gateway/errors.js';
import { startTestGateway, testConfig } from '../support/gateway.js';
import { hundAnmeldung } from '../support/xzsa-fixtures.js';
import { assertServes } from './liveness.js';
import { sendRaw } from './raw-http.js';

/**
 * Random mutations of a valid message POSTed to the HTTP ingress. Bounded by a fixed
 * number of runs (never by time) and a fixed seed, so a failure replays. There is no
 * HTTP ingress for JWE (gateway/ingress reads XML and multipart only), so JWE fuzzing
 * stays at the crypto module (test/crypto/jwe.fuzz-never-crashes.test.ts).
 */
const RUNS = 300;
const SEED = 20_261_122;
/** Only detects a hang; no timing is asserted. */
const HANG_MS = 20_000;

/** Markup fragments that tend to reach other parser states than random bytes do. */
const FRAGMENTS = [
  '<', '>', '&', '&amp;', '&a;', '"', "'", '/>', '</', '<x>', '</x>', '<xzsa:bemerkung>x</xzsa:bemerkung>', '<![CDATA[', ']]>', '<!--', '-->', '<?pi x?>',
  '<!DOCTYPE x SYSTEM "file:///etc/passwd">', '<!ENTITY a "b">', 'xmlns:e="urn:evil"', ' e:a="1"', '\u0000', '\ufeff', '\ufffe', '&#0;', '&#x10FFFF;', 'ä', '\ud800', '\r\n', '\t',
];

type Mutation =
  | { kind: 'flip'; at: number; xor: number }
  | { kind: 'insert'; at: number; fragment: string }
  | { kind: 'truncate'; at: number }
  | { kind: 'duplicate'; from: number; length: number; to: number }
  | { kind: 'delete'; from: number; length: number }
  /** Replaces the n-th text node: keeps the markup intact, so deeper layers (XSD, header, rules, routing) are reached. */
  | { kind: 'text'; node: number; text: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('text' as const), node: fc.nat(), text: fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('', ' ', '0', '-1', '99999999', '2025-02-30', 'DE00', 'ags:15003000', '15089999', 'x'.repeat(5000))) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), fragment: fc.constantFrom(...FRAGMENTS) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), from: fc.nat(), length: fc.integer({ min: 1, max: 2000 }), to: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), from: fc.nat(), length: fc.integer({ min: 1, max: 200 }) }) },
);

function apply(doc: Buffer, m: Mutation): Buffer {
  const at = (n: number) => (doc.length === 0 ? 0 : n % (doc.length + 1));
  switch (m.kind) {
    case 'flip': {
      if (doc.length === 0) return doc;
      const out = Buffer.from(doc);
      out[m.at % doc.length]! ^= m.xor;
      return out;
    }
    case 'insert':
      return Buffer.concat([doc.subarray(0, at(m.at)), Buffer.from(m.fragment), doc.subarray(at(m.at))]);
    case 'truncate':
      return doc.subarray(0, at(m.at));
    case 'duplicate': {
      const slice = doc.subarray(at(m.from), at(m.from) + m.length);
      return Buffer.concat([doc.subarray(0, at(m.to)), slice, doc.subarray(at(m.to))]);
    }
    case 'delete':
      return Buffer.concat([doc.subarray(0, at(m.from)), doc.subarray(at(m.from) + m.length)]);
    case 'text': {
      const s = doc.toString('utf8');
      const nodes = [...s.matchAll(/>([^<>]+)</g)].filter((x) => x[1]!.trim() !== '');
      if (nodes.length === 0) return doc;
      const hit = nodes[m.node % nodes.length]!;
      const start = hit.index! + 1;
      return Buffer.from(s.slice(0, start) + m.text.replace(/&/g, '&amp;').replace(/</g, '&lt;') + s.slice(start + hit[1]!.length));
    }
  }
}

const CODES = new Set<string>(Object.keys(ERROR_CATALOG));

describe('XML ingress under random mutations of a valid message (fast-check, bounded)', function () {
  this.timeout(600_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let port: number;
  before(async () => {
    gw = await startTestGateway(testConfig());
    port = Number(new URL(gw.url).port);
  });
  after(() => gw?.stop());

  it(`answers each of ${RUNS} mutated messages with a receipt or a documented 4xx problem, never 5xx or a hang`, async () => {
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
        const body = mutations.reduce(apply, Buffer.from(hundAnmeldung({ messageUuid: randomUUID() })));
        const o = await sendRaw(port, { method: 'POST', path: '/api/v1/messages', headers: [['Content-Type', 'application/xml']], body }, HANG_MS);
        expect(o.kind, 'an answer, not a hang or a dropped connection').to.equal('response');
        if (o.kind !== 'response') return;
        const text = o.body.toString('utf8');
        expect(o.status, text.slice(0, 300)).to.be.oneOf([200, 202, 400, 403, 409, 413, 415, 422]);
        if (o.status >= 400) {
          expect(o.headers['content-type']).to.match(/^application\/problem\+json/);
          const p = JSON.parse(text) as { code: string; status: number; type: string };
          expect(CODES.has(p.code), `documented code ${p.code}`).to.equal(true);
          expect(p.code).to.not.equal('GW_INTERNAL');
          expect(p).to.include({ status: o.status, type: problemType(p.code as ErrorCode) });
          seen.set(p.code, (seen.get(p.code) ?? 0) + 1);
        } else {
          seen.set(String(o.status), (seen.get(String(o.status)) ?? 0) + 1);
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    await assertServes(port, `${RUNS} fuzz runs`);
    console.log(`fuzz-xml: runs ${RUNS} outcomes ${[...seen].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}=${n}`).join(' ')}`);
  });
});
