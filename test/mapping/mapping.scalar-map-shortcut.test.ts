/**
 * `map` expressions in the subset of gateway/mapping/scalar-expr.ts are read synchronously.
 * For any string input the shortcut must give JSONata's result, or hand over to JSONata
 * (ASK_JSONATA); expressions outside the subset are not compiled at all.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import jsonata from 'jsonata';
import { ASK_JSONATA, compileScalarExpr } from '../../gateway/mapping/scalar-expr.js';

const IN_SUBSET = [
  "$length($) = 12 ? $substring($, 0, 5) & $substring($, 9, 3) : $",
  "$uppercase($replace($, ' ', ''))",
  "$lowercase($) & '-x'",
  "$substring($, 2)",
  "$substring($, -3, 2)",
  "$substring($, 1, 0)",
  "$replace($, 'ab', 'Z') != $ ? 'changed' : 'same'",
  "$length($) != 0 ? $uppercase($substring($, 0, 1)) & $substring($, 1) : ''",
];
const OUTSIDE = ["$trim($)", "$replace($, /a/, 'b')", "$replace($, 'a', '$0')", "$split($, ',')[0]", "$length($) > 3 ? 'long' : 'short'", "$substring($, 0, 5)[0]", "other & $"];

/** Inputs of the shapes the mappings see (keys, IBANs) and anything else, with surrogate pairs. */
const input = fc.oneof(
  fc.stringMatching(/^[0-9]{8}$|^[0-9]{12}$/),
  fc.stringMatching(/^[a-zA-Z]{2}[0-9 ]{10,30}$/),
  fc.string({ unit: 'grapheme', maxLength: 16 }),
  fc.string({ maxLength: 16 }),
);

describe('mapping map shortcut (JSONata subset read synchronously)', () => {
  for (const expr of IN_SUBSET) {
    it(`${expr}: JSONata's result for any string`, async () => {
      const reference = jsonata(expr);
      const direct = compileScalarExpr(reference);
      expect(direct, 'in the subset').to.be.a('function');
      let answered = 0;
      await fc.assert(fc.asyncProperty(input, async (s) => {
        const got = direct?.(s);
        if (got === ASK_JSONATA) return;
        answered++;
        expect(got).to.deep.equal(await reference.evaluate(s));
      }), { numRuns: 500 });
      expect(answered, 'the shortcut answered itself').to.be.greaterThan(250);
    });
  }

  for (const expr of OUTSIDE) {
    it(`${expr}: left to JSONata`, () => {
      expect(compileScalarExpr(jsonata(expr))).to.equal(undefined);
    });
  }

  it('a value of a type the shortcut does not handle (a number joined with &) is handed to JSONata', () => {
    expect(compileScalarExpr(jsonata('$ & 1'))?.('a')).to.equal(ASK_JSONATA);
    expect(compileScalarExpr(jsonata("$length($) = '3' ? 'x' : 'y'"))?.('abc')).to.equal(ASK_JSONATA);
  });
});
