import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { GatewayConfig } from '../../gateway/config/schema.js';
import { PACKAGE_ROOT } from '../../gateway/paths.js';

/** A free TCP port on 127.0.0.1 (asked from the OS, then released). */
export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => ok(port));
    });
  });
}

export interface ChildGateway {
  proc: ChildProcess;
  url: string;
  /** stderr+stdout tail, for failure messages. */
  output(): string;
}

/** Writes the config as YAML next to its data folder and returns the file name. */
export function writeConfig(cfg: GatewayConfig, port: number): string {
  const file = join(cfg.store.dataDir, 'gateway.yaml');
  writeFileSync(file, stringify({ ...cfg, server: { ...cfg.server, port, host: '127.0.0.1' } }));
  return file;
}

/** Runs `zsa-gateway <args…>` as a separate process, keeping the tail of its stdout+stderr. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}, nodeArgs: string[] = []): { proc: ChildProcess; output(): string } {
  // ZSA_CHILD_COMPILED=1 runs the compiled gateway (`npm run build`), as in production; otherwise the sources through tsx.
  const entry = process.env['ZSA_CHILD_COMPILED'] === '1' ? [join(PACKAGE_ROOT, 'dist/gateway/cli/main.js')] : ['--import', 'tsx', join(PACKAGE_ROOT, 'gateway/cli/main.ts')];
  const proc = spawn(process.execPath, [...nodeArgs, ...entry, ...args], {
    cwd: PACKAGE_ROOT,
    env: { ...process.env, LOG_LEVEL: process.env['CHILD_LOG_LEVEL'] ?? 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString('utf8')).slice(-8000);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  return { proc, output: () => out };
}

/** Starts `zsa-gateway serve` as a separate process and resolves once /ready answers 200. */
export async function spawnGateway(configFile: string, port: number, env: NodeJS.ProcessEnv = {}, nodeArgs: string[] = []): Promise<ChildGateway> {
  const { proc, output } = spawnCli(['serve', '--config', configFile], env, nodeArgs);
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`gateway exited with ${proc.exitCode}: ${output()}`);
    try {
      const res = await fetch(`${url}/ready`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) {
      proc.kill('SIGKILL');
      throw new Error(`gateway did not become ready: ${output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { proc, url, output };
}

/** Sends a signal and waits for the process to exit. */
export async function stopChild(c: ChildGateway, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (c.proc.exitCode !== null || c.proc.signalCode !== null) return c.proc.exitCode;
  const exited = new Promise<number | null>((ok) => c.proc.once('exit', (code) => ok(code)));
  c.proc.kill(signal);
  return exited;
}
