import { expect } from 'chai';
import { canonicalJson, GENESIS_HASH, hashEntry } from '../../gateway/audit/chain.js';
import { openAuditLog } from '../../gateway/audit/open.js';
import { PostgresAuditLog } from '../../gateway/audit/postgres.js';
import { PG_AUDIT_TRIGGERS } from '../../gateway/audit/postgres-schema.js';
import type { AuditLog, NewAuditEntry } from '../../gateway/audit/types.js';
import { expectRefused } from '../crypto/support.js';
import { queryOn, scratchDatabase } from '../support/state-db.js';

const PER_INSTANCE = 250;

function entry(instance: string, i: number, o: Partial<NewAuditEntry> = {}): NewAuditEntry {
  return {
    actor: `operator:${instance}`,
    action: i % 3 === 0 ? 'payload.read' : 'message.submit',
    target: `message:gw-${instance}-${String(i).padStart(4, '0')}`,
    outcome: i % 4 === 3 ? 'refused' : 'allowed',
    detail: { i, instance },
    at: new Date(Date.UTC(2026, 10, 2, 10, 0, 0, i)),
    ...o,
  };
}

/** What someone with SQL access and the right to drop triggers does to the shared database. */
async function tamper(url: string, sql: string, params: unknown[] = []): Promise<void> {
  await queryOn(url, `${Object.entries(PG_AUDIT_TRIGGERS).map(([name, [table]]) => `DROP TRIGGER IF EXISTS ${name} ON ${table};`).join(' ')} ${sql}`, params);
}

