import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sftpConfig } from './filedrop.fixture.js';
import { FileIngress, filedropConfigSchema, LocalDropFs, SftpDropFs, type DropFs, type FiledropConfig } from './index.js';
import { ingressContext, RecordingSink, scansPass, waitFor, WatchedFs } from './ingress.fixture.js';
import { startSftpServer } from './sftp.fixture.js';

const never = new AbortController().signal;
const WRITER = fileURLToPath(new URL('./crash-writer.fixture.ts', import.meta.url));
const INBOX = { patterns: [{ glob: '*.xml', contentType: 'application/xml' }], pollIntervalMs: 50 };

function writer(cfg: unknown, size: number, count: number): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', WRITER, JSON.stringify(cfg), String(size), String(count)], { stdio: ['ignore', 'pipe', 'inherit'] });
}

/** True when a `.part` in `dir` holds some but not all of `size` bytes. */
function halfWritten(dir: string, size: number): boolean {
  return readdirSync(dir).some((f) => {
    const got = f.endsWith('.part') ? statSync(join(dir, f), { throwIfNoEntry: false })?.size : undefined;
    return got !== undefined && got > 0 && got < size;
  });
}

/** What a reader polling `dir` takes: runs an ingress over `fs` for a few scans and returns the payloads it submitted. */
async function whatTheReaderTakes(cfg: FiledropConfig, fs: DropFs): Promise<Buffer[]> {
  const sink = new RecordingSink();
  const watched = new WatchedFs(fs);
  const ingress = new FileIngress(cfg, ingressContext(sink), watched);
  try {
    await ingress.start(never);
    await scansPass(watched, 4);
  } finally {
    await ingress.close();
  }
  return sink.submits.map((s) => s.payload);
}

describe('filedrop: a writer killed mid-write (SIGKILL) leaves no half file visible', () => {
  it('SFTP: the writer stuck in the middle of a file and killed leaves only .<name>.part; the reader takes nothing', async () => {
    const srv = await startSftpServer();
    try {
      mkdirSync(join(srv.root, 'drop'));
      srv.stallAfterBytes = 256 * 1024;
      const child = writer(sftpConfig(srv, '/drop'), 1024 * 1024, 1);
      await waitFor(() => srv.stalled, 'the writer is in the middle of the file', 20_000);
      child.kill('SIGKILL');
      const [, signal] = (await once(child, 'exit')) as [number | null, string | null];
      expect(signal).to.equal('SIGKILL');
      const files = readdirSync(join(srv.root, 'drop'));
      expect(files).to.have.length(1);
      expect(files[0]).to.match(/^\.hund\.anmeldung\.0101-.+\.xml\.part$/);
      expect(statSync(join(srv.root, 'drop', files[0]!)).size).to.be.within(256 * 1024, 1024 * 1024 - 1);
      srv.stallAfterBytes = undefined;
      const cfg = sftpConfig(srv, '/drop', 'password', { inbox: INBOX });
      expect(await whatTheReaderTakes(cfg, new SftpDropFs('/drop', cfg.sftp!))).to.deep.equal([]);
    } finally {
      await srv.close();
    }
  });

  it('local: a writer killed while it writes file after file leaves only complete files under their names; the reader takes exactly those', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zsa-filedrop-crash-'));
    const size = 8 * 1024 * 1024;
    try {
      const child = writer({ dir }, size, 40);
      // kill as soon as a .part is seen half written
      await waitFor(() => halfWritten(dir, size), 'a half-written .part', 60_000);
      child.kill('SIGKILL');
      const [, signal] = (await once(child, 'exit')) as [number | null, string | null];
      expect(signal).to.equal('SIGKILL');
      const visible = readdirSync(dir).filter((f) => !f.startsWith('.'));
      for (const f of visible) {
        const data = readFileSync(join(dir, f));
        expect(data.length, `${f} is complete`).to.equal(size);
        expect(data.every((b) => b === 0x41), `${f} holds only what was written`).to.equal(true);
      }
      expect(readdirSync(dir).filter((f) => f.startsWith('.')).every((f) => f.endsWith('.part'))).to.equal(true);
      const cfg = filedropConfigSchema.parse({ dir, inbox: { ...INBOX, maxBytes: size } });
      const taken = await whatTheReaderTakes(cfg, new LocalDropFs(dir));
      expect(taken).to.have.length(visible.length);
      expect(taken.every((p) => p.length === size)).to.equal(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
