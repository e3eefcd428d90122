import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { ingressConformance, type IngressFixture } from '../../test/conformance/ingress.js';
import { filedropConfigSchema, filedropConnector } from './index.js';
import { startSftpServer, type SftpTestServer } from './sftp.fixture.js';

const MAX_IN_FLIGHT = 3;

/** Files waiting in the inbox as a reader would count them: regular names only (no dot files, no .part), not the processed/rejected folders. */
function waiting(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile() && !e.name.startsWith('.')).length;
}

/** Places a file the way a Fachverfahren's export would: written under a dot name, then renamed into the inbox. */
function place(dir: string, item: { payload: Buffer }): void {
  const name = `antwort-${randomUUID()}.xml`;
  const tmp = join(dir, `.${name}.part`);
  writeFileSync(tmp, item.payload);
  renameSync(tmp, join(dir, name));
}

/** The local inbox: a fresh temporary directory per test. */
async function localFixture(): Promise<IngressFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'filedrop-conf-'));
  return {
    create: (ctx) => filedropConnector.createIngress(filedropConfigSchema.parse({ dir, inbox: { patterns: [{ glob: '*.xml', contentType: 'application/xml' }], pollIntervalMs: 50, maxInFlight: MAX_IN_FLIGHT } }), ctx),
    place: async (item) => place(dir, item),
    remaining: async () => waiting(dir),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The same inbox on a real SFTP server (ssh2's server on a loopback port); `restartPeer` drops the connector's connection. */
async function sftpFixture(): Promise<IngressFixture> {
  const server: SftpTestServer = await startSftpServer();
  mkdirSync(join(server.root, 'eingang'));
  const dir = join(server.root, 'eingang');
  return {
    create: (ctx) =>
      filedropConnector.createIngress(
        filedropConfigSchema.parse({
          dir: '/eingang',
          sftp: { host: '127.0.0.1', port: server.port, username: server.username, hostKeySha256: server.hostKeySha256, passwordFile: server.passwordFile },
          inbox: { patterns: [{ glob: '*.xml', contentType: 'application/xml' }], pollIntervalMs: 50, maxInFlight: MAX_IN_FLIGHT },
        }),
        ctx,
      ),
    place: async (item) => place(dir, item),
    remaining: async () => waiting(dir),
    restartPeer: async () => server.dropConnections(),
    cleanup: () => server.close(),
  };
}

ingressConformance({ name: 'filedrop inbox (local directory)', fixture: localFixture, maxInFlight: MAX_IN_FLIGHT });
ingressConformance({ name: 'filedrop inbox (real SFTP server)', fixture: sftpFixture, maxInFlight: MAX_IN_FLIGHT });
