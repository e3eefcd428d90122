import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileIngress, filedropConfigSchema, LocalDropFs, TOO_LARGE_CODE, type FiledropConfig } from './index.js';
import { gate, ingressContext, RecordingSink, scansPass, storeAfter, waitFor, WatchedFs } from './ingress.fixture.js';

const never = new AbortController().signal;
const PATTERNS = [
  { glob: '*.csv', contentType: 'text/csv; charset=utf-8' },
  { glob: '*.xml', contentType: 'application/xml' },
];

interface Inbox {
  dir: string;
  sink: RecordingSink;
  fs: WatchedFs;
  ingress: FileIngress;
  /** Closes this ingress and starts a fresh one over the same inbox and sink (a gateway restart). */
  restart(): Promise<void>;
  cleanup(): Promise<void>;
}

function config(dir: string, extra: Partial<FiledropConfig> = {}, inbox: Record<string, unknown> = {}): FiledropConfig {
  return filedropConfigSchema.parse({ dir, ...extra, inbox: { patterns: PATTERNS, pollIntervalMs: 50, retryBaseMs: 50, retryMaxMs: 200, ...inbox } });
}

async function inbox(extra: Partial<FiledropConfig> = {}, inboxExtra: Record<string, unknown> = {}): Promise<Inbox> {
  const dir = mkdtempSync(join(tmpdir(), 'zsa-inbox-'));
  const sink = new RecordingSink();
  const cfg = config(dir, extra, inboxExtra);
  const box: Inbox = {
    dir,
    sink,
    fs: new WatchedFs(new LocalDropFs(dir)),
    ingress: undefined as unknown as FileIngress,
    async restart() {
      await box.ingress.close();
      box.fs = new WatchedFs(new LocalDropFs(dir));
      box.ingress = new FileIngress(cfg, ingressContext(sink), box.fs);
      await box.ingress.start(never);
    },
    async cleanup() {
      await box.ingress.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  box.ingress = new FileIngress(cfg, ingressContext(sink), box.fs);
  await box.ingress.start(never);
  return box;
}

const ls = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).sort() : []);

