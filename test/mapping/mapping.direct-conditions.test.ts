/**
 * Conditions of the form `path = 'text'` / `path != 'text'` on JSON sources are decided
 * without JSONata (gateway/mapping/source.ts). The verdict must be JSONata's for every
 * input: absent values, null, other types, arrays (handed to JSONata), nested paths that
 * meet a scalar or an array on the way.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import jsonata from 'jsonata';
import { jsonSourceCompiler } from '../../gateway/mapping/source.js';

const EXPRESSIONS = ["payment.method = 'sepa'", "payment.method != 'sepa'", "decision = 'REFUSED'", "decision  !=  ''", "a.b.c = 'x y'"];

/** Values that make each path absent, present, of another type, or an array at any step. */
const leaf = fc.oneof(fc.constantFrom('sepa', 'SEPA', 'REFUSED', '', 'x y', ' sepa'), fc.string(), fc.integer(), fc.boolean(), fc.constant(null));
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('payment', 'method', 'decision', 'a', 'b', 'c', 'other'), tie('node'), { maxKeys: 4 })),
})).node;

describe('mapping conditions compared directly (path = literal)', () => {
  for (const expr of EXPRESSIONS) {
    it(`${expr}: the same verdict as JSONata for any input`, async () => {
      const compiled = jsonSourceCompiler('test.yaml').compile('rule', expr, 'test');
      if (!compiled) throw new Error('did not compile');
      const reference = jsonata(expr);
      await fc.assert(fc.asyncProperty(value, async (node) => {
        const direct = await compiled.test({ node, path: '' }, 'rule');
        expect(direct).to.equal(Boolean(await reference.evaluate(node)));
      }), { numRuns: 400 });
    });
  }

  it('decides a plain comparison without a promise (no JSONata evaluation)', () => {
    const compiled = jsonSourceCompiler('test.yaml').compile('rule', "payment.method = 'sepa'", 'test');
    expect(compiled?.test({ node: { payment: { method: 'sepa' } }, path: '' }, 'rule')).to.equal(true);
    expect(compiled?.test({ node: { payment: { method: 'invoice' } }, path: '' }, 'rule')).to.equal(false);
    expect(compiled?.test({ node: {}, path: '' }, 'rule')).to.equal(false);
  });
});
