import { expect } from 'chai';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { readStatus } from '../../gateway/agent/status.js';
import { freePort, spawnCli, spawnGateway, stopChild, writeConfig, type ChildGateway } from '../support/child-gateway.js';
import { testConfig, waitFor } from '../support/gateway.js';
import { hundAnmeldung } from '../support/xzsa-fixtures.js';

const MAILBOX = 'fv-15002000-hund';

/**
 * Issue 12's check for the pull agent: it delivers into a local HTTP server across an agent
 * restart (SIGKILL between the local accept and the acknowledgement) and a gateway restart,
 * with nothing lost, nothing delivered twice to the target, and the re-deliveries counted.
 */
describe('pull agent: SIGKILL of the agent and a gateway restart lose nothing', function () {
  this.timeout(300_000);
  const dir = mkdtempSync(join(tmpdir(), 'zsa-agent-restart-'));
  const stateDir = join(dir, 'agent-state');
  const received: string[] = [];
  /** Called by the local target for each message before it answers 201. */
  let onReceive: (distinct: number) => Promise<void> = async () => undefined;
  let target: Server;
  let gw: ChildGateway;
  let gwConfigFile: string;
  let port: number;
  const agents: Array<{ proc: ChildProcess; output: () => string }> = [];

  const send = async (n: number): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const res = await fetch(`${gw.url}/api/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: hundAnmeldung({ ags: '15002000' }) });
      expect(res.status).to.equal(202);
      ids.push(((await res.json()) as { gatewayId: string }).gatewayId);
    }
    return ids;
  };
  const stateAt = async (id: string) => ((await (await fetch(`${gw.url}/api/v1/messages/${id}`)).json()) as { state: string }).state;

  before(async () => {
    target = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const id = String(req.headers['x-gateway-id']);
        const isNew = !received.includes(id);
        received.push(id);
        void (isNew ? onReceive(new Set(received).size) : Promise.resolve()).then(() => res.writeHead(201).end());
      });
    });
    await new Promise<void>((ok) => target.listen(0, '127.0.0.1', () => ok()));
    const targetPort = (target.address() as { port: number }).port;
    const cfg = testConfig({ dataDir: join(dir, 'gateway-data') });
    cfg.mailbox.leaseMs = 1000; // a lease left behind by the killed agent ends soon
    port = await freePort();
    const { mkdirSync } = await import('node:fs');
    mkdirSync(cfg.store.dataDir);
    gwConfigFile = writeConfig(cfg, port);
    gw = await spawnGateway(gwConfigFile, port);
    writeFileSync(
      join(dir, 'agent.yaml'),
      stringify({
        gateway: { url: gw.url, anonymous: true, waitSeconds: 2, timeoutMs: 5000 },
        stateDir,
        mailboxes: [{ mailbox: MAILBOX, targets: [{ kind: 'http', url: `http://127.0.0.1:${targetPort}/inbox` }] }],
        backoff: { initialMs: 100, maxMs: 1000 },
        log: { level: 'warn' },
      }),
    );
  });
  after(async () => {
    for (const a of agents) if (a.proc.exitCode === null && a.proc.signalCode === null) a.proc.kill('SIGKILL');
    if (gw) {
      gw.proc.kill('SIGCONT');
      await stopChild(gw, 'SIGKILL');
    }
    await new Promise<void>((ok) => target.close(() => ok()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers every message exactly once to the target and counts the re-deliveries', async () => {
    const sent = await send(8);

    // Agent 1: the gateway freezes right before the target accepts the 3rd message, so the
    // agent journals it but cannot acknowledge it; then the agent is killed.
    let frozen = false;
    onReceive = async (distinct) => {
      if (distinct === 3 && !frozen) {
        frozen = true;
        gw.proc.kill('SIGSTOP');
      }
    };
    agents.push(spawnCli(['agent', '--config', join(dir, 'agent.yaml')]));
    await waitFor('the 3rd message journaled by agent 1', () => ((readStatus(stateDir)?.delivered ?? 0) >= 3 ? true : undefined), 120_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${agents[0]!.output()}`);
    });
    agents[0]!.proc.kill('SIGKILL');
    gw.proc.kill('SIGCONT');

    // Agent 2: the gateway is restarted while it runs (after the target accepted the 5th message).
    let restarted: Promise<void> | null = null;
    onReceive = async (distinct) => {
      if (distinct === 5 && restarted === null) {
        restarted = (async () => {
          await stopChild(gw, 'SIGTERM');
          gw = await spawnGateway(gwConfigFile, port);
        })();
      }
    };
    agents.push(spawnCli(['agent', '--config', join(dir, 'agent.yaml')]));
    await waitFor('the gateway restart to begin', () => (restarted === null ? undefined : true), 120_000).catch((err: Error) => {
      throw new Error(`${err.message}\nreceived ${received.length}: ${JSON.stringify(readStatus(stateDir))}\n${agents[1]!.output()}`);
    });
    await restarted;
    const later = await send(2); // reach the gateway only after its restart
    const all = [...sent, ...later];

    await waitFor('every message acknowledged', async () => ((await Promise.all(all.map(stateAt))).every((s) => s === 'delivered') ? true : undefined), 120_000, 250).catch((err: Error) => {
      throw new Error(`${err.message}\n${agents[1]!.output()}\n${gw.output()}`);
    });
    expect([...received].sort()).to.deep.equal([...all].sort()); // each exactly once: nothing lost, nothing twice
    const status = readStatus(stateDir)!;
    expect(status.delivered).to.equal(all.length);
    expect(status.duplicates).to.be.at.least(1); // at least the message agent 1 journaled but could not acknowledge
    expect(agents[1]!.proc.exitCode).to.equal(null); // still running: a gateway restart is not fatal
  });
});
