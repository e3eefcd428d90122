import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../gateway/paths.js';

/** `npm run bench:fitconnect` with a tiny N prints its two lines (figures are not asserted: benchmarks print, tests do not time). */
describe('bench:fitconnect smoke', function () {
  this.timeout(180_000);

  it('prints msg/s with p50/p99, main-thread and CPU time per submission, and the crypto share', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(PACKAGE_ROOT, 'bench/fitconnect.ts')], {
      cwd: PACKAGE_ROOT,
      env: { ...process.env, BENCH_SUBMISSIONS: '3', BENCH_SENDERS: '2', LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      timeout: 170_000,
    });
    expect(r.status, `${r.stdout}\n${r.stderr}`).to.equal(0);
    expect(r.stdout).to.match(/^fitconnect: 3 submissions .*2 concurrent senders: [\d.]+ msg\/s, p50 \d+ ms, p99 \d+ ms per submission$/m);
    expect(r.stdout).to.match(/^per submission: [\d.]+ ms busy on the main thread \(event loop\), [\d.]+ ms CPU in all threads; load average [\d.]+ on \d+ cores$/m);
    expect(r.stdout).to.match(/^crypto alone: [\d.]+ ms per submission .* = \d+ % of the [\d.]+ ms wall time per completed submission$/m);
  });
});
