/**
 * Runs every sample of every standard under schemas-xoev through the validator:
 *   samples/valid/<case>.xml    must pass; <case>.expect.json `{ header?, warnings? }` when present;
 *   samples/invalid/<case>.xml  must be refused as <case>.expect.json says:
 *                               `{ code, path?, limits? }` — `path` is a substring of some issue's path,
 *                               `limits` overrides the XML limits for this case.
 * Adding a case is adding files; no code.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { ERROR_CATALOG, GatewayError } from '../../gateway/errors.js';
import { loadValidator, type GatewayValidator, type XmlLimits } from '../../gateway/validation/index.js';

const SCHEMA_ROOT = fileURLToPath(new URL('../../schemas-xoev/', import.meta.url));

interface SampleCase { standard: string; kind: 'valid' | 'invalid'; name: string; xml: string; expect: string }

function discover(): SampleCase[] {
  const cases: SampleCase[] = [];
  for (const std of readdirSync(SCHEMA_ROOT, { withFileTypes: true }).filter((e) => e.isDirectory())) {
    for (const ver of readdirSync(join(SCHEMA_ROOT, std.name), { withFileTypes: true }).filter((e) => e.isDirectory())) {
      for (const kind of ['valid', 'invalid'] as const) {
        const dir = join(SCHEMA_ROOT, std.name, ver.name, 'samples', kind);
        if (!existsSync(dir)) continue;
        for (const file of readdirSync(dir).filter((f) => f.endsWith('.xml')).sort()) {
          const name = file.slice(0, -4);
          cases.push({ standard: `${std.name}/${ver.name}`, kind, name, xml: join(dir, file), expect: join(dir, `${name}.expect.json`) });
        }
      }
    }
  }
  return cases;
}

function readExpect(c: SampleCase): Record<string, unknown> | undefined {
  return existsSync(c.expect) ? (JSON.parse(readFileSync(c.expect, 'utf8')) as Record<string, unknown>) : undefined;
}

describe('schema samples (schemas-xoev/*/*/samples)', () => {
  const cases = discover();
  const validators = new Map<string, GatewayValidator>();

  async function validatorFor(limits: Partial<XmlLimits> | undefined): Promise<GatewayValidator> {
    const key = JSON.stringify(limits ?? {});
    let v = validators.get(key);
    if (!v) {
      v = await loadValidator(SCHEMA_ROOT, limits);
      validators.set(key, v);
    }
    return v;
  }

  after(() => validators.forEach((v) => v.close()));

  it('finds valid and invalid samples', () => {
    expect(cases.filter((c) => c.kind === 'valid')).to.not.be.empty;
    expect(cases.filter((c) => c.kind === 'invalid')).to.not.be.empty;
  });

  for (const c of cases.filter((k) => k.kind === 'valid')) {
    it(`${c.standard} accepts valid/${c.name}`, async () => {
      const v = await validatorFor(undefined);
      const result = v.check(readFileSync(c.xml));
      const want = readExpect(c);
      if (want?.header) expect(result.header).to.deep.equal(want.header);
      expect(result.warnings).to.deep.equal(want?.warnings ?? []);
    });
  }

  for (const c of cases.filter((k) => k.kind === 'invalid')) {
    it(`${c.standard} refuses invalid/${c.name}`, async () => {
      const want = readExpect(c);
      expect(want, `${c.expect} is missing`).to.be.an('object');
      const { code, path, limits } = want as { code: string; path?: string; limits?: Partial<XmlLimits> };
      expect(ERROR_CATALOG, `unknown code ${code} in ${c.expect}`).to.have.property(code);
      const v = await validatorFor(limits);
      let thrown: unknown;
      try {
        v.check(readFileSync(c.xml));
      } catch (err) {
        thrown = err;
      }
      expect(thrown, 'the sample was accepted').to.be.instanceOf(GatewayError);
      const err = thrown as GatewayError;
      expect(err.code, err.message).to.equal(code);
      if (code !== 'GW_PAYLOAD_TOO_LARGE') {
        expect(err.issues, 'issues').to.not.be.empty;
        for (const issue of err.issues) expect(issue).to.include.keys('message', 'layer');
      }
      if (path) {
        const paths = err.issues.map((i) => i.path ?? '');
        expect(paths.some((p) => p.includes(path)), `no issue path contains ${path}: ${JSON.stringify(paths)}`).to.equal(true);
      }
    });
  }
});
