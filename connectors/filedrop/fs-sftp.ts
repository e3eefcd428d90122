import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { Client, type ConnectConfig, type SFTPWrapper, type Stats } from 'ssh2';
import type { SftpConfig } from './config.js';
import type { DropEntry, DropFs } from './fs.js';
import { errorCode, fsError } from './fs.js';

const CHUNK = 32 * 1024;
const WRITE_WINDOW = 8;
const S_IFMT = 0o170000;

/** SFTP v3 status codes (draft-ietf-secsh-filexfer-02 §7) as the Node-style codes of DropFs. */
const STATUS: Record<number, string> = { 1: 'EOF', 2: 'ENOENT', 3: 'EACCES', 4: 'EFAILURE', 5: 'EPROTO', 6: 'ECONNLOST', 7: 'ECONNLOST', 8: 'ENOTSUP' };

/** The OpenSSH fingerprint of a raw host key blob: `SHA256:` + unpadded base64 of its sha256. */
export function hostKeyFingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

function kindOf(mode: number): DropEntry['kind'] {
  const t = mode & S_IFMT;
  return t === 0o100000 ? 'file' : t === 0o040000 ? 'dir' : t === 0o120000 ? 'symlink' : 'other';
}

/** ssh2's error → a DropFs error: SFTP statuses by number, everything without a status is a lost connection. */
function mapError(op: string, path: string, err: unknown): NodeJS.ErrnoException {
  const raw = (err as { code?: unknown } | undefined)?.code;
  const code = typeof raw === 'number' ? (STATUS[raw] ?? 'EFAILURE') : typeof raw === 'string' && raw !== '' ? raw : 'ECONNLOST';
  return fsError(code, `sftp ${op} ${path}`, err);
}

interface Session {
  client: Client;
  sftp: SFTPWrapper;
  /** Rejecters of the requests still waiting for an answer: all fail when the connection closes. */
  pending: Set<(err: Error) => void>;
}

/**
 * A directory on an SFTP server, reached with ssh2. The host key is pinned by its SHA256
 * fingerprint; key or password come from files read at every connect and never appear in
 * messages. Writes use fsync@openssh.com when the server offers it; renames use the plain
 * SFTP RENAME, which the protocol defines as failing when the target exists (OpenSSH
 * implements it with link()+unlink()), after a check that the target is absent.
 */
export class SftpDropFs implements DropFs {
  readonly where: string;
  private session: Session | undefined;
  private opening: Promise<Session> | undefined;
  private fsyncOffered: boolean | undefined;

  constructor(private readonly dir: string, private readonly cfg: SftpConfig) {
    this.where = `sftp://${cfg.username}@${cfg.host}:${cfg.port}${posix.resolve('/', dir)}`;
  }

  /** Longest wait for one SFTP answer: the handshake timeout, at least 30 s. */
  private get opTimeoutMs(): number {
    return Math.max(30_000, this.cfg.readyTimeoutMs);
  }

  /** False until a write showed that the server offers fsync@openssh.com. */
  get durableWrites(): boolean {
    return this.fsyncOffered === true;
  }

  private path(rel: string): string {
    return posix.join(this.dir, rel);
  }

  async connect(): Promise<void> {
    const s = await this.open();
    await new Promise<void>((resolve, reject) =>
      s.sftp.stat(this.dir, (err, st) => (err ? reject(mapError('stat', this.dir, err)) : st.isDirectory() ? resolve() : reject(fsError('ENOTDIR', `${this.dir} is not a directory`)))),
    );
  }

  private open(): Promise<Session> {
    if (this.session) return Promise.resolve(this.session);
    this.opening ??= this.handshake().finally(() => (this.opening = undefined));
    return this.opening;
  }

