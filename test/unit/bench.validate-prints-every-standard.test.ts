import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { PACKAGE_ROOT } from '../../gateway/paths.js';

/**
 * `npm run bench:validate` as a smoke run (a few warm-ups, 10 ms per sample): it must print,
 * for every standard under schemas-xoev/ and test/fixtures/xoev/, a line per valid sample with
 * the parse + XSD rate, the full check's rate and their ratio, and its closing line. No figure
 * is asserted: throughput depends on the machine; the README and ADR 0035 record measured ones.
 */
describe('bench:validate prints parse + XSD, full check and their ratio per standard and sample', function () {
  this.timeout(180_000);

  it('names XZSA 1.0, XZSA 1.1 and XBeteiligung 1.2 samples, the synthetic 8 KB messages and the closing line', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(PACKAGE_ROOT, 'bench', 'validate.ts')], {
      cwd: PACKAGE_ROOT, env: { ...process.env, BENCH_SECONDS: '0.01', BENCH_WARMUP: '2' }, maxBuffer: 4 * 1024 * 1024,
    });
    const lines = stdout.trim().split('\n');
    const rate = /parse\+XSD +[0-9,]+\/s \([0-9,]+\) +full +[0-9,]+\/s \([0-9,]+\) +ratio [0-9]+\.[0-9]{2}$/;
    for (const sample of ['XZSA 1.0 hund.anmeldung.0101.xml', 'XZSA 1.1 wohngeld.antrag.0201.xml', 'XBeteiligung 1.2 example402FromCockpit.xml',
      'XZSA 1.0 synthetic 8 KB hund.anmeldung.0101', 'XZSA 1.0 synthetic 8 KB element-rich wohngeld.antrag.0201']) {
      const line = lines.find((l) => l.trim().startsWith(`${sample} `));
      expect(line, `${sample} in\n${stdout}`).to.match(rate);
    }
    expect(lines[lines.length - 1]).to.match(/^validate: full\/parse\+XSD ratio min [0-9]+\.[0-9]{2} \(.+\), 8 KB XZSA hund\.anmeldung full check [1-9][0-9]*\/s per CPU s \(1 thread\)$/);
  });
});
