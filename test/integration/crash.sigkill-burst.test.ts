import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { deleteTopology, drainQueue, testTopology } from '../support/amqp.js';
import { freePort, spawnGateway, stopChild, writeConfig, type ChildGateway } from '../support/child-gateway.js';
import { testConfig, waitFor } from '../support/gateway.js';
import { hundAnmeldung } from '../support/xzsa-fixtures.js';

const TOTAL = 1000;
const KILL_AFTER = 300; // SIGKILL once this many messages got their 202
const CONCURRENCY = 24;

describe('crash safety: SIGKILL during a burst loses no accepted message', function () {
  this.timeout(300_000);
  const topo = testTopology('crash');
  const cfg = testConfig({ endpoints: { 'zsa-hund': { connector: 'amqp091', config: topo.endpointConfig } } });
  let child: ChildGateway | null = null;

  after(async () => {
    if (child) await stopChild(child, 'SIGKILL');
    await deleteTopology(topo);
    rmSync(cfg.store.dataDir, { recursive: true, force: true });
  });

  it(`every message answered 202 reaches the ZSA queue after a restart (${TOTAL} messages)`, async () => {
    const port = await freePort();
    const file = writeConfig(cfg, port);
    child = await spawnGateway(file, port);
    const accepted = new Set<string>(); // gateway ids answered 202
    let refused = 0; // requests cut off by the crash (no 202: the sender would resend)
    let next = 0;
    let killed = false;

    const sendOne = async (url: string) => {
      const xml = hundAnmeldung({ ags: '15003000' });
      try {
        const res = await fetch(`${url}/api/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: xml });
        if (res.status === 202) accepted.add(((await res.json()) as { gatewayId: string }).gatewayId);
        else refused += 1;
      } catch {
        refused += 1;
      }
    };
    const burst = async (url: string, stopAt: number) => {
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < stopAt) {
            next += 1;
            await sendOne(url);
            if (!killed && accepted.size >= KILL_AFTER) {
              killed = true;
              child!.proc.kill('SIGKILL');
            }
          }
        }),
      );
    };

    await burst(child.url, TOTAL);
    expect(killed, 'the gateway was killed mid-burst').to.equal(true);
    await new Promise<void>((ok) => (child!.proc.exitCode !== null || child!.proc.signalCode !== null ? ok() : child!.proc.once('exit', () => ok())));
    const beforeRestart = accepted.size;

    // Restart on the same data folder; the sender resends what was cut off.
    child = await spawnGateway(file, port);
    await burst(child.url, next + (TOTAL - accepted.size));

    const arrivals = new Map<string, number>();
    await waitFor(
      `all ${accepted.size} accepted messages in RabbitMQ`,
      async () => {
        for (const m of await drainQueue(topo.queue)) if (m.messageId) arrivals.set(m.messageId, (arrivals.get(m.messageId) ?? 0) + 1);
        return [...accepted].every((id) => arrivals.has(id)) ? true : undefined;
      },
      120_000,
      250,
    );
    const lost = [...accepted].filter((id) => !arrivals.has(id)).length;
    const duplicates = [...arrivals.values()].reduce((s, n) => s + (n - 1), 0);
    console.log(`      crash: accepted ${accepted.size} (${beforeRestart} before the kill, ${refused} cut off) arrived ${arrivals.size} duplicates ${duplicates} lost ${lost}`);
    expect(lost).to.equal(0);
    expect(accepted.size).to.be.greaterThan(beforeRestart);
  });
});
