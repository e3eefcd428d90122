import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { benchRoutes, buildGatewayConfig, BENCH_TARGETS } from '../../bench/compare.js';
import { validateConfig } from '../../gateway/config/load.js';
import { PACKAGE_ROOT } from '../../gateway/paths.js';
import { CONNECTORS } from '../../connectors/index.js';

/**
 * `npm run bench:compare`'s pieces start and print their lines. No figure is asserted (times
 * belong to the benchmark), only that the bench's own counting holds: every 2xx message is
 * found in a queue, and the closing lines are there.
 */
describe('bench:compare (smoke, RabbitMQ)', function () {
  this.timeout(60_000);

  it('gives the gateway the demo configuration with four Hund endpoints on RabbitMQ, each with its own durable queue', () => {
    const routes = benchRoutes('smoke');
    const cfg = validateConfig(buildGatewayConfig(routes, '/tmp/not-used', 8080), CONNECTORS);
    const queues = BENCH_TARGETS.map((t) => {
      const e = cfg.endpoints.find((x) => x.id === t.endpoint);
      expect(e?.connector, t.endpoint).to.equal('amqp091');
      return ((e!.config as { queues: Array<{ name: string }> }).queues[0]!).name;
    });
    expect(new Set(queues).size).to.equal(4);
    // the rest stays the demo's: the other endpoints are still mailboxes
    expect(cfg.endpoints.filter((e) => e.connector === 'mailbox').length).to.equal(cfg.endpoints.length - 4);
    expect(cfg.municipalities.find((m) => m.ags === '15003000')?.delegations['hund']).to.equal('none');
  });

  it('runs floor and durable floor for a second each and ends with both ratio lines', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(PACKAGE_ROOT, 'bench/compare.ts'), '--seconds', '1', '--only', 'floor,durable'], { cwd: PACKAGE_ROOT, timeout: 55_000 });
    const lines = stdout.trim().split('\n');
    for (const name of ['floor', 'durable-floor']) {
      const l = lines.find((x) => x.startsWith(`${name} `));
      expect(l, `${name} line in:\n${stdout}`).to.match(/\d+ msg\/s .* errors 0 lost 0 dup 0 .* event-loop max \d+ ms$/);
      const [, ok, inQueues] = /2xx (\d+) in-queues (\d+)/.exec(l!)!;
      expect(Number(ok)).to.be.greaterThan(0);
      expect(inQueues).to.equal(ok);
    }
    expect(lines.at(-1)).to.equal('ratio-to-floor: n/a'); // no gateway in this run
    expect(lines).to.include('ratio-to-durable-floor: n/a');
  });
});
