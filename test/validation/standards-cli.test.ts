/**
 * `zsa-gateway standards list|check`: what was loaded, and every problem of a broken
 * standard folder at once. Runs the command functions and a Commander program with the
 * commands registered; once gateway/cli/main.ts registers them, also the real CLI.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { Command } from 'commander';
import { checkStandard, listStandards, registerStandardsCommands } from '../../gateway/cli/standards.js';
import { discoverSamples } from '../../gateway/validation/samples.js';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const SCHEMAS = here('../../schemas-xoev/');
const FIXTURES = here('../fixtures/xoev/');
const BROKEN_ROOT = here('../fixtures/xoev-broken/');
const BROKEN = here('../fixtures/xoev-broken/demo/1.0/');
const XBETEILIGUNG = here('../fixtures/xoev/xbeteiligung/1.2/');

/** Every problem planted in the broken fixture (see the comments in its standard.yaml), as a pattern. */
const PLANTED: Array<[string, RegExp]> = [
  ['descriptor schema: unknown field', /Unrecognized key: "colour"/],
  ['descriptor schema: bad strictness value', /expected one of "reject"\|"warn".*#\/strictness\/xsd/],
  ['header field located by neither preset nor descriptor', /header\.vorgangId: neither preset/],
  ['header field located by neither preset nor descriptor', /header\.leika: neither preset/],
  ['header field located by neither preset nor descriptor', /header\.ags: neither preset/],
  ['message type not in the XSD', /demo\.fehlt\.0002 is not a global element/],
  ['import mapped by the catalog to a missing file', /unresolved schema reference https:\/\/demo\.example\/basis\/1\.0\/basis\.xsd: the catalog maps it to .*basis-fehlt\.xsd/],
  ['import the catalog does not map', /unresolved schema reference https:\/\/demo\.example\/extra\/1\.0\/extra\.xsd: neither the catalog/],
  ['XSD does not compile', /the XSD set does not compile/],
  ['genericode file unreadable', /kaputt\.xml: not readable genericode/],
  ['genericode list held twice', /holds urn:example:demo:codeliste:farbe version 1 again/],
  ['listed code list file missing', /code list .*codelists-missing\/liste\.xml does not exist/],
  ['rule names an unknown message type', /rule demo\.betrag-pflicht names demo\.unbekannt\.0003/],
  ['rule expression does not compile', /rules\[1\] demo\.kaputt test: /],
];

describe('standards CLI (gateway/cli/standards.ts)', () => {
  it('check lists every planted problem of a broken standard folder at once and exits 1', async () => {
    const { lines, exitCode } = await checkStandard(BROKEN);
    const text = lines.join('\n');
    expect(exitCode).to.equal(1);
    for (const [what, pattern] of PLANTED) expect(text, what).to.match(pattern);
    expect(text).to.match(/\d+ problem\(s\):/);
  });

  it('check --json gives the same problems, structured', async () => {
    const { lines } = await checkStandard(BROKEN, true);
    const report = JSON.parse(lines.join('')) as { ok: boolean; problems: Array<{ message: string; layer: string }> };
    expect(report.ok).to.equal(false);
    const messages = report.problems.map((p) => `${p.message} ${JSON.stringify(p)}`).join('\n');
    for (const [what, pattern] of PLANTED) expect(messages, what).to.match(pattern);
  });

  it('check passes the XBeteiligung test standard and shows its code lists', async () => {
    const { lines, exitCode } = await checkStandard(XBETEILIGUNG);
    const text = lines.join('\n');
    expect(exitCode, text).to.equal(0);
    expect(text).to.contain('ok: no problems').and.contain('urn:xoev-de:xleitstelle:codeliste:planartkommunal 1');
    const valid = discoverSamples(XBETEILIGUNG).filter((c) => c.kind === 'valid').length;
    const invalid = discoverSamples(XBETEILIGUNG).length - valid;
    expect(valid).to.be.greaterThan(0);
    expect(invalid).to.be.greaterThan(0);
    expect(text).to.contain(`samples: ${valid} valid, ${invalid} invalid; ${valid + invalid} behaved as expected`);
  });

  it('check runs the folder\'s own samples: a preset that cannot read them, or a sample refused otherwise than expected, fails with file and reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zsa-standards-check-'));
    try {
      cpSync(XBETEILIGUNG, dir, { recursive: true });
      const yamlFile = join(dir, 'standard.yaml');
      const yaml = readFileSync(yamlFile, 'utf8');
      // a header profile that looks fine on its own but cannot read this standard's messages
      writeFileSync(yamlFile, yaml.replace('vorgangId: xbet:nachrichteninhalt/xbet:vorgangsID', 'vorgangId: xbet:nachrichteninhalt/xbet:vorgangsId'));
      const misread = await checkStandard(dir);
      const text = misread.lines.join('\n');
      expect(misread.exitCode, text).to.equal(1);
      expect(text).to.match(/sample valid\/example402FromCockpit\.xml: was refused with GW_ROUTING_KEY_MISSING: .*vorgangId/);
      // every valid sample is refused; only invalid ones refused before the header is read still behave
      const valid = discoverSamples(XBETEILIGUNG).filter((c) => c.kind === 'valid').length;
      expect(text).to.match(new RegExp(`samples: ${valid} valid, \\d+ invalid; 2 behaved as expected`));
      // the profile restored, one invalid sample expecting another refusal than it gets
      writeFileSync(yamlFile, yaml);
      const expectFile = join(dir, 'samples/invalid/03-bad-uuid-pattern.expect.json');
      writeFileSync(expectFile, JSON.stringify({ ...JSON.parse(readFileSync(expectFile, 'utf8')), code: 'GW_HEADER_INVALID' }));
      const wrongCode = await checkStandard(dir);
      expect(wrongCode.exitCode).to.equal(1);
      expect(wrongCode.lines.filter((l) => l.includes('[samples]'))).to.have.length(1);
      expect(wrongCode.lines.join('\n')).to.match(/sample invalid\/03-bad-uuid-pattern\.xml: was refused with GW_XSD_INVALID, expected GW_HEADER_INVALID/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('list shows every standard loaded from several roots: namespaces, message types, code lists, compile time', async () => {
    const { lines, exitCode } = await listStandards([SCHEMAS, FIXTURES]);
    const text = lines.join('\n');
    expect(exitCode, text).to.equal(0);
    expect(text).to.contain('XZSA 1.0  urn:zsa-gateway:xzsa:1.0').and.contain('XBeteiligung 1.2  https://www.xleitstelle.de/xbeteiligung/12');
    expect(text).to.contain('kommunal.Aktualisieren.0402').and.contain('xbeteiligung-nachrichten 1.1');
    expect(text).to.match(/XSD compiled in \d+\.\d ms/).and.contain('strictness: xsd reject, identity warn');
    const json = JSON.parse((await listStandards([SCHEMAS, FIXTURES], true)).lines.join('')) as { standards: Array<{ standard: string; version: string }> };
    expect(json.standards.map((s) => `${s.standard} ${s.version}`)).to.have.members(['XZSA 1.0', 'XZSA 1.1', 'XBeteiligung 1.2']);
  });

  it('list exits 1 with the problems when a root holds a broken standard', async () => {
    const { lines, exitCode } = await listStandards([SCHEMAS, BROKEN_ROOT]);
    expect(exitCode).to.equal(1);
    expect(lines.join('\n')).to.contain('could not load').and.match(/demo\.fehlt\.0002/);
  });

  it('registers `standards list` and `standards check` on a Commander program', async () => {
    const out: string[] = [];
    let code = -1;
    const program = new Command().exitOverride();
    registerStandardsCommands(program, { out: (l) => out.push(l), setExitCode: (c) => { code = c; } });
    await program.parseAsync(['standards', 'check', BROKEN], { from: 'user' });
    expect(code).to.equal(1);
    expect(out.join('\n')).to.match(/kaputt\.xml: not readable genericode/);
    out.length = 0;
    await program.parseAsync(['standards', 'list', '--schemas', SCHEMAS, FIXTURES], { from: 'user' });
    expect(code).to.equal(0);
    expect(out.join('\n')).to.contain('3 standard version(s) loaded');
  });

  const MAIN = here('../../gateway/cli/main.ts');
  const wired = readFileSync(MAIN, 'utf8').includes('registerStandardsCommands');
  (wired ? it : it.skip)('runs through the real CLI (zsa-gateway standards check)', function () {
    this.timeout(60_000);
    const run = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'standards', 'check', BROKEN], { encoding: 'utf8', cwd: here('../../') });
    expect(run.status, run.stderr).to.equal(1);
    for (const [what, pattern] of PLANTED) expect(run.stdout, what).to.match(pattern);
  });
});