  private async handshake(): Promise<Session> {
    const { cfg } = this;
    const auth: Partial<ConnectConfig> = cfg.privateKeyFile
      ? { privateKey: await readFile(cfg.privateKeyFile), ...(cfg.passphraseFile ? { passphrase: (await readFile(cfg.passphraseFile, 'utf8')).trimEnd() } : {}) }
      : { password: (await readFile(cfg.passwordFile!, 'utf8')).trimEnd() };
    const client = new Client();
    return new Promise<Session>((resolve, reject) => {
      let settled = false;
      let keyMismatch = false;
      let session: Session | undefined;
      const fail = (err: unknown): void => {
        if (settled) return;
        settled = true;
        client.end();
        const level = (err as { level?: unknown } | undefined)?.level;
        const where = `sftp ${cfg.host}:${cfg.port}`;
        if (keyMismatch) reject(fsError('EHOSTKEY', `${where}: the host key does not match the pinned fingerprint`));
        else if (level === 'client-authentication') reject(fsError('EAUTH', `${where}: login refused for ${cfg.username}`));
        else if (level === 'client-timeout') reject(fsError('ETIMEDOUT', `${where}: no SSH handshake within ${cfg.readyTimeoutMs} ms`));
        else reject(mapError('connect', `${cfg.host}:${cfg.port}`, err));
      };
      client.on('error', (err) => {
        if (!settled) fail(err);
        // after ready: 'close' follows and drops the session
      });
      client.on('close', () => {
        if (this.session?.client === client) this.session = undefined;
        // ssh2 may hold a request issued while the channel was closing without ever answering it
        for (const rejectPending of session?.pending ?? []) rejectPending(fsError('ECONNLOST', `${this.where}: connection closed`));
        fail(fsError('ECONNLOST', 'connection closed during the handshake'));
      });
      client.on('ready', () => {
        client.sftp((err, sftp) => {
          if (err) return fail(err);
          if (settled) return;
          settled = true;
          sftp.on('error', () => client.end()); // an SFTP protocol error ends the session; 'close' cleans up
          sftp.on('close', () => client.end());
          session = { client, sftp, pending: new Set() };
          this.session = session;
          resolve(session);
        });
      });
      client.connect({
        host: cfg.host,
        port: cfg.port,
        username: cfg.username,
        ...auth,
        readyTimeout: cfg.readyTimeoutMs,
        keepaliveInterval: cfg.keepaliveIntervalMs,
        keepaliveCountMax: 3,
        hostVerifier: (key: Buffer) => {
          keyMismatch = hostKeyFingerprint(key) !== cfg.hostKeySha256;
          return !keyMismatch;
        },
      });
    });
  }

  /**
   * One SFTP request as a promise; its error mapped to a DropFs code. It fails with ECONNLOST when
   * the connection closes before the answer, and after `opTimeoutMs` without one (the session is
   * then ended: a server that stops answering is treated as gone).
   */
  private call<T>(op: string, path: string, fn: (sftp: SFTPWrapper, cb: (err: Error | null | undefined, value?: T) => void) => void): Promise<T> {
    const session = this.session;
    if (!session) return Promise.reject(fsError('ECONNLOST', `${this.where}: not connected`));
    return new Promise<T>((resolve, reject) => {
      const settle = (err: Error | undefined, value?: T): void => {
        if (!session.pending.delete(fail)) return;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(value as T);
      };
      const fail = (err: Error): void => settle(err);
      const timer = setTimeout(() => {
        settle(fsError('ETIMEDOUT', `sftp ${op} ${path}: no answer within ${this.opTimeoutMs} ms`));
        session.client.end();
      }, this.opTimeoutMs);
      session.pending.add(fail);
      try {
        fn(session.sftp, (err, value) => settle(err ? mapError(op, path, err) : undefined, value));
      } catch (err) {
        settle(errorCode(err) ? (err as Error) : mapError(op, path, err));
      }
    });
  }

  async list(dir: string): Promise<DropEntry[]> {
    const entries = await this.call<Array<{ filename: string; attrs: Stats }>>('readdir', dir, (s, cb) => s.readdir(this.path(dir), cb));
    return entries.map((e) => ({ name: e.filename, kind: kindOf(e.attrs.mode), size: e.attrs.size }));
  }

