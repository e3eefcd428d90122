import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { startGateway } from '../../gateway/server.js';
import { quietLog, testConfig } from '../support/gateway.js';

/**
 * SQLite removes a database's -wal and -shm files when its last connection closes cleanly;
 * while one is open (or was never closed) they stay. So what is left of them in the data folder
 * names the databases a gateway left open.
 */
function openDatabaseFiles(dataDir: string): string[] {
  return readdirSync(dataDir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('-wal') || f.endsWith('-shm'))
    .sort();
}

describe('server: a start that fails in the middle closes what it had opened', () => {
  let blocker: Server;
  let takenPort: number;

  before(async () => {
    blocker = createServer();
    await new Promise<void>((ok) => blocker.listen(0, '127.0.0.1', ok));
    takenPort = (blocker.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((ok) => blocker.close(() => ok())));

  it('port taken: the start fails with EADDRINUSE after store, audit log, callbacks and delivery worker were up, and closes them all; the next start on the same data works', async () => {
    const cfg = testConfig();
    expect(cfg.fitConnect.enabled, 'the demo config runs FIT-Connect callbacks (their own database)').to.equal(true);
    const err = await startGateway(cfg, { log: quietLog(), port: takenPort, host: '127.0.0.1' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.have.property('code', 'EADDRINUSE');
    const files = readdirSync(cfg.store.dataDir, { recursive: true }).map(String);
    expect(files, 'the store, audit log and callback databases had been opened').to.include.members(['gateway.db', 'audit.db', 'fitconnect-callbacks.db']);
    expect(openDatabaseFiles(cfg.store.dataDir), 'databases left open').to.deep.equal([]);

    const gw = await startGateway(cfg, { log: quietLog(), port: 0, host: '127.0.0.1' });
    try {
      await request(gw.url).get('/ready').expect(200);
      expect(openDatabaseFiles(cfg.store.dataDir), 'a running gateway holds its databases open').to.not.deep.equal([]);
    } finally {
      await gw.close();
    }
    expect(openDatabaseFiles(cfg.store.dataDir), 'databases left open after close').to.deep.equal([]);
  });
});