describe('audit log on PostgreSQL: one chain for every gateway instance', function () {
  // creating and dropping a database waits for the shared server, which other engineers' tests load too
  this.timeout(120_000);
  let db: Awaited<ReturnType<typeof scratchDatabase>>;
  let a: AuditLog;
  let b: AuditLog;

  beforeEach(async () => {
    db = await scratchDatabase();
    // two instances start together: both migrate the same database
    [a, b] = await Promise.all([openAuditLog({ postgresUrl: db.url }), openAuditLog({ postgresUrl: db.url })]);
  });

  afterEach(async () => {
    await Promise.all([a.close(), b.close()]);
    await db.drop();
  });

  it('creates its tables once when two instances start together, prefixed audit_', async () => {
    const tables = await queryOn<{ t: string }>(db.url, "SELECT tablename AS t FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1");
    expect(tables.map((r) => r.t)).to.deep.equal(['audit_head', 'audit_log', 'audit_migrations']);
    expect(await queryOn(db.url, 'SELECT version FROM audit_migrations')).to.deep.equal([{ version: 1 }]);
    expect(await a.head()).to.deep.equal({ seq: 0, hash: GENESIS_HASH });
  });

  it('keeps one gapless, unforked chain while two instances append hundreds of entries at once', async () => {
    // each instance appends in waves (several batches in flight per instance over time), both at the same time
    const run = async (log: AuditLog, name: string) => {
      const out = [];
      for (let w = 0; w < 5; w++) out.push(...(await Promise.all(Array.from({ length: PER_INSTANCE / 5 }, (_, i) => log.append(entry(name, w * 50 + i))))));
      return out;
    };
    const [fromA, fromB] = await Promise.all([run(a, 'a'), run(b, 'b')]);
    const seqs = [...fromA, ...fromB].map((e) => e.seq).sort((x, y) => x - y);
    expect(seqs).to.deep.equal(Array.from({ length: 2 * PER_INSTANCE }, (_, i) => i + 1));
    // interleaved, not one instance's entries after the other's
    const all = await a.list({ limit: 1000 });
    const switches = all.filter((e, i) => i > 0 && e.actor !== all[i - 1]!.actor).length;
    expect(switches).to.be.greaterThan(1);
    // every instance's own entries keep the order it appended them in
    for (const name of ['a', 'b']) {
      const mine = all.filter((e) => e.actor === `operator:${name}`).map((e) => e.detail['i'] as number);
      expect(mine).to.deep.equal([...mine].sort((x, y) => x - y));
    }
    for (let i = 1; i < all.length; i++) expect(all[i]!.prevHash).to.equal(all[i - 1]!.hash);
    const { detail, ...rest } = all[7]!;
    expect(hashEntry({ ...rest, detail: canonicalJson(detail) })).to.equal(all[7]!.hash);
    for (const log of [a, b]) expect(await log.verify()).to.deep.include({ ok: true, entries: 2 * PER_INSTANCE, head: await b.head() });
  });

  it('answers the same list filters as the SQLite log', async () => {
    for (let i = 1; i <= 8; i++) await (i % 2 ? a : b).append(entry(i % 2 ? 'a' : 'b', i));
    expect((await b.list({ outcome: 'refused' })).map((e) => e.seq)).to.deep.equal([3, 7]);
    expect((await b.list({ actor: 'operator:a', action: 'payload.read' })).map((e) => e.seq)).to.deep.equal([3]);
    expect((await a.list({ targetPrefix: 'message:gw-b-', order: 'desc', limit: 2 })).map((e) => e.seq)).to.deep.equal([8, 6]);
    expect((await a.list({ targetPrefix: 'message:gw-b-000%' })).map((e) => e.seq)).to.deep.equal([]);
    expect((await a.list({ since: new Date(Date.UTC(2026, 10, 2, 10, 0, 0, 4)), until: new Date(Date.UTC(2026, 10, 2, 10, 0, 0, 6)) })).map((e) => e.seq)).to.deep.equal([4, 5]);
    expect((await a.list({ afterSeq: 6 })).map((e) => e.seq)).to.deep.equal([7, 8]);
  });

  it('refuses a malformed entry alone; the batch it was sent with is written', async () => {
    const results = await Promise.allSettled([a.append(entry('a', 1)), a.append(entry('a', 2, { action: 'Read Payload' })), a.append(entry('a', 3))]);
    expect(results.map((r) => r.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).to.have.property('code', 'GW_BAD_REQUEST');
    expect(await b.verify()).to.include({ ok: true, entries: 2 });
  });

  it('refuses UPDATE, DELETE, TRUNCATE and an insert that does not continue the chain, in the database itself', async () => {
    for (let i = 1; i <= 3; i++) await a.append(entry('a', i));
    for (const sql of ["UPDATE audit_log SET actor = 'operator:mallory' WHERE seq = 2", 'DELETE FROM audit_log WHERE seq = 3', 'TRUNCATE audit_log', "UPDATE audit_head SET seq = 2, hash = (SELECT hash FROM audit_log WHERE seq = 2)"]) {
      let refused: unknown;
      await queryOn(db.url, sql).catch((err: unknown) => (refused = err));
      expect(String(refused), sql).to.match(/audit_(log is append-only|head only advances)/);
    }
    const last = (await a.list({ order: 'desc', limit: 1 }))[0]!;
    const forged = { seq: 5, at: last.at, actor: 'x', action: 'a.b', target: 'message:x', outcome: 'allowed' as const, detail: '{}', prevHash: last.hash };
    let refused: unknown;
    await queryOn(db.url, 'INSERT INTO audit_log VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)', [forged.seq, forged.at, forged.actor, forged.action, forged.target, forged.outcome, forged.detail, forged.prevHash, hashEntry(forged)]).catch((err: unknown) => (refused = err));
    expect(String(refused)).to.match(/does not continue the chain/);
    expect(await a.verify()).to.include({ ok: true, entries: 3 });
  });

  describe('tampering behind the triggers is found by verify and stops appends', () => {
    beforeEach(async () => {
      for (let i = 1; i <= 6; i++) await (i % 2 ? a : b).append(entry(i % 2 ? 'a' : 'b', i));
    });

    it('an altered entry', async () => {
      await tamper(db.url, "UPDATE audit_log SET actor = 'operator:mallory' WHERE seq = 4");
      expect(await a.verify()).to.deep.include({ ok: false, firstBadSeq: 4, reason: 'altered' });
      const reopened = await PostgresAuditLog.open(db.url);
      try {
        await expectRefused(() => reopened.append(entry('c', 1)), 'GW_AUDIT_CHAIN_BROKEN');
        expect((await reopened.verify()).warnings.join(' ')).to.match(/triggers missing or changed: audit_log_no_change/);
      } finally {
        await reopened.close();
      }
    });

    it('a removed entry', async () => {
      await tamper(db.url, 'DELETE FROM audit_log WHERE seq = 3');
      expect(await b.verify()).to.deep.include({ ok: false, firstBadSeq: 3, reason: 'removed' });
    });

    it('the newest entries cut off with the checkpoint moved back', async () => {
      const anchor = await a.head();
      await tamper(db.url, "DELETE FROM audit_log WHERE seq > 4; UPDATE audit_head SET seq = 4, hash = (SELECT hash FROM audit_log WHERE seq = 4)");
      expect(await a.verify()).to.include({ ok: true, entries: 4 });
      expect(await a.verify({ anchor })).to.deep.include({ ok: false, firstBadSeq: 5, reason: 'removed' });
    });

    it('a trigger disabled rather than dropped', async () => {
      await queryOn(db.url, 'ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change');
      const reopened = await PostgresAuditLog.open(db.url);
      try {
        await expectRefused(() => reopened.append(entry('c', 1)), 'GW_AUDIT_CHAIN_BROKEN');
      } finally {
        await reopened.close();
      }
    });
  });
});
