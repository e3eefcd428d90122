import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testContext, type EgressFixture } from '../../test/conformance/egress.js';
import type { ReceivedMessage } from '../../test/conformance/outbound.js';
import { filedropConfigSchema, filedropConnector, type FiledropConfig } from './index.js';
import { startSftpServer, type SftpTestServer } from './sftp.fixture.js';

/** `<messageType>-<gatewayId>-<messageUuid>.<ext>`, optionally `~n` before the extension. */
export const DROP_NAME = /^(.+?)-([0-9a-f-]{36})-([0-9a-f-]{36})(~\d+)?\.[a-z0-9]+$/;

/** What an importer sees: the complete data files (no dot files, no markers), read back from the directory on disk. */
export function readDrop(dir: string): ReceivedMessage[] {
  return readdirSync(dir)
    .filter((f) => !f.startsWith('.') && !f.endsWith('.done') && !f.endsWith('.manifest'))
    .map((f) => {
      const m = DROP_NAME.exec(f);
      if (!m) throw new Error(`unexpected file ${f} in the drop`);
      return { gatewayId: m[2]!, messageUuid: m[3]!, messageType: m[1]!, payload: readFileSync(join(dir, f)) };
    });
}

/** The egress fixture over a real temporary directory. "Peer restart" renames the directory away and back (a share unmounted). */
export function localFixture(extra: Partial<FiledropConfig> = {}): { fixture: EgressFixture; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'zsa-filedrop-'));
  const egress = filedropConnector.create(filedropConfigSchema.parse({ dir, ...extra }), testContext(`filedrop-test-${process.pid}`));
  const fixture: EgressFixture = {
    egress,
    received: async () => readDrop(dir),
    async restartPeer() {
      renameSync(dir, `${dir}.away`);
      await new Promise((r) => setTimeout(r, 300));
      renameSync(`${dir}.away`, dir);
    },
    async cleanup() {
      await egress.close();
      rmSync(dir, { recursive: true, force: true });
      rmSync(`${dir}.away`, { recursive: true, force: true });
    },
  };
  return { fixture, dir };
}

/** Connector config for the test server's `/<dir>`, with key or password authentication. */
export function sftpConfig(srv: SftpTestServer, dir: string, auth: 'key' | 'password' = 'key', extra: Record<string, unknown> = {}): FiledropConfig {
  return filedropConfigSchema.parse({
    dir,
    ...extra,
    sftp: {
      host: '127.0.0.1',
      port: srv.port,
      username: srv.username,
      hostKeySha256: srv.hostKeySha256,
      ...(auth === 'key' ? { privateKeyFile: srv.privateKeyFile } : { passwordFile: srv.passwordFile }),
      readyTimeoutMs: 5000,
    },
  });
}

/** The egress fixture over a real SFTP server on a loopback port. "Peer restart" drops every SSH connection; refusals come from the server. */
export async function sftpFixture(extra: Record<string, unknown> = {}): Promise<{ fixture: EgressFixture; srv: SftpTestServer; dir: string }> {
  const srv = await startSftpServer();
  const dir = join(srv.root, 'drop');
  mkdirSync(dir);
  const egress = filedropConnector.create(sftpConfig(srv, '/drop', 'key', extra), testContext(`filedrop-sftp-test-${process.pid}`));
  const fixture: EgressFixture = {
    egress,
    received: async () => readDrop(dir),
    async restartPeer() {
      srv.dropConnections();
    },
    async makeFailing(kind) {
      srv.failWrites = kind;
    },
    async heal() {
      srv.failWrites = undefined;
    },
    async cleanup() {
      await egress.close();
      await srv.close();
    },
  };
  return { fixture, srv, dir };
}
