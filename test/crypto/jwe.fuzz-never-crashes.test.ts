import { expect } from 'chai';
import fc from 'fast-check';
import { decryptWith, encryptFor, isCompactJwe } from '../../gateway/crypto/jwe.js';
import { PrivateKeyRing } from '../../gateway/crypto/keyring.js';
import { GatewayError } from '../../gateway/errors.js';
import { encryptionKeys } from './support.js';

/** Bounded: each property runs this often, with a fixed seed so a failure replays. */
const RUNS = 200;
const SEED = 4_2024;
const JWE_CODES = ['GW_JWE_INVALID', 'GW_JWE_KEY_UNKNOWN'];

type Mutation =
  | { kind: 'flip'; at: number; to: string }
  | { kind: 'cut'; at: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'swap-parts'; i: number; j: number }
  | { kind: 'drop-part'; i: number }
  /** Keeps the structure valid and changes one decoded byte, so decryption itself is exercised. */
  | { kind: 'flip-byte'; i: number; at: number; xor: number };

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \u00e4\u0000';

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), to: fc.constantFrom(...ALPHABET) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.string({ maxLength: 8 }) }),
  fc.record({ kind: fc.constant('swap-parts' as const), i: fc.nat(4), j: fc.nat(4) }),
  fc.record({ kind: fc.constant('drop-part' as const), i: fc.nat(4) }),
  fc.record({ kind: fc.constant('flip-byte' as const), i: fc.nat(4), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
);

function apply(jwe: string, m: Mutation): string {
  const parts = jwe.split('.');
  switch (m.kind) {
    case 'flip': {
      const i = m.at % jwe.length;
      return jwe.slice(0, i) + m.to + jwe.slice(i + 1);
    }
    case 'cut':
      return jwe.slice(0, m.at % jwe.length);
    case 'insert': {
      const i = m.at % (jwe.length + 1);
      return jwe.slice(0, i) + m.text + jwe.slice(i);
    }
    case 'swap-parts':
      [parts[m.i], parts[m.j]] = [parts[m.j]!, parts[m.i]!];
      return parts.join('.');
    case 'drop-part':
      parts.splice(m.i, 1);
      return parts.join('.');
    case 'flip-byte': {
      const bytes = Buffer.from(parts[m.i] ?? '', 'base64url');
      if (bytes.length === 0) return jwe;
      bytes[m.at % bytes.length]! ^= m.xor;
      parts[m.i] = bytes.toString('base64url');
      return parts.join('.');
    }
  }
}

/** Decrypts and classifies: a GatewayError with a JWE code, or (only for an unchanged JWE) the original payload. */
async function outcome(input: string | Uint8Array, ring: PrivateKeyRing): Promise<string> {
  try {
    const { payload } = await decryptWith(input, ring);
    return `ok:${Buffer.from(payload).toString('hex')}`;
  } catch (err) {
    if (err instanceof GatewayError && JWE_CODES.includes(err.code)) return err.code;
    throw err;
  }
}

describe('JWE decryption under random input (fast-check, bounded)', function () {
  this.timeout(120_000);
  const payload = Buffer.from('<hund.anmeldung.0101>fuzz</hund.anmeldung.0101>');
  let ring: PrivateKeyRing;
  let jwe: string;

  before(async () => {
    const a = encryptionKeys('participant-a');
    ring = await PrivateKeyRing.fromJwks([a.privateJwk]);
    jwe = await encryptFor(payload, a.publicJwk);
  });

  it(`never crashes on random bytes or strings and always answers with a JWE error (${RUNS} runs each)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 2048 }), fc.string({ maxLength: 2048 })), async (input) => {
        expect(JWE_CODES).to.include(await outcome(input, ring));
        expect(typeof isCompactJwe(input)).to.equal('boolean');
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it(`never crashes on random five-part inputs built from base64url noise (${RUNS} runs)`, async () => {
    const part = fc.stringMatching(/^[A-Za-z0-9_-]{0,64}$/);
    await fc.assert(
      fc.asyncProperty(fc.tuple(part, part, part, part, part), async (parts) => {
        expect(JWE_CODES).to.include(await outcome(parts.join('.'), ring));
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it(`refuses every mutation of a valid JWE unless it leaves the bytes unchanged (${RUNS} runs)`, async () => {
    const original = `ok:${payload.toString('hex')}`;
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
        const mutated = mutations.reduce(apply, jwe);
        const result = await outcome(mutated, ring);
        if (result.startsWith('ok:')) {
          // Only possible when the mutation changed nothing the decoder reads (e.g. swapped a part with itself).
          expect(result).to.equal(original);
          const decoded = (s: string) => s.trim().split('.').map((p) => Buffer.from(p, 'base64url').toString('hex'));
          expect(decoded(mutated)).to.deep.equal(decoded(jwe));
        } else {
          expect(JWE_CODES).to.include(result);
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });
});
