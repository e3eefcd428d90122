import { expect } from 'chai';
import { chmodSync, closeSync, mkdirSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import request from 'supertest';
import { openDatabase } from '../../gateway/store/sqlite/connection.js';
import { startGateway, type GatewayHandle } from '../../gateway/server.js';
import { quietLog, testConfig } from '../support/gateway.js';
import { tokenFor } from '../auth/oauth-fixture.js';
import { hundAnmeldung } from '../support/xzsa-fixtures.js';

/** Every entry below `dir` with its permission bits, e.g. `attachments/ab/… 600`. */
function modesUnder(dir: string): Array<{ path: string; kind: 'file' | 'dir'; mode: string }> {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).map((e) => {
    const full = join(e.parentPath, e.name);
    return { path: relative(dir, full), kind: e.isDirectory() ? 'dir' : 'file', mode: (statSync(full).mode & 0o777).toString(8) } as const;
  });
}

/**
 * Everything the gateway writes into its data folder — databases with their -wal/-shm,
 * attachments, generated keys, the break-glass database — is 0600, every folder 0700, even
 * under a permissive umask.
 */
describe('data folder: files 0600, folders 0700', function () {
  this.timeout(60_000);
  let gw: GatewayHandle;
  let dataDir: string;
  let umask: number;

  before(async () => {
    umask = process.umask(0o002);
    const cfg = testConfig();
    cfg.auth.mode = 'required';
    dataDir = cfg.store.dataDir;
    chmodSync(dataDir, 0o755); // as an operator might have created it
    gw = await startGateway(cfg, { log: quietLog(), port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    process.umask(umask);
    await gw?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('after traffic that writes every kind of file', async () => {
    const efa = await tokenFor(gw.url, 'efa-hund-lsa');
    const boundary = 'privateFilesBoundary';
    const body = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="message"; filename="m.xml"\r\nContent-Type: application/xml\r\n\r\n${hundAnmeldung()}\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="attachment"; filename="nachweis.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 synthetic\r\n--${boundary}--\r\n`,
    );
    const res = await request(gw.url).post('/api/v1/messages').set('authorization', `Bearer ${efa}`).set('content-type', `multipart/form-data; boundary=${boundary}`).send(body);
    expect(res.status, res.text).to.equal(202);
    const admin = await tokenFor(gw.url, 'admin');
    const grant = await request(gw.url).post('/api/v1/admin/break-glass').set('authorization', `Bearer ${admin}`).send({ grantee: 'betrieb', messageId: (res.body as { gatewayId: string }).gatewayId, minutes: 5, reason: 'synthetic incident for a permission test' });
    expect(grant.status, grant.text).to.equal(201);

    const entries = modesUnder(dataDir);
    const files = entries.filter((e) => e.kind === 'file').map((e) => e.path);
    for (const expected of ['gateway.db', 'gateway.db-wal', 'break-glass.db']) expect(files).to.include(expected);
    expect(files.some((f) => f.startsWith('attachments/')), 'an attachment file').to.equal(true);
    expect(files.some((f) => f.startsWith('keys/')), 'generated keys').to.equal(true);
    expect(entries.filter((e) => e.mode !== (e.kind === 'file' ? '600' : '700'))).to.deep.equal([]);
    expect((statSync(dataDir).mode & 0o777).toString(8), 'the data folder itself').to.equal('700');
  });

  it('narrows a database and its -wal/-shm left world-readable by an older version', () => {
    const dir = join(dataDir, 'older');
    mkdirSync(dir, { mode: 0o755 });
    const path = join(dir, 'old.db');
    for (const f of [path, `${path}-wal`, `${path}-shm`]) {
      closeSync(openSync(f, 'w', 0o644));
      chmodSync(f, 0o644);
    }
    rmSync(`${path}-wal`);
    rmSync(`${path}-shm`);
    openDatabase(path).close();
    expect(modesUnder(dir).filter((e) => e.mode !== (e.kind === 'file' ? '600' : '700'))).to.deep.equal([]);
    expect((statSync(dir).mode & 0o777).toString(8)).to.equal('700');
  });

  it('never narrows a shared sticky folder (a database placed directly in a /tmp-like folder)', () => {
    const shared = join(dataDir, 'shared-tmp');
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    openDatabase(join(shared, 'x.db')).close();
    expect((statSync(shared).mode & 0o7777).toString(8)).to.equal('1777');
    expect((statSync(join(shared, 'x.db')).mode & 0o777).toString(8)).to.equal('600');
  });
});
