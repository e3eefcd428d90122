import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import ssh2, { type Connection, type ParsedKey, type SFTPWrapper } from 'ssh2';
import { hostKeyFingerprint } from './fs-sftp.js';

// ssh2 is CommonJS: Node's ESM loader sees only some of its names, so take them from the default export.
const { Server, utils } = ssh2;
const { STATUS_CODE, flagsToString } = utils.sftp;

/** A real SFTP server (ssh2's Server with an SFTP subsystem over a temporary directory) on a loopback port. */
export interface SftpTestServer {
  port: number;
  /** The server's root on the local disk; SFTP path `/x` is `<root>/x`. */
  root: string;
  username: string;
  hostKeySha256: string;
  /** Files with the client credentials (written for the connector's `passwordFile` / `privateKeyFile`). */
  passwordFile: string;
  privateKeyFile: string;
  /** Names READDIR adds to every listing (hostile server: `../x`, `a/b`); they do not exist on disk. */
  extraNames: string[];
  /** While set, opening a file for writing fails: `permanent` = PERMISSION_DENIED, `retryable` = FAILURE (what OpenSSH sends for a full disk). */
  failWrites: 'retryable' | 'permanent' | undefined;
  /** When set, a WRITE at or past this offset is carried out but never answered (a writer stuck mid-file); `stalled` turns true. */
  stallAfterBytes: number | undefined;
  stalled: boolean;
  /** How many sessions were authenticated (by method). */
  logins: { password: number; publickey: number };
  /** Client connections open now. */
  connections(): number;
  /** Ends every client connection (the connector sees the connection drop). */
  dropConnections(): void;
  close(): Promise<void>;
}

const S_IFREG = 0o100000;

function attrsOf(st: fs.Stats): { mode: number; uid: number; gid: number; size: number; atime: number; mtime: number } {
  return { mode: st.mode, uid: st.uid, gid: st.gid, size: st.size, atime: Math.floor(st.atimeMs / 1000), mtime: Math.floor(st.mtimeMs / 1000) };
}

function statusOf(err: unknown): number {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR' ? STATUS_CODE.NO_SUCH_FILE : code === 'EACCES' || code === 'EPERM' ? STATUS_CODE.PERMISSION_DENIED : STATUS_CODE.FAILURE;
}

/** Serves the SFTP v3 requests the connector uses, on the local file system, confined to `root`. */
function serveSftp(sftp: SFTPWrapper, srv: SftpTestServer): void {
  const local = (p: string): string => join(srv.root, posix.resolve('/', p));
  const handles = new Map<number, { fd?: number; names?: string[]; dir?: string; listed?: boolean }>();
  let next = 1;
  const newHandle = (h: { fd?: number; names?: string[]; dir?: string }): Buffer => {
    const id = next++;
    handles.set(id, h);
    const buf = Buffer.alloc(4);
    buf.writeUInt32BE(id);
    return buf;
  };
  const get = (handle: Buffer) => (handle.length === 4 ? handles.get(handle.readUInt32BE()) : undefined);
  const done = (reqid: number) => (err: unknown) => sftp.status(reqid, err ? statusOf(err) : STATUS_CODE.OK);

  sftp.on('OPEN', (reqid, filename, flags, attrs) => {
    const mode = flagsToString(flags) ?? 'r';
    if (mode !== 'r' && srv.failWrites) return sftp.status(reqid, srv.failWrites === 'permanent' ? STATUS_CODE.PERMISSION_DENIED : STATUS_CODE.FAILURE);
    fs.open(local(filename), mode, attrs.mode ?? 0o644, (err, fd) => (err ? sftp.status(reqid, statusOf(err)) : sftp.handle(reqid, newHandle({ fd }))));
  });
  sftp.on('READ', (reqid, handle, offset, length) => {
    const h = get(handle);
    if (h?.fd === undefined) return sftp.status(reqid, STATUS_CODE.FAILURE);
    const buf = Buffer.alloc(length);
    fs.read(h.fd, buf, 0, length, offset, (err, n) => (err ? sftp.status(reqid, statusOf(err)) : n === 0 ? sftp.status(reqid, STATUS_CODE.EOF) : sftp.data(reqid, buf.subarray(0, n))));
  });
  sftp.on('WRITE', (reqid, handle, offset, data) => {
    const h = get(handle);
    if (h?.fd === undefined) return sftp.status(reqid, STATUS_CODE.FAILURE);
    if (srv.stallAfterBytes !== undefined && offset >= srv.stallAfterBytes) {
      fs.write(h.fd, data, 0, data.length, offset, () => (srv.stalled = true));
      return;
    }
    fs.write(h.fd, data, 0, data.length, offset, done(reqid));
  });
  sftp.on('FSTAT', (reqid, handle) => {
    const h = get(handle);
    if (h?.fd === undefined) return sftp.status(reqid, STATUS_CODE.FAILURE);
    fs.fstat(h.fd, (err, st) => (err ? sftp.status(reqid, statusOf(err)) : sftp.attrs(reqid, attrsOf(st))));
  });
  sftp.on('CLOSE', (reqid, handle) => {
    const h = get(handle);
    if (!h) return sftp.status(reqid, STATUS_CODE.FAILURE);
    handles.delete(handle.readUInt32BE());
    if (h.fd === undefined) return sftp.status(reqid, STATUS_CODE.OK);
    fs.close(h.fd, done(reqid));
  });
  sftp.on('OPENDIR', (reqid, path) => {
    fs.readdir(local(path), (err, names) => (err ? sftp.status(reqid, statusOf(err)) : sftp.handle(reqid, newHandle({ names, dir: local(path) }))));
  });
  sftp.on('READDIR', (reqid, handle) => {
    const h = get(handle);
    if (!h?.names || !h.dir) return sftp.status(reqid, STATUS_CODE.FAILURE);
    if (h.listed) return sftp.status(reqid, STATUS_CODE.EOF);
    h.listed = true;
    const real = h.names.flatMap((name) => {
      try {
        return [{ filename: name, longname: name, attrs: attrsOf(fs.lstatSync(join(h.dir!, name))) }]; // lstat, as OpenSSH's readdir
      } catch {
        return [];
      }
    });
    const fake = srv.extraNames.map((name) => ({ filename: name, longname: name, attrs: { mode: S_IFREG | 0o644, uid: 0, gid: 0, size: 10, atime: 0, mtime: 0 } }));
    sftp.name(reqid, [...real, ...fake]);
  });
  sftp.on('LSTAT', (reqid, path) => fs.lstat(local(path), (err, st) => (err ? sftp.status(reqid, statusOf(err)) : sftp.attrs(reqid, attrsOf(st)))));
  sftp.on('STAT', (reqid, path) => fs.stat(local(path), (err, st) => (err ? sftp.status(reqid, statusOf(err)) : sftp.attrs(reqid, attrsOf(st)))));
  sftp.on('REMOVE', (reqid, path) => fs.unlink(local(path), done(reqid)));
  sftp.on('MKDIR', (reqid, path) => fs.mkdir(local(path), done(reqid)));
  sftp.on('RMDIR', (reqid, path) => fs.rmdir(local(path), done(reqid)));
  sftp.on('SETSTAT', (reqid) => sftp.status(reqid, STATUS_CODE.OK));
  sftp.on('FSETSTAT', (reqid) => sftp.status(reqid, STATUS_CODE.OK));
  sftp.on('REALPATH', (reqid, path) => {
    const p = posix.resolve('/', path);
    sftp.name(reqid, [{ filename: p, longname: p, attrs: {} as never }]);
  });
  // Like OpenSSH: link()+unlink(), so an existing target is never replaced (SSH2_FX_FAILURE).
  sftp.on('RENAME', (reqid, from, to) => {
    fs.link(local(from), local(to), (err) => {
      if (err) return sftp.status(reqid, statusOf(err));
      fs.unlink(local(from), done(reqid));
    });
  });
}

