import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { SqliteAuditLog } from '../../gateway/audit/sqlite.js';
import { runRecordDeletion } from '../../gateway/retention/records.js';
import { SqliteMessageStore } from '../../gateway/store/sqlite/store.js';
import { claim, EP_A, newMessage } from './suite/fixtures.js';

const DAY = 86_400_000;
const PER_ROUND = 120;
const ROUNDS = 4;

/** The tombstones: kept for ever by design (ADR 0049), a few hundred bytes per message. */
const TOMBSTONES = new Set(['retention_log', 'retention_log_message_id', 'sqlite_autoindex_retention_log_1']);

/**
 * Pages of the database as a reader sees it (WAL included): in all, free, and in use by
 * everything but the retention log (`dbstat`).
 */
function pages(path: string): { pageCount: number; freelist: number; withoutTombstones: number; tombstonePages: number; messages: number; transitions: number } {
  const db = new Database(path, { readonly: true });
  try {
    const n = (sql: string) => Number(db.prepare(sql).pluck().get());
    const perTable = db.prepare('SELECT name, count(*) AS pages FROM dbstat GROUP BY name').all() as Array<{ name: string; pages: number }>;
    const tombstonePages = perTable.filter((t) => TOMBSTONES.has(t.name)).reduce((a, t) => a + t.pages, 0);
    const inUse = perTable.reduce((a, t) => a + t.pages, 0);
    return {
      pageCount: n('PRAGMA page_count'),
      freelist: n('PRAGMA freelist_count'),
      withoutTombstones: inUse - tombstonePages,
      tombstonePages,
      messages: n('SELECT count(*) FROM messages'),
      transitions: n('SELECT count(*) FROM transitions'),
    };
  } finally {
    db.close();
  }
}

/**
 * One store life of `ROUNDS` rounds: each accepts PER_ROUND messages of 4 KB, delivers them,
 * purges their payloads (first retention stage), lets two days pass and runs the second stage
 * when `deleteRecordsAfterDays` is set. Returns the page counts after each round.
 */
async function live(dir: string, deleteRecordsAfterDays: number | undefined): Promise<{ after: Array<ReturnType<typeof pages>>; audit: SqliteAuditLog }> {
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const path = join(dir, 'gateway.db');
  const store = new SqliteMessageStore({ path, now: () => clock });
  await store.migrate();
  const audit = SqliteAuditLog.open(join(dir, 'audit.db'));
  const after: Array<ReturnType<typeof pages>> = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const msgs = Array.from({ length: PER_ROUND }, () => newMessage({ payload: randomBytes(4096) }));
      await Promise.all(msgs.map((m) => store.accept(m)));
      await Promise.all((await claim(store, { [EP_A]: PER_ROUND }, { now: new Date(clock) })).map((i) => store.markDelivered(i, 'peer confirmed')));
      await Promise.all(msgs.map((m) => store.purgePayload(m.id, 'retention test')));
      clock += 2 * DAY;
      const r = await runRecordDeletion({ store, audit, cfg: { retention: { batchSize: 50, ...(deleteRecordsAfterDays === undefined ? {} : { deleteRecordsAfterDays }) } }, now: new Date(clock), dryRun: false });
      expect(r.deleted).to.equal(deleteRecordsAfterDays === undefined ? 0 : PER_ROUND);
      after.push(pages(path));
    }
    return { after, audit };
  } finally {
    await store.close();
  }
}

/**
 * Retention keeps the store's size bounded (issue 11 goal 5, ADR 0049): with the second stage on,
 * the rows of purged messages go, their pages join SQLite's freelist and the next rounds' rows reuse
 * them, so the file grows only by the tombstones of the retention log, which are kept for ever by
 * design (no VACUUM needed; auto_vacuum stays off, see the ADR). The
 * same life with the stage off grows every round: the check could fail.
 */
describe('SQLite store: the second retention stage bounds the file size', function () {
  this.timeout(120_000);
  const root = mkdtempSync(join(tmpdir(), 'zsa-records-size-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('with deleteRecordsAfterDays the page count stops growing after the first round and every deletion has its audit tombstone', async () => {
    const dir = join(root, 'on');
    const { after: on, audit } = await live(dir, 1);
    try {
      for (const p of on) expect([p.messages, p.transitions]).to.deep.equal([0, 0]);
      const first = on[0]!;
      for (const p of on.slice(1)) {
        // what is not a tombstone stays as small as after the first round: the rows are gone
        expect(p.withoutTombstones, JSON.stringify(on)).to.be.at.most(first.withoutTombstones);
        // apart from the tombstones the file does not grow: later rounds write into the pages earlier
        // deletions freed (the freelist is reused, not added to; 5 % slack for page fragmentation)
        expect(p.pageCount - p.tombstonePages, JSON.stringify(on)).to.be.at.most(Math.ceil((first.pageCount - first.tombstonePages) * 1.05));
      }
      const entries = await audit.list({ limit: 10_000 });
      expect(entries.filter((e) => e.action === 'retention.delete-records')).to.have.length(PER_ROUND * ROUNDS);
      expect((await audit.verify()).ok).to.equal(true);
    } finally {
      await audit.close();
    }
  });

  it('without it the same life keeps every row and the file grows each round', async () => {
    const { after: off, audit } = await live(join(root, 'off'), undefined);
    await audit.close();
    expect(off.at(-1)!.messages).to.equal(PER_ROUND * ROUNDS);
    for (let i = 1; i < off.length; i++) expect(off[i]!.withoutTombstones).to.be.greaterThan(off[i - 1]!.withoutTombstones);
  });
});
