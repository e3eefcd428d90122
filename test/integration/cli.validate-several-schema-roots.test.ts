import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../gateway/paths.js';
import { runCli, show, type CliResult } from '../support/cli.js';

/**
 * `zsa-gateway validate` takes several schema roots, as `serve` does: `--schemas` repeated, or
 * the roots of a configuration (`--config`); before, a repeated `--schemas` kept only the
 * last. A standard without AGS prints no empty `AGS ` clause.
 */
const XZSA = join(PACKAGE_ROOT, 'schemas-xoev/xzsa/1.0/samples/valid/hund.anmeldung.0101.xml');
const XBET = join(PACKAGE_ROOT, 'test/fixtures/xoev/xbeteiligung/1.2/samples/valid/xbeteiligung-test-kommunal.Initiieren.0401.xml');
const FIXTURES = join(PACKAGE_ROOT, 'test/fixtures/xoev');

describe('cli: validate with several schema roots', function () {
  this.timeout(120_000);
  let tmp: string;
  const run: Record<string, CliResult> = {};

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'zsa-cli-roots-'));
    const demo = readFileSync(join(PACKAGE_ROOT, 'gateway/config/demo.yaml'), 'utf8');
    expect(demo).to.not.match(/^schemas:/m);
    const config = join(tmp, 'two-roots.yaml');
    writeFileSync(config, `${demo}\nschemas:\n  roots: ['./schemas-xoev', '${FIXTURES}']\n`);
    const runs: Record<string, string[]> = {
      repeated: ['validate', '--schemas', join(PACKAGE_ROOT, 'schemas-xoev'), '--schemas', FIXTURES, XZSA, XBET],
      onlyLast: ['validate', '--schemas', FIXTURES, XZSA],
      config: ['validate', '--config', config, XZSA, XBET],
    };
    await Promise.all(Object.entries(runs).map(async ([name, args]) => {
      run[name] = await runCli(args);
    }));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('--schemas repeated loads every root: messages of both standards are valid', () => {
    const r = run['repeated'] as CliResult;
    expect(r.code, show(r)).to.equal(0);
    expect(r.stdout).to.contain(`${XZSA}: valid hund.anmeldung.0101`).and.contain(`${XBET}: valid kommunal.Initiieren.0401`);
  });

  it('a standard without AGS prints no empty AGS clause', () => {
    const line = (run['repeated'] as CliResult).stdout.split('\n').find((l) => l.startsWith(`${XBET}: `)) ?? '';
    expect(line).to.match(/\(xyz:0001 → xyz:0002\)/);
    expect(line).to.not.match(/AGS \)|AGS ,| {2}/);
  });

  it('one root only knows its own standards (the namespace of the other is refused)', () => {
    const r = run['onlyLast'] as CliResult;
    expect(r.code, show(r)).to.equal(1);
    expect(r.stdout).to.contain('GW_UNKNOWN_MESSAGE_TYPE');
  });

  it('--config takes the roots from schemas.roots', () => {
    const r = run['config'] as CliResult;
    expect(r.code, show(r)).to.equal(0);
    expect(r.stdout.match(/: valid /g)).to.have.length(2);
  });
});
