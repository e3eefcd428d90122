import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { canonicalJson, GENESIS_HASH, hashEntry } from '../../gateway/audit/chain.js';
import { AUDIT_TRIGGERS } from '../../gateway/audit/schema.js';
import { openAuditLog } from '../../gateway/audit/open.js';
import { auditDbPath, SqliteAuditLog } from '../../gateway/audit/sqlite.js';
import type { AuditLog, NewAuditEntry } from '../../gateway/audit/types.js';
import { formatVerifyResult, parseAnchor, verifyAuditFile } from '../../gateway/audit/verify-file.js';
import { expectRefused } from '../crypto/support.js';

const ENTRIES = 8;

function entry(i: number, o: Partial<NewAuditEntry> = {}): NewAuditEntry {
  return {
    actor: i % 2 === 0 ? 'participant:efa-hund' : 'operator:alice',
    action: i % 3 === 0 ? 'payload.read' : 'message.submit',
    target: `message:gw-${String(i).padStart(4, '0')}`,
    outcome: i % 4 === 3 ? 'refused' : 'allowed',
    detail: { i, vorgang: 'V-1', reason: i % 4 === 3 ? 'role operator may not read payloads' : 'ok' },
    at: new Date(Date.UTC(2024, 4, 2, 10, 0, i)),
    ...o,
  };
}

/** What an attacker with write access to the file does: open it directly, drop the triggers, edit. */
function tamperFile(path: string, edit: (db: Database.Database) => void): void {
  const db = new Database(path);
  for (const t of Object.keys(AUDIT_TRIGGERS)) db.exec(`DROP TRIGGER IF EXISTS ${t}`);
  edit(db);
  db.close();
}

