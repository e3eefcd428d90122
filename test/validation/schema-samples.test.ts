/**
 * Runs every sample of every standard under schemas-xoev/ and test/fixtures/xoev/ through
 * one validator loaded from both roots:
 *   samples/valid/<case>.xml    must be accepted; <case>.expect.json (optional):
 *                               `{ header?, warnings?, strictness? }`
 *   samples/invalid/<case>.xml  must be refused as <case>.expect.json says:
 *                               `{ code, layer?, rule?, path?, limits?, strictness? }`
 * `warnings`: one substring per expected warning, in order (no more, no fewer warnings);
 * `layer`: every issue of the refusal names it; `rule`: some issue names it; `path`: a
 * substring of some issue's path; `limits`: XML limits for this case; `strictness`: the
 * per-layer override a route would pass (`{ "identity": "reject" }`).
 * Adding a case is adding files; no code.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { ERROR_CATALOG, GatewayError } from '../../gateway/errors.js';
import { LAYERS, loadValidator, type GatewayValidator, type Strictness, type XmlLimits } from '../../gateway/validation/index.js';

const ROOTS = [
  fileURLToPath(new URL('../../schemas-xoev/', import.meta.url)),
  fileURLToPath(new URL('../fixtures/xoev/', import.meta.url)),
];

interface SampleCase { label: string; kind: 'valid' | 'invalid'; name: string; xml: string; expect: string }
interface Expectation {
  code?: string; layer?: string; rule?: string; path?: string; limits?: Partial<XmlLimits>;
  strictness?: Strictness; warnings?: string[]; header?: Record<string, unknown>;
}

const dirs = (d: string): string[] => (existsSync(d) ? readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort() : []);

function discover(): SampleCase[] {
  const cases: SampleCase[] = [];
  for (const root of ROOTS) {
    for (const std of dirs(root)) {
      for (const ver of dirs(join(root, std))) {
        for (const kind of ['valid', 'invalid'] as const) {
          const dir = join(root, std, ver, 'samples', kind);
          if (!existsSync(dir)) continue;
          for (const file of readdirSync(dir).filter((f) => f.endsWith('.xml')).sort()) {
            const name = file.slice(0, -4);
            cases.push({ label: `${std}/${ver}`, kind, name, xml: join(dir, file), expect: join(dir, `${name}.expect.json`) });
          }
        }
      }
    }
  }
  return cases;
}

const readExpect = (c: SampleCase): Expectation =>
  (existsSync(c.expect) ? (JSON.parse(readFileSync(c.expect, 'utf8')) as Expectation) : {});

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
      const here = cases.filter((c) => c.xml.startsWith(root));
      expect(here.filter((c) => c.kind === 'valid'), root).to.not.be.empty;
      expect(here.filter((c) => c.kind === 'invalid'), root).to.not.be.empty;
    }
  });

  for (const c of cases.filter((k) => k.kind === 'valid')) {
    it(`${c.label} accepts valid/${c.name}`, async () => {
      const want = readExpect(c);
      const v = await validatorFor(want.limits);
      const result = v.check(readFileSync(c.xml), want.strictness ? () => want.strictness : undefined);
      if (want.header) expect(result.header).to.deep.equal(want.header);
      const expected = want.warnings ?? [];
      expect(result.warnings, 'warnings').to.have.length(expected.length, JSON.stringify(result.warnings));
      expected.forEach((w, i) => expect(result.warnings[i]).to.contain(w));
      expect(result.findings).to.have.length(result.warnings.length);
    });
  }

  for (const c of cases.filter((k) => k.kind === 'invalid')) {
    it(`${c.label} refuses invalid/${c.name}`, async () => {
      const want = readExpect(c);
      expect(want.code, `${c.expect} is missing or names no code`).to.be.a('string');
      const code = want.code as string;
      expect(ERROR_CATALOG, `unknown code ${code} in ${c.expect}`).to.have.property(code);
      if (want.layer) expect(LAYERS, `unknown layer in ${c.expect}`).to.include(want.layer);
      const v = await validatorFor(want.limits);
      let thrown: unknown;
      try {
        v.check(readFileSync(c.xml), want.strictness ? () => want.strictness : undefined);
      } catch (err) {
        thrown = err;
      }
      expect(thrown, 'the sample was accepted').to.be.instanceOf(GatewayError);
      const err = thrown as GatewayError;
      expect(err.code, err.message).to.equal(code);
      if (code !== 'GW_PAYLOAD_TOO_LARGE') {
        expect(err.issues, 'issues').to.not.be.empty;
        for (const issue of err.issues) expect(issue).to.include.keys('message', 'layer', 'rule');
      }
      if (want.layer) expect(err.issues.map((i) => i.layer)).to.satisfy((ls: string[]) => ls.every((l) => l === want.layer), JSON.stringify(err.issues));
      if (want.rule) expect(err.issues.map((i) => i.rule), JSON.stringify(err.issues)).to.include(want.rule);
      if (want.path) {
        const paths = err.issues.map((i) => i.path ?? '');
        expect(paths.some((p) => p.includes(want.path as string)), `no issue path contains ${want.path}: ${JSON.stringify(paths)}`).to.equal(true);
      }
    });
  }
});
