import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnGateway, stopChild, writeConfig, type ChildGateway } from '../support/child-gateway.js';
import { runCli, show } from '../support/cli.js';
import { testConfig } from '../support/gateway.js';
import { hundAnmeldung } from '../support/xzsa-fixtures.js';

/** `zsa-gateway serve` as its own process: health, readiness, clean exit on SIGTERM/SIGINT, refusal of a bad config. */
describe('cli: serve', function () {
  this.timeout(90_000);
  const dirs: string[] = [];
  let child: ChildGateway | null = null;

  afterEach(async () => {
    if (child) await stopChild(child, 'SIGKILL');
    child = null;
  });
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const tempDir = (prefix: string) => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
  /** Starts `serve` with the demo config in a fresh data folder (which also holds the YAML file). */
  async function serve(): Promise<ChildGateway & { dataDir: string }> {
    const cfg = testConfig({ dataDir: tempDir('zsa-serve-') });
    const port = await freePort();
    child = await spawnGateway(writeConfig(cfg, port), port, { LOG_LEVEL: 'info' });
    return { ...child, dataDir: cfg.store.dataDir };
  }

  it('answers /health and /ready, serves the CLI, and exits 0 on SIGTERM after a clean stop', async () => {
    const c = await serve();
    const health = await fetch(`${c.url}/health`);
    expect(health.status).to.equal(200);
    expect(await health.json()).to.deep.equal({ status: 'ok' });
    const ready = await fetch(`${c.url}/ready`);
    expect(ready.status).to.equal(200);
    expect(await ready.json()).to.deep.equal({ status: 'ready' });

    const file = join(c.dataDir, 'anmeldung.xml');
    writeFileSync(file, hundAnmeldung({ ags: '15002000' }));
    const sent = await runCli(['send', file], { env: { ZSA_GATEWAY_URL: c.url } });
    expect(sent.code, show(sent)).to.equal(0);

    const code = await stopChild(c, 'SIGTERM');
    expect(code, c.output()).to.equal(0);
    expect(c.output()).to.contain('"msg":"stopping"');
    expect(c.output()).to.contain('"signal":"SIGTERM"');
    expect(c.output()).to.contain('zsa-gateway stopped');
    child = null;
  });

  it('exits 0 on SIGINT as well', async () => {
    const c = await serve();
    const code = await stopChild(c, 'SIGINT');
    expect(code, c.output()).to.equal(0);
    expect(c.output()).to.contain('"signal":"SIGINT"');
    child = null;
  });

  it('refuses to start with an invalid configuration: every problem listed, exit 2', async () => {
    const dir = tempDir('zsa-serve-bad-');
    const file = join(dir, 'gateway.yaml');
    writeFileSync(file, 'endpoints: [{ id: a, connector: nope }]\nservices: []\nmunicipalities: []\nroutes: []\n');
    const r = await runCli(['serve', '--config', file, '--port', String(await freePort())]);
    expect(r.code, show(r)).to.equal(2);
    expect(r.stderr).to.contain('GW_CONFIG_INVALID');
    // services may be empty (standards without LeiKa need none); an empty route list may not
    expect(r.stderr).to.not.match(/^ {2}services: /m);
    expect(r.stderr).to.match(/^ {2}routes: /m);
  });

  // Pending until gateway/server.ts passes a listen error on: express 5's app.listen calls the
  // listen callback with the error, and startGateway treats that callback as success, so a
  // gateway whose port is taken logs "ready" and keeps running without an HTTP server.
  it('exits ≠ 0 when the port is already in use instead of running without HTTP', async () => {
    const first = await serve();
    const port = Number(new URL(first.url).port);
    const r = await runCli(['serve', '--port', String(port)], { env: { ZSA_DATA_DIR: tempDir('zsa-serve-busy-') }, timeoutMs: 30_000 });
    expect(r.code, show(r)).to.not.equal(0);
    expect(r.stderr + r.stdout).to.contain('EADDRINUSE');
  });
});
