import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../gateway/paths.js';

export interface CliResult {
  /** Exit code; null only when the process was killed by a signal. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `zsa-gateway` CLI (`node --import tsx gateway/cli/main.ts …`) as a child
 * process from the package root and collects its output. `ZSA_GATEWAY_URL`, `PORT` and
 * `ZSA_CONFIG` of the test runner are removed so every test names what it talks to.
 * Rejects only when the process cannot be started or runs longer than `timeoutMs`.
 */
export async function runCli(args: string[], o: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', ...o.env };
  for (const k of ['ZSA_GATEWAY_URL', 'PORT', 'ZSA_CONFIG']) if (!o.env || !(k in o.env)) delete env[k];
  const proc = spawn(process.execPath, ['--import', 'tsx', join(PACKAGE_ROOT, 'gateway/cli/main.ts'), ...args], {
    cwd: PACKAGE_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
  proc.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  return new Promise<CliResult>((ok, fail) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      fail(new Error(`zsa-gateway ${args.join(' ')} did not finish in ${o.timeoutMs ?? 60_000} ms\n${stdout}\n${stderr}`));
    }, o.timeoutMs ?? 60_000);
    proc.once('error', (err) => {
      clearTimeout(timer);
      fail(err);
    });
    proc.once('close', (code) => {
      clearTimeout(timer);
      ok({ code, stdout, stderr });
    });
  });
}

/** A readable failure message for an assertion on a CLI result. */
export function show(r: CliResult): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}
