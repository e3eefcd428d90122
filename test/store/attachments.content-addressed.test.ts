import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { expect } from 'chai';
import { createFsAttachmentStore, FsAttachmentStore } from '../../gateway/store/attachments.js';
import { expectGatewayError } from './suite/fixtures.js';

const sha = (b: Buffer) => createHash('sha512').update(b).digest('hex');

/** Every file below `dir`, relative, sorted (temp files included). */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

/** A stream of `chunks` chunks of `chunkSize` bytes, generated lazily. */
function generated(chunks: number, chunkSize: number): Readable {
  let i = 0;
  return new Readable({
    read() {
      this.push(i++ < chunks ? Buffer.alloc(chunkSize, i % 251) : null);
    },
  });
}

describe('attachment store: content-addressed files', () => {
  let dataDir: string;
  let root: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'zsa-attachments-'));
    root = join(dataDir, 'attachments');
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('stores a stream under <dataDir>/attachments/<ab>/<sha512> and reads it back', async () => {
    const store = createFsAttachmentStore(dataDir);
    const bytes = Buffer.from('%PDF-1.7 synthetic Nachweis für Hund Bello\n');
    const r = await store.putStream(Readable.from([bytes.subarray(0, 10), bytes.subarray(10)]), { maxBytes: 1024 });
    expect(r).to.deep.equal({ sha512: sha(bytes), size: bytes.length });
    expect(tree(root)).to.deep.equal([join(r.sha512.slice(0, 2), r.sha512)]);
    expect(readFileSync(join(root, r.sha512.slice(0, 2), r.sha512)).equals(bytes)).to.equal(true);
    expect(await store.has(r.sha512)).to.equal(true);
    expect(await store.size(r.sha512)).to.equal(bytes.length);
    expect((await buffer(store.open(r.sha512))).equals(bytes)).to.equal(true);
  });

  it('stores the same content once', async () => {
    const store = new FsAttachmentStore(root);
    const a = await store.putStream(Readable.from([Buffer.from('same bytes')]), { maxBytes: 100 });
    const b = await store.putStream(Readable.from(['same ', 'bytes']), { maxBytes: 100 });
    expect(b).to.deep.equal(a);
    expect(tree(root)).to.have.length(1);
  });

  it('streams large content without a size limit problem: 8 MiB in 64 KiB chunks', async () => {
    const store = new FsAttachmentStore(root);
    const r = await store.putStream(generated(128, 65536), { maxBytes: 8 * 1024 * 1024 });
    expect(r.size).to.equal(8 * 1024 * 1024);
    expect(r.sha512).to.equal(sha(await buffer(generated(128, 65536))));
    expect(tree(root)).to.have.length(1);
  });

  it('refuses content over maxBytes with GW_PAYLOAD_TOO_LARGE and keeps nothing', async () => {
    const store = new FsAttachmentStore(root);
    const source = generated(100, 1000);
    await expectGatewayError(store.putStream(source, { maxBytes: 2999 }), 'GW_PAYLOAD_TOO_LARGE');
    expect(tree(root)).to.deep.equal([]);
    expect(source.destroyed, 'left to the caller (an HTTP handler still answers 413)').to.equal(false);
    const exact = await store.putStream(generated(3, 1000), { maxBytes: 3000 });
    expect(exact.size).to.equal(3000);
  });

  it('passes on an error the source raises while being read and keeps nothing', async () => {
    const store = new FsAttachmentStore(root);
    async function* failing() {
      yield Buffer.alloc(4096, 1);
      await new Promise((resolve) => setTimeout(resolve, 5));
      throw new Error('connection reset');
    }
    let error: unknown;
    await store.putStream(Readable.from(failing()), { maxBytes: 1_000_000 }).catch((e: unknown) => (error = e));
    expect((error as Error).message).to.equal('connection reset');
    expect(tree(root)).to.deep.equal([]);
  });

  it('passes on an error the source raises before reading starts and keeps nothing', async () => {
    const store = new FsAttachmentStore(root);
    const source = new Readable({ read() {} });
    const put = store.putStream(source, { maxBytes: 1_000_000 });
    source.push(Buffer.alloc(100));
    setImmediate(() => source.destroy(new Error('client went away')));
    let error: unknown;
    await put.catch((e: unknown) => (error = e));
    expect((error as Error).message).to.equal('client went away');
    expect(tree(root)).to.deep.equal([]);
  });

  it('knows nothing of unknown or malformed hashes', async () => {
    const store = new FsAttachmentStore(root);
    const unknown = 'ab'.repeat(64);
    expect(await store.has(unknown)).to.equal(false);
    expect(await store.has('../../etc/passwd')).to.equal(false);
    await expectGatewayError(store.size(unknown), 'GW_NOT_FOUND');
    expect(() => store.open('../x')).to.throw(/No attachment/);
    let error: unknown;
    await buffer(store.open(unknown)).catch((e: unknown) => (error = e));
    expect((error as NodeJS.ErrnoException).code).to.equal('ENOENT');
  });
});
