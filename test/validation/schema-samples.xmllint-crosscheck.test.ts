/**
 * Independent cross-check of the shipped schemas with the native xmllint (skipped where it
 * is not installed): valid samples validate, samples expected to fail with GW_XSD_INVALID
 * fail. xmllint runs with --nonet and the set's catalog, so it also proves the catalog
 * works for a second, unrelated resolver.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { parse as parseYaml } from 'yaml';

const ROOTS = [
  fileURLToPath(new URL('../../schemas-xoev/', import.meta.url)),
  fileURLToPath(new URL('../fixtures/xoev/', import.meta.url)),
];
const HAS_XMLLINT = spawnSync('xmllint', ['--version']).status === 0;

/** File → whether xmllint says it validates. */
function xmllint(entry: string, catalog: string | undefined, files: string[]): Map<string, boolean> {
  const env = { ...process.env, XML_CATALOG_FILES: catalog ?? '' };
  const run = spawnSync('xmllint', ['--nonet', '--noout', '--schema', entry, ...files], { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const verdicts = new Map<string, boolean>();
  for (const line of run.stderr.split('\n')) {
    const m = /^(.*) (validates|fails to validate)$/.exec(line);
    if (m?.[1]) verdicts.set(m[1], m[2] === 'validates');
  }
  return verdicts;
}

describe('schema samples, cross-checked with xmllint', function () {
  before(function () {
    if (!HAS_XMLLINT) this.skip();
  });

  for (const root of ROOTS) for (const std of readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory())) {
    for (const ver of readdirSync(join(root, std.name), { withFileTypes: true }).filter((e) => e.isDirectory())) {
      const dir = join(root, std.name, ver.name);
      if (!existsSync(join(dir, 'standard.yaml'))) continue;
      it(`${std.name}/${ver.name}: xmllint agrees on the valid and the XSD-invalid samples`, () => {
        const d = parseYaml(readFileSync(join(dir, 'standard.yaml'), 'utf8')) as { entry: string; catalog?: string };
        const catalog = d.catalog ? join(dir, d.catalog) : undefined;
        const pick = (kind: string, keep: (f: string) => boolean): string[] => {
          const sub = join(dir, 'samples', kind);
          return existsSync(sub) ? readdirSync(sub).filter((f) => f.endsWith('.xml') && keep(f)).map((f) => join(sub, f)) : [];
        };
        const valid = pick('valid', () => true);
        const xsdInvalid = pick('invalid', (f) => {
          const expectFile = join(dir, 'samples', 'invalid', f.replace(/\.xml$/, '.expect.json'));
          return existsSync(expectFile) && (JSON.parse(readFileSync(expectFile, 'utf8')) as { code: string }).code === 'GW_XSD_INVALID';
        });
        const verdicts = xmllint(join(dir, d.entry), catalog, [...valid, ...xsdInvalid]);
        for (const f of valid) expect(verdicts.get(f), f).to.equal(true);
        for (const f of xsdInvalid) expect(verdicts.get(f), f).to.equal(false);
      });
    }
  }
});
