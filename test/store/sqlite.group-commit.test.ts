import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { expect } from 'chai';
import { openDatabase } from '../../gateway/store/sqlite/connection.js';
import { GroupCommit } from '../../gateway/store/sqlite/group-commit.js';
import { expectGatewayError } from './suite/fixtures.js';

describe('SQLite group commit', () => {
  let dir: string;
  let writer: Database.Database;
  let observer: Database.Database;
  let commits: GroupCommit;

  const rows = (db: Database.Database) => (db.prepare('SELECT v FROM t ORDER BY v').all() as Array<{ v: string }>).map((r) => r.v);
  const insert = (v: string) => () => writer.prepare('INSERT INTO t (v) VALUES (?)').run(v).changes;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'zsa-group-commit-'));
    writer = openDatabase(join(dir, 'g.db'));
    writer.exec('CREATE TABLE t (v TEXT PRIMARY KEY)');
    observer = openDatabase(join(dir, 'g.db'));
    commits = new GroupCommit(writer);
  });

  afterEach(() => {
    commits.close();
    observer.close();
    writer.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the writes of one event-loop turn in one transaction and resolves them after COMMIT', async () => {
    let seenByOther: string[] | undefined;
    let inOneTransaction = false;
    const done = Promise.all([
      commits.write(insert('a')),
      commits.write(() => {
        inOneTransaction = writer.inTransaction;
        seenByOther = rows(observer);
        return insert('b')();
      }),
    ]);
    expect(rows(observer), 'nothing runs before the turn ends').to.deep.equal([]);
    expect(await done).to.deep.equal([1, 1]);
    expect(inOneTransaction).to.equal(true);
    expect(seenByOther, 'a is not committed while b runs').to.deep.equal([]);
    expect(rows(observer)).to.deep.equal(['a', 'b']);
  });

  it('commits writes of a later turn in a transaction of their own', async () => {
    await commits.write(insert('a'));
    let seenByOther: string[] | undefined;
    await commits.write(() => {
      seenByOther = rows(observer);
      return insert('b')();
    });
    expect(seenByOther).to.deep.equal(['a']);
  });

  it('rolls back only the failing operation, including the writes it made before failing', async () => {
    const outcomes = await Promise.allSettled([
      commits.write(insert('a')),
      commits.write(() => {
        insert('b')();
        throw new Error('fails after writing');
      }),
      commits.write(insert('a')), // primary key violation
      commits.write(insert('c')),
    ]);
    expect(outcomes.map((o) => o.status)).to.deep.equal(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason.message).to.equal('fails after writing');
    expect(rows(observer)).to.deep.equal(['a', 'c']);
  });

  it('fails every write of the batch when the transaction cannot start, and recovers for the next batch', async () => {
    observer.exec('BEGIN IMMEDIATE');
    writer.pragma('busy_timeout = 0');
    const outcomes = await Promise.allSettled([commits.write(insert('a')), commits.write(insert('b'))]);
    expect(outcomes.map((o) => o.status)).to.deep.equal(['rejected', 'rejected']);
    observer.exec('ROLLBACK');
    await commits.write(insert('c'));
    expect(rows(observer)).to.deep.equal(['c']);
  });

  it('close runs what is queued, then refuses writes with GW_NOT_READY', async () => {
    const queued = commits.write(insert('a'));
    commits.close();
    expect(rows(observer)).to.deep.equal(['a']);
    expect(await queued).to.equal(1);
    await expectGatewayError(commits.write(insert('b')), 'GW_NOT_READY');
  });
});
