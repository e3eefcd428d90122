import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { createStore } from '../../gateway/store/index.js';

const WRITER = fileURLToPath(new URL('./support/crash-writer.ts', import.meta.url));
/** Kill the writer once this many accepts were confirmed, while it keeps writing. */
const KILL_AFTER = 1500;

describe('SQLite store: crash durability', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'zsa-crash-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every accept whose promise resolved before the process was killed with SIGKILL', async () => {
    const path = join(dir, 'data', 'gateway.db');
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, path], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const confirmed: string[] = [];
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    for await (const line of createInterface({ input: child.stdout })) {
      confirmed.push(line);
      if (confirmed.length === KILL_AFTER) child.kill('SIGKILL');
    }
    expect(await exited, `writer died on its own: ${stderr}`).to.equal('SIGKILL');
    expect(confirmed.length).to.be.at.least(KILL_AFTER);

    const check = new Database(path, { readonly: true });
    try {
      expect(check.pragma('integrity_check', { simple: true })).to.equal('ok');
    } finally {
      check.close();
    }
    const store = await createStore({ kind: 'sqlite', path });
    try {
      const missing: string[] = [];
      for (const id of confirmed) if ((await store.getMessage(id))?.state !== 'queued') missing.push(id);
      expect(missing, 'confirmed but lost').to.deep.equal([]);
      const depth = (await store.outboxDepth())['fv-a'] ?? 0;
      expect(depth).to.equal((await store.countByState())['queued']);
      expect(await store.history(confirmed[confirmed.length - 1]!)).to.have.length(4);
    } finally {
      await store.close();
    }
  });
});
