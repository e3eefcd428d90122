import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { PACKAGE_ROOT } from '../../gateway/paths.js';

/**
 * `npm run bench:mapping` as a smoke run (a few warm-ups, 20 ms rounds): it must print a
 * msg/s line for the Hund application form → XZSA, XZSA → REST JSON and every other mapping
 * under mappings/ (each on a fixture that maps), and its summary line. No figure is asserted:
 * throughput depends on the machine; the README and ADR 0018 record measured ones.
 */
describe('bench:mapping prints mapped messages per second for every mapping', function () {
  this.timeout(120_000);

  it('names the Hund form → XZSA, XML → dialect and every mapping folder, then the summary line', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(PACKAGE_ROOT, 'bench', 'mapping.ts')], {
      cwd: PACKAGE_ROOT, env: { ...process.env, BENCH_SECONDS: '0.02', BENCH_WARMUP: '2' },
    });
    const lines = stdout.trim().split('\n');
    const rate = (name: string) => lines.find((l) => l.trim().startsWith(`${name} `));
    for (const name of readdirSync(join(PACKAGE_ROOT, 'mappings')).filter((d) => existsSync(join(PACKAGE_ROOT, 'mappings', d, 'mapping.yaml')))) {
      expect(rate(name), `${name} in\n${stdout}`).to.match(/ [0-9,]+ msg\/s \([0-9,]+ per CPU s\) /);
    }
    expect(rate('efa-hund-form-to-xzsa')).to.include('json→xml');
    expect(rate('xzsa-to-fv-rest-json')).to.include('xml→json');
    expect(lines[lines.length - 1]).to.match(/^mapping: [1-9][0-9]*\/s form→xzsa, [1-9][0-9]*\/s xzsa→rest-json \(1 core\)$/);
  });
});
