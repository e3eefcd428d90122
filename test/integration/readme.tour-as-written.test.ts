import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnGateway, stopChild, type ChildGateway } from '../support/child-gateway.js';
import { PACKAGE_ROOT } from '../../gateway/paths.js';

/**
 * The README's tour, run as written: its shell block is read from README.md, each command
 * runs in bash from the repository folder against `zsa-gateway serve` with the demo
 * configuration (as `npm start` runs it), in order. The only changes: the port (a free one
 * instead of 8080, also given as $PORT so the CLI finds it) and the `<…>` placeholders,
 * filled from what earlier steps printed — as a reader would. A `# → text` comment is an
 * expectation: the output contains the text (whitespace ignored); `# → exit N` expects that
 * exit code, every other command must exit 0. So the README cannot drift from the product.
 */

interface Step {
  command: string;
  expect: string | null;
  exit: number;
}

/** Commands of the README's tour block: comment lines dropped, `\` continuations joined, `# →` split off. */
export function tourSteps(readme: string): { assignments: string[]; steps: Step[] } {
  const section = readme.slice(readme.indexOf('## A five-minute tour'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('README: no sh block in "A five-minute tour"');
  const lines = block.replace(/\\\n\s*/g, ' ').split('\n');
  const assignments: string[] = [];
  const steps: Step[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (/^[A-Z]+=/.test(line)) {
      assignments.push(line);
      continue;
    }
    const arrow = line.indexOf('# →');
    const command = (arrow >= 0 ? line.slice(0, arrow) : line).trim();
    const note = arrow >= 0 ? line.slice(arrow + 3).trim() : null;
    const exit = note !== null && /^exit \d+$/.test(note) ? Number(note.slice(5)) : 0;
    steps.push({ command, expect: note !== null && exit === 0 && !/^exit \d+$/.test(note) ? note : null, exit });
  }
  return { assignments, steps };
}

/** Where each placeholder's value comes from in the outputs of earlier steps. */
const PLACEHOLDERS: Record<string, RegExp> = {
  token: /^x-lease-token:\s*(\S+)/im,
  item: /^x-mailbox-item:\s*(\S+)/im,
  gatewayId: /"gatewayId"\s*:\s*"([^"]+)"/,
};

const squash = (s: string) => s.replace(/\s+/g, '');

describe('README: the tour runs as written', function () {
  this.timeout(240_000);
  const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');
  let dataDir = '';
  let child: ChildGateway | null = null;
  let port = 0;

  before(async () => {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: PACKAGE_ROOT, stdio: 'pipe' });
    dataDir = mkdtempSync(join(tmpdir(), 'zsa-tour-'));
    port = await freePort();
    child = await spawnGateway(join(PACKAGE_ROOT, 'gateway/config/demo.yaml'), port, { PORT: String(port), ZSA_DATA_DIR: dataDir, ZSA_CHILD_COMPILED: '1' });
  });
  after(async () => {
    if (child) await stopChild(child, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the set-up names the two commands and the tour uses the CLI the way the README documents it', () => {
    expect(readme).to.match(/npm install && npm start/);
    expect(readme).to.match(/^npm test\b/m);
    const { assignments, steps } = tourSteps(readme);
    expect(assignments).to.include('Z="npx zsa-gateway"');
    expect(steps.length).to.be.greaterThan(10);
  });

  it('every tour command succeeds and prints what its comment promises', () => {
    const { assignments, steps } = tourSteps(readme);
    const outputs: string[] = [];
    for (const step of steps) {
      let command = step.command.replaceAll('localhost:8080', `localhost:${port}`);
      // only the named placeholders: `<x>` in step 8 is the (broken) XML itself
      command = command.replace(new RegExp(`<(${Object.keys(PLACEHOLDERS).join('|')})>`, 'g'), (_m, name: string) => {
        const re = PLACEHOLDERS[name]!;
        const found = [...outputs].reverse().map((o) => re.exec(o)?.[1]).find((v) => v !== undefined);
        if (!found) throw new Error(`README tour: no earlier step printed a value for <${name}> (${step.command})`);
        return found;
      });
      const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port) };
      delete env['ZSA_GATEWAY_URL'];
      const r = spawnSync('bash', ['-c', `${assignments.join('\n')}\n${command}`], {
        cwd: PACKAGE_ROOT,
        env,
        encoding: 'utf8',
        timeout: 60_000,
      });
      const out = `${r.stdout}${r.stderr}`;
      outputs.push(out);
      expect(r.status, `${step.command}\n${out}\n${child?.output() ?? ''}`).to.equal(step.exit);
      if (step.expect) expect(squash(out), `${step.command} should print ${step.expect}\n${out}`).to.contain(squash(step.expect));
    }
  });
});
