import Database from 'better-sqlite3';
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUDIT_TRIGGERS } from '../../gateway/audit/schema.js';
import { auditDbPath, SqliteAuditLog } from '../../gateway/audit/sqlite.js';
import { PostgresAuditLog } from '../../gateway/audit/postgres.js';
import { runCli, show } from '../support/cli.js';
import { queryOn, scratchDatabase } from '../support/state-db.js';

describe('cli: zsa-gateway audit verify', function () {
  this.timeout(60_000);
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'zsa-audit-cli-'));
    const log = SqliteAuditLog.open(auditDbPath(dir));
    for (const action of ['message.submit', 'message.read', 'delegation.set']) {
      await log.append({ actor: 'test:admin', action, target: 'message:m-1', outcome: 'allowed', detail: { note: 'synthetic' } });
    }
    await log.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reports an intact chain with exit code 0', async () => {
    const r = await runCli(['audit', 'verify', '--data-dir', dir]);
    expect(r.code, show(r)).to.equal(0);
    expect(r.stdout).to.match(/audit: ok, 3 entries/);
  });

  it('names the altered entry and exits 1 after someone edits the file behind the gateway\'s back', async () => {
    const db = new Database(auditDbPath(dir));
    for (const t of Object.keys(AUDIT_TRIGGERS)) db.exec(`DROP TRIGGER IF EXISTS ${t}`);
    db.prepare("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2").run();
    db.close();
    const r = await runCli(['audit', 'verify', '--file', auditDbPath(dir)]);
    expect(r.code, show(r)).to.equal(1);
    expect(r.stdout).to.match(/altered/).and.match(/\b2\b/);
  });

  it('exits 2 when there is no audit log', async () => {
    const r = await runCli(['audit', 'verify', '--data-dir', join(dir, 'nothing-here')]);
    expect(r.code, show(r)).to.equal(2);
    expect(r.stderr).to.contain('GW_NOT_FOUND');
  });
});

describe('cli: zsa-gateway audit verify --database-url (PostgreSQL)', function () {
  this.timeout(60_000);
  let db: Awaited<ReturnType<typeof scratchDatabase>>;

  before(async () => {
    db = await scratchDatabase();
    const log = await PostgresAuditLog.open(db.url);
    for (const action of ['message.submit', 'message.read', 'delegation.set']) {
      await log.append({ actor: 'test:admin', action, target: 'message:m-1', outcome: 'allowed', detail: { note: 'synthetic' } });
    }
    await log.close();
  });
  after(() => db.drop());

  it('reports an intact chain, then names the entry altered behind the triggers', async () => {
    const ok = await runCli(['audit', 'verify', '--database-url', db.url]);
    expect(ok.code, show(ok)).to.equal(0);
    expect(ok.stdout).to.match(/audit: ok, 3 entries/);
    await queryOn(db.url, "DROP TRIGGER audit_log_no_change ON audit_log; UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2");
    const bad = await runCli(['audit', 'verify', '--database-url', db.url]);
    expect(bad.code, show(bad)).to.equal(1);
    expect(bad.stdout).to.match(/BROKEN at entry 2 \(altered\)/).and.match(/warning: .*audit_log_no_change/);
  });
});
