import { constants } from 'node:fs';
import { access, link, lstat, mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CREATE_NEW, syncDirectory, writeSynced } from '../../gateway/files/durable.js';
import type { DropEntry, DropFs } from './fs.js';
import { errorCode, fsError } from './fs.js';

const CHUNK = 64 * 1024;

function kindOf(s: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): DropEntry['kind'] {
  return s.isSymbolicLink() ? 'symlink' : s.isFile() ? 'file' : s.isDirectory() ? 'dir' : 'other';
}

/**
 * A local or mounted directory. Writes are fsync'd, renames go through link()+unlink() so an
 * existing target is never replaced (with a lstat-then-rename fallback on file systems without
 * hard links), reads open with O_NOFOLLOW so a symlink is never followed.
 */
export class LocalDropFs implements DropFs {
  readonly where: string;
  readonly durableWrites = true;
  private readonly base: string;

  constructor(dir: string) {
    this.base = isAbsolute(dir) ? dir : resolve(dir);
    this.where = pathToFileURL(this.base).href;
  }

  private path(rel: string): string {
    return join(this.base, rel);
  }

  async connect(): Promise<void> {
    if (!(await stat(this.base)).isDirectory()) throw fsError('ENOTDIR', `${this.base} is not a directory`);
    await access(this.base, constants.W_OK | constants.R_OK);
  }

  async list(dir: string): Promise<DropEntry[]> {
    const names = await readdir(this.path(dir));
    const out: DropEntry[] = [];
    for (const name of names) {
      const entry = await this.stat(join(dir, name));
      if (entry) out.push({ ...entry, name });
    }
    return out;
  }

  async stat(path: string): Promise<DropEntry | undefined> {
    try {
      const s = await lstat(this.path(path));
      return { name: path, kind: kindOf(s), size: s.size };
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return undefined;
      throw err;
    }
  }

  async writeNew(path: string, data: Buffer): Promise<void> {
    await writeSynced(this.path(path), data, CREATE_NEW, 0o640);
  }

  async renameNoReplace(from: string, to: string): Promise<void> {
    try {
      await link(this.path(from), this.path(to)); // EEXIST when the target is there: atomic, never replaces
    } catch (err) {
      const code = errorCode(err);
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
      if (await this.stat(to)) throw fsError('EEXIST', `${to} exists`); // no hard links here: check, then rename
      await rename(this.path(from), this.path(to));
      return;
    }
    await unlink(this.path(from));
  }

  async read(path: string, maxBytes: number, onChunk: (chunk: Buffer) => void): Promise<void> {
    const fh = await open(this.path(path), constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      if (!(await fh.stat()).isFile()) throw fsError('EISDIR', `${path} is not a regular file`);
      let total = 0;
      for (;;) {
        const buf = Buffer.allocUnsafe(CHUNK);
        const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
        if (bytesRead === 0) return;
        total += bytesRead;
        if (total > maxBytes) throw fsError('EFBIG', `${path} is larger than ${maxBytes} bytes`);
        onChunk(buf.subarray(0, bytesRead));
      }
    } finally {
      await fh.close();
    }
  }

  async remove(path: string): Promise<void> {
    await rm(this.path(path), { force: true });
  }

  async mkdir(path: string): Promise<void> {
    await mkdir(this.path(path), { recursive: true, mode: 0o750 });
  }

  async syncDir(dir: string): Promise<void> {
    await syncDirectory(this.path(dir));
  }

  async close(): Promise<void> {
    // nothing held between calls
  }
}