/**
 * An ed25519 key pair that ssh2 itself can read back: about one in a few hundred of the pairs
 * ssh2 generates fails its own parser ("Malformed OpenSSH private key"), so draw again.
 */
function parseableKeyPair(): { private: string; public: string } {
  for (let i = 0; i < 10; i++) {
    const pair = utils.generateKeyPairSync('ed25519');
    if (!(utils.parseKey(pair.private) instanceof Error) && !(utils.parseKey(pair.public) instanceof Error)) return pair;
  }
  throw new Error('ssh2 generated ten key pairs it cannot parse');
}

/** Starts the server on 127.0.0.1, port 0; accepts the generated password or the generated key for `username`. */
export async function startSftpServer(): Promise<SftpTestServer> {
  const root = mkdtempSync(join(tmpdir(), 'zsa-sftp-root-'));
  const secrets = mkdtempSync(join(tmpdir(), 'zsa-sftp-secrets-'));
  const hostKey = parseableKeyPair();
  const clientKey = parseableKeyPair();
  const clientPub = utils.parseKey(clientKey.public) as ParsedKey;
  const hostPub = utils.parseKey(hostKey.public) as ParsedKey;
  const password = randomBytes(18).toString('base64url');
  const passwordFile = join(secrets, 'password');
  const privateKeyFile = join(secrets, 'id_ed25519');
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  writeFileSync(privateKeyFile, clientKey.private, { mode: 0o600 });
  const clients = new Set<Connection>();

  const srv: SftpTestServer = {
    port: 0,
    root,
    username: 'fv-test',
    hostKeySha256: hostKeyFingerprint(hostPub.getPublicSSH()),
    passwordFile,
    privateKeyFile,
    extraNames: [],
    failWrites: undefined,
    stallAfterBytes: undefined,
    stalled: false,
    logins: { password: 0, publickey: 0 },
    connections: () => clients.size,
    dropConnections: () => {
      for (const c of clients) c.end();
    },
    close: async () => {
      srv.dropConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(root, { recursive: true, force: true });
      rmSync(secrets, { recursive: true, force: true });
    },
  };

  const server = new Server({ hostKeys: [hostKey.private] }, (client) => {
    clients.add(client);
    client.on('close', () => clients.delete(client));
    client.on('error', () => undefined); // a client that vanishes is not a test failure of the server
    client.on('authentication', (ctx) => {
      if (ctx.username !== srv.username) return ctx.reject();
      if (ctx.method === 'password' && ctx.password === password) {
        srv.logins.password++;
        return ctx.accept();
      }
      if (ctx.method === 'publickey' && ctx.key.algo === clientPub.type && ctx.key.data.equals(clientPub.getPublicSSH())) {
        if (!ctx.signature) return ctx.accept(); // the client asks whether this key would do
        if (ctx.blob && clientPub.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true) {
          srv.logins.publickey++;
          return ctx.accept();
        }
      }
      ctx.reject(['password', 'publickey']);
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept();
        session.on('sftp', (acceptSftp) => serveSftp(acceptSftp(), srv));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  srv.port = (server.address() as AddressInfo).port;
  return srv;
}