describe('filedrop ingress (local inbox)', () => {
  it('takes each matching file exactly once with its pattern\'s media type and moves it to processed/; leaves dot, .part and unmatched files', async () => {
    const box = await inbox();
    try {
      writeFileSync(join(box.dir, 'HST-RUECK-1.csv'), 'SATZART;X\nRA;1\n');
      writeFileSync(join(box.dir, 'antwort-2.xml'), '<a/>');
      writeFileSync(join(box.dir, '.HST-RUECK-3.csv.part'), 'SATZART;half');
      writeFileSync(join(box.dir, '.hidden.csv'), 'x');
      writeFileSync(join(box.dir, 'notes.txt'), 'not for the gateway');
      await waitFor(() => ls(join(box.dir, 'processed')).length === 2, 'two files processed');
      await scansPass(box.fs);
      expect(box.sink.submits.map((s) => [s.remote, s.contentType]).sort()).to.deep.equal([
        [`filedrop:filedrop-in-${process.pid}/HST-RUECK-1.csv`, 'text/csv; charset=utf-8'],
        [`filedrop:filedrop-in-${process.pid}/antwort-2.xml`, 'application/xml'],
      ]);
      expect(ls(join(box.dir, 'processed'))).to.deep.equal(['HST-RUECK-1.csv', 'antwort-2.xml']);
      expect(readFileSync(join(box.dir, 'processed', 'HST-RUECK-1.csv'), 'utf8')).to.equal('SATZART;X\nRA;1\n');
      expect(ls(box.dir)).to.deep.equal(['.HST-RUECK-3.csv.part', '.hidden.csv', 'notes.txt', 'processed', 'rejected']);
      expect(box.ingress.health().status).to.equal('up');
    } finally {
      await box.cleanup();
    }
  });

  it('a file the gateway could not decide on stays in the inbox and is offered again, then processed once', async () => {
    const box = await inbox();
    try {
      box.sink.decide = () => 'undecided';
      writeFileSync(join(box.dir, 'a.xml'), '<a/>');
      await waitFor(() => box.sink.submits.length >= 2, 'offered twice');
      expect(ls(box.dir)).to.include('a.xml');
      expect(ls(join(box.dir, 'processed'))).to.deep.equal([]);
      box.sink.decide = () => 'store';
      await waitFor(() => ls(join(box.dir, 'processed')).length === 1, 'processed after healing');
      expect(box.sink.outcomes).to.deep.equal([{ outcome: 'accepted', gatewayId: [...box.sink.stored.values()][0] }]);
      expect(ls(box.dir)).to.not.include('a.xml');
    } finally {
      await box.cleanup();
    }
  });

  it('a refused file goes to rejected/ with <name>.reason holding the error code only', async () => {
    const box = await inbox();
    try {
      box.sink.decide = () => 'refuse';
      writeFileSync(join(box.dir, 'kaputt.xml'), '<a>');
      await waitFor(() => ls(join(box.dir, 'rejected')).length === 2, 'rejected with reason');
      expect(ls(join(box.dir, 'rejected'))).to.deep.equal(['kaputt.xml', 'kaputt.xml.reason']);
      expect(readFileSync(join(box.dir, 'rejected', 'kaputt.xml.reason'), 'utf8')).to.equal('GW_XSD_INVALID\n');
      await scansPass(box.fs);
      expect(box.sink.submits).to.have.length(1);
    } finally {
      await box.cleanup();
    }
  });

  it('restart between the store\'s commit and the move: the file is offered again, the sink answers duplicate, one message stored', async () => {
    const box = await inbox();
    try {
      box.fs.failMovesInto = 'processed';
      writeFileSync(join(box.dir, 'antwort.xml'), '<antwort nr="1"/>');
      await waitFor(() => box.sink.outcomes.length === 1, 'committed once');
      await box.restart(); // the move failed: the file is still in the inbox
      await waitFor(() => ls(join(box.dir, 'processed')).length === 1, 'processed after the restart');
      expect(box.sink.outcomes.map((o) => o.outcome)).to.deep.equal(['accepted', 'duplicate']);
      expect(box.sink.stored.size).to.equal(1);
      expect(ls(box.dir)).to.not.include('antwort.xml');
    } finally {
      await box.cleanup();
    }
  });

  it('a listing read while a file was with the gateway, returned after its take ended, does not take the file again', async () => {
    const box = await inbox();
    try {
      const sinkGate = gate();
      storeAfter(box.sink, sinkGate);
      writeFileSync(join(box.dir, 'a.xml'), '<a/>');
      await waitFor(() => box.sink.submits.length === 1, 'a.xml with the gateway');
      const listed = gate();
      const release = gate();
      box.fs.hold = { listed: listed.open, release: release.passed };
      await listed.passed; // this listing still shows a.xml
      sinkGate.open();
      await waitFor(() => ls(join(box.dir, 'processed')).length === 1, 'a.xml moved');
      release.open();
      await scansPass(box.fs);
      expect(box.fs.reads).to.deep.equal(['a.xml']);
      expect(box.sink.submits).to.have.length(1);
    } finally {
      await box.cleanup();
    }
  });

  it('close() while submits run lets them finish and move their files; nothing is taken after close', async () => {
    const box = await inbox();
    try {
      const sinkGate = gate();
      storeAfter(box.sink, sinkGate);
      for (let i = 0; i < 3; i++) writeFileSync(join(box.dir, `f${i}.xml`), `<f n="${i}"/>`);
      await waitFor(() => box.sink.submits.length === 3, 'three submits running');
      const closed = box.ingress.close();
      expect(box.ingress.close()).to.equal(closed);
      sinkGate.open();
      await closed;
      expect(box.ingress.health().status).to.equal('closed');
      expect(ls(join(box.dir, 'processed'))).to.deep.equal(['f0.xml', 'f1.xml', 'f2.xml']);
      writeFileSync(join(box.dir, 'late.xml'), '<late/>');
      const scans = box.fs.scans;
      await new Promise((r) => setImmediate(r));
      expect(box.fs.scans).to.equal(scans);
      let err: unknown;
      await box.ingress.start(never).catch((e: unknown) => (err = e));
      expect(err, 'start after close').to.be.instanceOf(Error);
    } finally {
      await box.cleanup();
    }
  });

  it('at most inbox.maxInFlight files are with the gateway at once', async () => {
    const box = await inbox({}, { maxInFlight: 2 });
    try {
      let running = 0;
      let peak = 0;
      box.sink.decide = async (): Promise<'store'> => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setImmediate(r));
        running--;
        return 'store';
      };
      for (let i = 0; i < 9; i++) writeFileSync(join(box.dir, `m${i}.xml`), `<m n="${i}"/>`);
      await waitFor(() => ls(join(box.dir, 'processed')).length === 9, 'all nine processed');
      expect(peak).to.be.at.most(2);
      expect(box.sink.stored.size).to.equal(9);
    } finally {
      await box.cleanup();
    }
  });

  it('a file over maxBytes goes to rejected/ with GW_PAYLOAD_TOO_LARGE without being read or submitted', async () => {
    const box = await inbox({}, { maxBytes: 1024 });
    try {
      writeFileSync(join(box.dir, 'gross.xml'), Buffer.alloc(4096, 0x41));
      writeFileSync(join(box.dir, 'klein.xml'), '<k/>');
      await waitFor(() => ls(join(box.dir, 'rejected')).length === 2 && ls(join(box.dir, 'processed')).length === 1, 'sorted out');
      expect(readFileSync(join(box.dir, 'rejected', 'gross.xml.reason'), 'utf8')).to.equal(`${TOO_LARGE_CODE}\n`);
      expect(box.fs.reads).to.deep.equal(['klein.xml']);
      expect(box.sink.submits.map((s) => s.remote)).to.deep.equal([`filedrop:filedrop-in-${process.pid}/klein.xml`]);
    } finally {
      await box.cleanup();
    }
  });

  it('symlinks in the inbox are not followed: neither to a file nor to a directory outside', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'zsa-outside-'));
    const box = await inbox();
    try {
      writeFileSync(join(outside, 'geheim.xml'), '<geheim/>');
      symlinkSync(join(outside, 'geheim.xml'), join(box.dir, 'link.xml'));
      symlinkSync(outside, join(box.dir, 'dir.xml'));
      writeFileSync(join(box.dir, 'echt.xml'), '<echt/>');
      await waitFor(() => ls(join(box.dir, 'processed')).length === 1, 'the real file processed');
      await scansPass(box.fs);
      expect(box.sink.submits.map((s) => s.payload.toString())).to.deep.equal(['<echt/>']);
      expect(box.fs.reads).to.deep.equal(['echt.xml']);
      expect(ls(box.dir)).to.include.members(['link.xml', 'dir.xml']);
    } finally {
      await box.cleanup();
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('marker done-file: a file is taken only once its <name>.done exists, and both are moved', async () => {
    const box = await inbox({ marker: 'done-file' });
    try {
      writeFileSync(join(box.dir, 'a.csv'), 'SATZART;X\n');
      await scansPass(box.fs);
      expect(box.sink.submits).to.have.length(0);
      writeFileSync(join(box.dir, 'a.csv.done'), '');
      await waitFor(() => ls(join(box.dir, 'processed')).length === 2, 'file and marker processed');
      expect(ls(join(box.dir, 'processed'))).to.deep.equal(['a.csv', 'a.csv.done']);
      expect(box.sink.submits).to.have.length(1);
    } finally {
      await box.cleanup();
    }
  });

  it('marker manifest: a file that does not match its manifest is left alone; a matching one is taken', async () => {
    const box = await inbox({ marker: 'manifest' });
    try {
      const good = Buffer.from('<gut/>');
      const manifest = (name: string, data: Buffer): string => JSON.stringify({ manifest: 1, files: [{ name, size: data.length, sha512: createHash('sha512').update(data).digest('hex') }] });
      writeFileSync(join(box.dir, 'gut.xml'), good);
      writeFileSync(join(box.dir, 'gut.xml.manifest'), manifest('gut.xml', good));
      writeFileSync(join(box.dir, 'halb.xml'), '<halb');
      writeFileSync(join(box.dir, 'halb.xml.manifest'), manifest('halb.xml', Buffer.from('<halb/>')));
      await waitFor(() => ls(join(box.dir, 'processed')).length === 2, 'the good file processed');
      await scansPass(box.fs);
      expect(box.sink.submits.map((s) => s.payload.toString())).to.deep.equal(['<gut/>']);
      expect(ls(box.dir)).to.include.members(['halb.xml', 'halb.xml.manifest']);
    } finally {
      await box.cleanup();
    }
  });

  it('a name taken before in processed/ gets <stem>~2: a Fachverfahren reusing names never overwrites an earlier file', async () => {
    const box = await inbox();
    try {
      writeFileSync(join(box.dir, 'antwort.xml'), '<a n="1"/>');
      await waitFor(() => ls(join(box.dir, 'processed')).length === 1 && !ls(box.dir).includes('antwort.xml'), 'first moved');
      writeFileSync(join(box.dir, 'antwort.xml'), '<a n="2"/>');
      await waitFor(() => ls(join(box.dir, 'processed')).length === 2, 'second processed');
      expect(readFileSync(join(box.dir, 'processed', 'antwort.xml'), 'utf8')).to.equal('<a n="1"/>');
      expect(readFileSync(join(box.dir, 'processed', 'antwort~2.xml'), 'utf8')).to.equal('<a n="2"/>');
    } finally {
      await box.cleanup();
    }
  });

  it('start fails while the inbox is missing (down), and a later start comes up', async () => {
    const dir = join(tmpdir(), `zsa-inbox-missing-${process.pid}`);
    const ingress = new FileIngress(config(dir), ingressContext(new RecordingSink()), new LocalDropFs(dir));
    try {
      let err: unknown;
      await ingress.start(never).catch((e: unknown) => (err = e));
      expect(err).to.be.instanceOf(Error);
      expect(ingress.health().status).to.equal('down');
      mkdirSync(dir);
      await ingress.start(never);
      expect(ingress.health().status).to.equal('up');
    } finally {
      await ingress.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