// Inline as the CLI opens it, and in the store worker thread as the gateway does (ADR 0034).
for (const thread of ['inline', 'worker'] as const) describe(`audit log (append-only, hash-chained, own SQLite file; ${thread})`, () => {
  let dir: string;
  let path: string;
  let log: AuditLog;
  const open = () => openAuditLog({ path, thread });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'zsa-audit-'));
    path = auditDbPath(dir);
    log = await open();
    for (let i = 1; i <= ENTRIES; i++) await log.append(entry(i));
  });

  afterEach(async () => {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('appending and reading', () => {
    it('numbers entries 1..n and chains each to the hash of the one before', async () => {
      const all = await log.list({ limit: 1000 });
      expect(all.map((e) => e.seq)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(all[0]!.prevHash).to.equal(GENESIS_HASH);
      for (let i = 1; i < all.length; i++) expect(all[i]!.prevHash).to.equal(all[i - 1]!.hash);
      const { detail, ...rest } = all[2]!;
      expect(hashEntry({ ...rest, detail: canonicalJson(detail) })).to.equal(all[2]!.hash);
      expect(await log.head()).to.deep.equal({ seq: 8, hash: all[7]!.hash });
    });

    it('returns the stored entry from append, with its time as ISO UTC', async () => {
      const e = await log.append(entry(9, { detail: { b: 1, a: [true, null] } }));
      expect(e).to.include({ seq: 9, at: '2024-05-02T10:00:09.000Z', outcome: 'allowed', target: 'message:gw-0009' });
      expect(e.detail).to.deep.equal({ a: [true, null], b: 1 });
    });

    it('filters by actor, action, target prefix, outcome, time and seq, in either order', async () => {
      expect((await log.list({ outcome: 'refused' })).map((e) => e.seq)).to.deep.equal([3, 7]);
      expect((await log.list({ actor: 'operator:alice', action: 'payload.read' })).map((e) => e.seq)).to.deep.equal([3]);
      expect((await log.list({ targetPrefix: 'message:gw-000', afterSeq: 5, order: 'desc', limit: 2 })).map((e) => e.seq)).to.deep.equal([8, 7]);
      expect((await log.list({ since: new Date(Date.UTC(2024, 4, 2, 10, 0, 4)), until: new Date(Date.UTC(2024, 4, 2, 10, 0, 6)) })).map((e) => e.seq)).to.deep.equal([4, 5]);
      expect(await log.list({ target: 'message:gw-0002' })).to.have.length(1);
    });

    it('keeps the chain contiguous under many concurrent appends (group commit)', async () => {
      const done = await Promise.all(Array.from({ length: 300 }, (_, i) => log.append(entry(100 + i))));
      expect(done.map((e) => e.seq)).to.deep.equal(Array.from({ length: 300 }, (_, i) => ENTRIES + 1 + i));
      expect(await log.verify()).to.include({ ok: true, entries: ENTRIES + 300 });
    });

    it('refuses malformed entries without breaking the batch they were in', async () => {
      const results = await Promise.allSettled([
        log.append(entry(20)),
        log.append(entry(21, { action: 'Read Payload' })),
        log.append(entry(22, { target: 'gw-0022' })),
        log.append(entry(23, { detail: { when: new Date() } as unknown as Record<string, unknown> })),
        log.append(entry(24, { outcome: 'maybe' as 'allowed' })),
        log.append(entry(25)),
      ]);
      expect(results.map((r) => r.status)).to.deep.equal(['fulfilled', 'rejected', 'rejected', 'rejected', 'rejected', 'fulfilled']);
      expect((results[1] as PromiseRejectedResult).reason).to.have.property('code', 'GW_BAD_REQUEST');
      expect(await log.verify()).to.include({ ok: true, entries: ENTRIES + 2 });
    });

    it('answers an append only once its entry is committed (another connection reads it)', async () => {
      const appended = await Promise.all([log.append(entry(30)), log.append(entry(31))]);
      const other = new Database(path, { readonly: true });
      try {
        const rows = other.prepare('SELECT seq, hash FROM audit_log WHERE seq >= ? ORDER BY seq').all(appended[0]!.seq) as Array<{ seq: number; hash: string }>;
        expect(rows).to.deep.equal(appended.map((e) => ({ seq: e.seq, hash: e.hash })));
      } finally {
        other.close();
      }
    });

    it('refuses values no JSON (nor a thread boundary) carries as GW_BAD_REQUEST, and the chain goes on', async () => {
      await expectRefused(() => log.append(entry(40, { detail: { f: () => 1 } as unknown as Record<string, unknown> })), 'GW_BAD_REQUEST');
      await expectRefused(() => log.append(entry(41, { at: new Date(Number.NaN) })), 'GW_BAD_REQUEST');
      expect(await log.append(entry(42))).to.include({ seq: ENTRIES + 1 });
    });

    if (thread === 'inline') {
      it('runs WAL with synchronous FULL and reports no problems on a fresh log', () => {
        expect((log as SqliteAuditLog).diagnostics()).to.deep.equal({ journalMode: 'wal', synchronous: 2, problems: [] });
      });
    }
  });

  describe('append-only enforcement by triggers', () => {
    it('refuses UPDATE and DELETE of entries and any edit of the head, through SQL', () => {
      const db = new Database(path);
      try {
        expect(() => db.prepare("UPDATE audit_log SET detail = '{}' WHERE seq = 2").run()).to.throw(/append-only/);
        expect(() => db.prepare('DELETE FROM audit_log WHERE seq = 8').run()).to.throw(/append-only/);
        expect(() => db.prepare('UPDATE audit_head SET seq = 3').run()).to.throw(/only advances/);
        expect(() => db.prepare('DELETE FROM audit_head').run()).to.throw(/cannot be deleted/);
        expect(() => db.prepare(`INSERT INTO audit_log VALUES (99, 'x', 'a', 'b.c', 'message:x', 'allowed', '{}', '${GENESIS_HASH}', 'h')`).run()).to.throw(/continue the head/);
      } finally {
        db.close();
      }
    });
  });

  describe('verify finds every kind of tampering by someone with file access', () => {
    it('reports ok on an intact log, also from a read-only CLI connection while the log is open', async () => {
      expect(await log.verify()).to.deep.include({ ok: true, entries: ENTRIES, warnings: [] });
      const r = verifyAuditFile(path);
      expect(r).to.deep.include({ ok: true, entries: ENTRIES });
      expect(formatVerifyResult(r)).to.match(/^audit: ok, 8 entries, head 8:[0-9a-f]{64}$/);
    });

    const cases: Array<[string, (db: Database.Database) => void, { firstBadSeq: number; reason: string }]> = [
      ['an altered detail', (db) => db.prepare(`UPDATE audit_log SET detail = '{"i":4,"reason":"ok","vorgang":"V-2"}' WHERE seq = 4`).run(), { firstBadSeq: 4, reason: 'altered' }],
      ['an altered outcome', (db) => db.prepare(`UPDATE audit_log SET outcome = 'allowed' WHERE seq = 7`).run(), { firstBadSeq: 7, reason: 'altered' }],
      ['a removed middle entry', (db) => db.prepare('DELETE FROM audit_log WHERE seq = 5').run(), { firstBadSeq: 5, reason: 'removed' }],
      ['a removed last entry', (db) => db.prepare('DELETE FROM audit_log WHERE seq = 8').run(), { firstBadSeq: 8, reason: 'removed' }],
      ['two swapped entries', (db) => {
        db.prepare('UPDATE audit_log SET seq = -3 WHERE seq = 3').run();
        db.prepare('UPDATE audit_log SET seq = 3 WHERE seq = 4').run();
        db.prepare('UPDATE audit_log SET seq = 4 WHERE seq = -3').run();
      }, { firstBadSeq: 3, reason: 'reordered' }],
      ['a removed entry with the rest renumbered', (db) => {
        db.prepare('DELETE FROM audit_log WHERE seq = 2').run();
        for (let s = 3; s <= ENTRIES; s++) db.prepare('UPDATE audit_log SET seq = ? WHERE seq = ?').run(s - 1, s);
        db.prepare('UPDATE audit_head SET seq = 7').run();
      }, { firstBadSeq: 2, reason: 'removed' }],
      ['an entry rehashed after editing', (db) => {
        const r = db.prepare('SELECT * FROM audit_log WHERE seq = 6').get() as Record<string, string | number>;
        const detail = '{"forged":true}';
        const hash = hashEntry({ seq: 6, at: r.at as string, actor: r.actor as string, action: r.action as string, target: r.target as string, outcome: r.outcome as 'allowed', detail, prevHash: r.prev_hash as string });
        db.prepare('UPDATE audit_log SET detail = ?, hash = ? WHERE seq = 6').run(detail, hash);
      }, { firstBadSeq: 6, reason: 'altered' }],
      ['an entry appended outside the gateway', (db) => {
        const last = db.prepare('SELECT hash FROM audit_log WHERE seq = 8').get() as { hash: string };
        const forged = { seq: 9, at: '2024-05-02T11:00:00.000Z', actor: 'system', action: 'payload.read', target: 'message:x', outcome: 'allowed' as const, detail: '{}', prevHash: last.hash };
        db.prepare('INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run(9, forged.at, forged.actor, forged.action, forged.target, forged.outcome, forged.detail, forged.prevHash, hashEntry(forged));
      }, { firstBadSeq: 9, reason: 'altered' }],
    ];

    for (const [name, edit, expected] of cases) {
      it(`detects ${name}`, async () => {
        await log.close();
        tamperFile(path, edit);
        const fromFile = verifyAuditFile(path);
        expect(fromFile, fromFile.ok ? 'ok' : fromFile.detail).to.deep.include({ ok: false, ...expected });
        expect(fromFile.warnings.join(' ')).to.match(/triggers missing or changed/);
        log = await open();
        expect(await log.verify()).to.deep.include({ ok: false, ...expected });
        await expectRefused(() => log.append(entry(99)), 'GW_AUDIT_CHAIN_BROKEN');
      });
    }

    it('needs an external anchor to detect removed last entries when the head was moved back too (the documented limit)', async () => {
      const anchor = await log.head();
      await log.close();
      tamperFile(path, (db) => {
        db.prepare('DELETE FROM audit_log WHERE seq > 6').run();
        db.prepare('UPDATE audit_head SET seq = 6, hash = (SELECT hash FROM audit_log WHERE seq = 6)').run();
      });
      expect(verifyAuditFile(path)).to.include({ ok: true, entries: 6 });
      expect(verifyAuditFile(path, { anchor })).to.deep.include({ ok: false, firstBadSeq: 7, reason: 'removed' });
      log = await open();
    });

    it('needs an external anchor to detect a rewrite that recomputed every hash and the head (the documented limit)', async () => {
      const anchor = await log.head();
      await log.close();
      tamperFile(path, (db) => {
        const rows = db.prepare('SELECT * FROM audit_log ORDER BY seq').all() as Array<Record<string, string | number>>;
        let prev = GENESIS_HASH;
        for (const r of rows) {
          const detail = r.seq === 2 ? '{"rewritten":true}' : (r.detail as string);
          const hash = hashEntry({ seq: r.seq as number, at: r.at as string, actor: r.actor as string, action: r.action as string, target: r.target as string, outcome: r.outcome as 'allowed', detail, prevHash: prev });
          db.prepare('UPDATE audit_log SET detail = ?, prev_hash = ?, hash = ? WHERE seq = ?').run(detail, prev, hash, r.seq);
          prev = hash;
        }
        db.prepare('UPDATE audit_head SET hash = ?').run(prev);
        for (const sql of Object.values(AUDIT_TRIGGERS)) db.exec(sql);
      });
      expect(verifyAuditFile(path)).to.include({ ok: true });
      expect(verifyAuditFile(path, { anchor })).to.deep.include({ ok: false, firstBadSeq: 8, reason: 'altered' });
      expect(verifyAuditFile(path, { anchor: parseAnchor(`${anchor.seq + 5}:${anchor.hash}`) })).to.deep.include({ ok: false, firstBadSeq: 9, reason: 'removed' });
      log = await open();
    });

    it('refuses a missing file or one that is not an audit database', async () => {
      await expectRefused(() => verifyAuditFile(join(dir, 'nope.db')), 'GW_NOT_FOUND');
      const other = new Database(join(dir, 'other.db'));
      other.exec('CREATE TABLE t (x)');
      other.close();
      await expectRefused(() => verifyAuditFile(join(dir, 'other.db')), 'GW_NOT_FOUND');
      await expectRefused(() => parseAnchor('8:xyz'), 'GW_BAD_REQUEST');
    });
  });

  describe('canonical serialization', () => {
    it('sorts keys at every level and refuses values JSON cannot carry', () => {
      expect(canonicalJson({ b: { d: 1, c: [2, { f: null, e: 'x' }] }, a: true })).to.equal('{"a":true,"b":{"c":[2,{"e":"x","f":null}],"d":1}}');
      for (const bad of [new Date(), Number.NaN, undefined, () => 1, 1n]) expect(() => canonicalJson(bad)).to.throw(TypeError);
    });
  });
});
