/**
 * Runs every sample of every standard under schemas-xoev/ and test/fixtures/xoev/ through
 * one validator loaded from both roots, judged by gateway/validation/samples.ts (the same
 * judgement `standards check` applies):
 *   samples/valid/<case>.xml    must be accepted; <case>.expect.json (optional):
 *                               `{ header?, warnings?, strictness? }`
 *   samples/invalid/<case>.xml  must be refused as <case>.expect.json says:
 *                               `{ code, layer?, rule?, path?, limits?, strictness? }`
 * `warnings`: one substring per expected warning, in order (no more, no fewer warnings);
 * `layer`: every issue of the refusal names it; `rule`: some issue names it; `path`: a
 * substring of some issue's path; `limits`: XML limits for this case; `strictness`: the
 * per-layer or per-rule override a route would pass (`{ "identity": "reject" }`).
 * Every message a sample produces reads as a sentence: no empty fragments.
 * Adding a case is adding files; no code.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { loadValidator, type GatewayValidator, type XmlLimits } from '../../gateway/validation/index.js';
import { discoverSamples, judgeSample, readExpectation, type SampleCase } from '../../gateway/validation/samples.js';

const ROOTS = [
  fileURLToPath(new URL('../../schemas-xoev/', import.meta.url)),
  fileURLToPath(new URL('../fixtures/xoev/', import.meta.url)),
];

const dirs = (d: string): string[] => (existsSync(d) ? readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort() : []);

function discover(): Array<SampleCase & { label: string; root: string }> {
  return ROOTS.flatMap((root) => dirs(root).flatMap((std) => dirs(join(root, std)).flatMap((ver) =>
    discoverSamples(join(root, std, ver)).map((c) => ({ ...c, label: `${std}/${ver}`, root })))));
}

/**
 * What an empty value leaves in a message rendered from a template: a double space
 * ("version  is not held"), an empty parenthesis or quote ("AGS )", "( ", "''"), or a
 * dangling word or separator at the end.
 */
function emptyFragment(text: string): string | undefined {
  if (/ {2}/.test(text)) return 'a double space';
  if (/ \)|\( /.test(text.replace(/Expected is (one of )?\( [^)]* \)/g, ''))) return 'an empty parenthesis';
  if (/''/.test(text)) return 'an empty quote';
  if (/(?:[:,=]|\b(?:of|at|the|is|in|for|to|and|version|AGS|LeiKa|key|expected))\s*$/.test(text)) return 'a dangling word at the end';
  return undefined;
}

describe('schema samples (schemas-xoev/*/*/samples, test/fixtures/xoev/*/*/samples)', () => {
  const cases = discover();
  const validators = new Map<string, GatewayValidator>();

  async function validatorFor(limits: Partial<XmlLimits> | undefined): Promise<GatewayValidator> {
    const key = JSON.stringify(limits ?? {});
    let v = validators.get(key);
    if (!v) {
      v = await loadValidator(ROOTS, limits);
      validators.set(key, v);
    }
    return v;
  }

  after(() => validators.forEach((v) => v.close()));

  it('finds valid and invalid samples in both roots', () => {
    for (const root of ROOTS) {
      const here = cases.filter((c) => c.root === root);
      expect(here.filter((c) => c.kind === 'valid'), root).to.not.be.empty;
      expect(here.filter((c) => c.kind === 'invalid'), root).to.not.be.empty;
    }
  });

  it('emptyFragment finds the gaps an empty value leaves', () => {
    for (const bad of ['list x version  is not held', 'for AGS )', 'code ( x', "code '' is", 'not held at version', 'expected:']) {
      expect(emptyFragment(bad), bad).to.be.a('string');
    }
    expect(emptyFragment("Element 'a': This element is not expected. Expected is ( {urn:x}b ).")).to.equal(undefined);
  });

  for (const c of cases) {
    it(`${c.label} ${c.kind === 'valid' ? 'accepts' : 'refuses'} ${c.kind}/${c.name}`, async () => {
      const want = readExpectation(c);
      if (c.kind === 'invalid') expect(want.code, `${c.expect} is missing or names no code`).to.be.a('string');
      const verdict = judgeSample(await validatorFor(want.limits), c, want);
      expect(verdict.reasons, verdict.reasons.join('\n')).to.deep.equal([]);
      const texts = [...verdict.warnings];
      if (verdict.error) {
        const err = verdict.error;
        if (err.code !== 'GW_PAYLOAD_TOO_LARGE') {
          expect(err.issues, 'issues').to.not.be.empty;
          for (const issue of err.issues) expect(issue).to.include.keys('message', 'layer', 'rule');
        }
        texts.push(err.message, ...err.issues.map((i) => i.message));
      }
      for (const t of texts) expect(emptyFragment(t), `"${t}" has ${emptyFragment(t)}`).to.equal(undefined);
    });
  }
});
