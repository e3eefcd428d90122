/**
 * Runs every fixture of every mapping folder: `mappings/<name>/fixtures/<case>.input.<ext>`
 * with either
 *   <case>.expected.<ext>  — the output must equal it (XML without whitespace between tags,
 *                            JSON deeply, CSV/fixed byte for byte), or
 *   <case>.error.json      — `{ "code", "rule", "path"? }`: the run must fail so.
 * Adding a case is adding files; no code. Each mapping folder also needs a README.md and
 * at least one case.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { loadAll, MAPPINGS_DIR, normaliseXml, rejection } from './support.js';

interface Case { mapping: string; name: string; input: string; expected?: string; error?: string }

function discover(): Case[] {
  const cases: Case[] = [];
  for (const mapping of readdirSync(MAPPINGS_DIR, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
    const dir = join(MAPPINGS_DIR, mapping, 'fixtures');
    const files = existsSync(dir) ? readdirSync(dir).sort() : [];
    for (const input of files.filter((f) => /\.input\.\w+$/.test(f))) {
      const name = input.replace(/\.input\.\w+$/, '');
      const expected = files.find((f) => f.startsWith(`${name}.expected.`));
      const error = files.find((f) => f === `${name}.error.json`);
      cases.push({ mapping, name, input: join(dir, input), expected: expected && join(dir, expected), error: error && join(dir, error) });
    }
  }
  return cases;
}

const cases = discover();
const folders = readdirSync(MAPPINGS_DIR, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);

describe('mapping golden fixtures (mappings/*/fixtures)', () => {
  it('every mapping folder has a README.md and at least one case', () => {
    for (const f of folders) {
      expect(existsSync(join(MAPPINGS_DIR, f, 'README.md')), `${f}/README.md`).to.equal(true);
      expect(cases.filter((c) => c.mapping === f), `${f} cases`).to.not.be.empty;
    }
  });

  it('every folder is a compiled mapping', async () => {
    const { registry } = await loadAll();
    expect(registry.names()).to.deep.equal([...folders].sort());
  });

  for (const c of cases) {
    it(`${c.mapping}: ${c.name}`, async () => {
      expect(Boolean(c.expected) !== Boolean(c.error), 'exactly one of .expected.* and .error.json').to.equal(true);
      const { registry } = await loadAll();
      const mapping = registry.get(c.mapping);
      expect(mapping, c.mapping).to.not.equal(undefined);
      const input = readFileSync(c.input);
      if (c.error) {
        const want = JSON.parse(readFileSync(c.error, 'utf8')) as { code: string; rule: string; path?: string };
        const err = await rejection(mapping!.run(input));
        expect(err.code).to.equal(want.code);
        expect(err.extra).to.include({ mapping: c.mapping, rule: want.rule });
        if (want.path) expect(String(err.extra.path)).to.include(want.path);
        return;
      }
      const out = await mapping!.run(input);
      expect(out.format).to.equal(mapping!.to.format);
      const got = out.body.toString('utf8');
      const expected = readFileSync(c.expected!, 'utf8');
      if (out.format === 'xml') expect(normaliseXml(got)).to.equal(normaliseXml(expected));
      else if (out.format === 'json') expect(JSON.parse(got)).to.deep.equal(JSON.parse(expected));
      else expect(got.replace(/\r\n/g, '\n')).to.equal(expected.replace(/\r\n/g, '\n'));
    });
  }
});