  async stat(path: string): Promise<DropEntry | undefined> {
    try {
      const st = await this.call<Stats>('lstat', path, (s, cb) => s.lstat(this.path(path), cb));
      return { name: path, kind: kindOf(st.mode), size: st.size };
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return undefined;
      throw err;
    }
  }

  async writeNew(path: string, data: Buffer): Promise<void> {
    const handle = await this.call<Buffer>('open', path, (s, cb) => s.open(this.path(path), 'wx', { mode: 0o640 }, cb));
    try {
      // up to WRITE_WINDOW writes in flight: one round trip per chunk would cap a large file at a few MiB/s
      let next = 0;
      const lane = async (): Promise<void> => {
        for (let off = next; off < data.length; off = next) {
          next += CHUNK;
          const len = Math.min(CHUNK, data.length - off);
          await this.call('write', path, (s, cb) => s.write(handle, data, off, len, off, cb));
        }
      };
      await Promise.all(Array.from({ length: WRITE_WINDOW }, lane));
      await this.fsync(handle, path);
    } finally {
      await this.call('close', path, (s, cb) => s.close(handle, cb)).catch(() => undefined);
    }
  }

  /** fsync@openssh.com where the server offers it; ssh2 throws synchronously when the server's VERSION did not list it. */
  private async fsync(handle: Buffer, path: string): Promise<void> {
    if (this.fsyncOffered === false) return;
    let offered = true;
    await this.call('fsync', path, (s, cb) => {
      try {
        s.ext_openssh_fsync(handle, (err) => cb(err));
      } catch {
        offered = false;
        cb(undefined);
      }
    });
    this.fsyncOffered = offered;
  }

  async renameNoReplace(from: string, to: string): Promise<void> {
    if (await this.stat(to)) throw fsError('EEXIST', `${to} exists`);
    try {
      await this.call('rename', from, (s, cb) => s.rename(this.path(from), this.path(to), cb));
    } catch (err) {
      if (errorCode(err) === 'EFAILURE' && (await this.stat(to))) throw fsError('EEXIST', `${to} exists`, err);
      throw err;
    }
  }

  async read(path: string, maxBytes: number, onChunk: (chunk: Buffer) => void): Promise<void> {
    const entry = await this.stat(path); // SFTP v3 has no O_NOFOLLOW: refuse a symlink before opening
    if (!entry) throw fsError('ENOENT', path);
    if (entry.kind !== 'file') throw fsError('EISDIR', `${path} is not a regular file`);
    const handle = await this.call<Buffer>('open', path, (s, cb) => s.open(this.path(path), 'r', cb));
    try {
      let total = 0;
      for (;;) {
        const buf = Buffer.allocUnsafe(CHUNK);
        const n = await this.call<number>('read', path, (s, cb) => s.read(handle, buf, 0, CHUNK, total, (err, bytesRead) => cb(err, bytesRead))); // EOF reads as 0 bytes
        if (n === 0) return;
        total += n;
        if (total > maxBytes) throw fsError('EFBIG', `${path} is larger than ${maxBytes} bytes`);
        onChunk(buf.subarray(0, n));
      }
    } finally {
      await this.call('close', path, (s, cb) => s.close(handle, cb)).catch(() => undefined);
    }
  }

  async remove(path: string): Promise<void> {
    try {
      await this.call('remove', path, (s, cb) => s.unlink(this.path(path), cb));
    } catch (err) {
      if (errorCode(err) !== 'ENOENT') throw err;
    }
  }

  async mkdir(path: string): Promise<void> {
    if ((await this.stat(path))?.kind === 'dir') return;
    await this.call('mkdir', path, (s, cb) => s.mkdir(this.path(path), { mode: 0o750 }, cb));
  }

  async syncDir(): Promise<void> {
    // SFTP has no directory fsync; the server's rename is as durable as its file system makes it (README).
  }

  async close(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.client.once('close', () => resolve());
      s.client.end();
    });
  }
}
