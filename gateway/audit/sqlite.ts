import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { GatewayError } from '../errors.js';
import { openDatabase } from '../store/sqlite/connection.js';
import { GroupCommit } from '../store/sqlite/group-commit.js';
import { checkNewEntry, hashEntry, verifyChain, type StoredEntry } from './chain.js';
import { migrateAudit, missingTriggers } from './schema.js';
import { compileAuditList, toEntry, type AuditRow } from './list-query.js';
import type { AuditEntry, AuditFilter, AuditHead, AuditLog, AuditVerifyOptions, AuditVerifyResult, NewAuditEntry } from './types.js';

/** File name of the audit database inside the gateway's data folder. */
export const AUDIT_DB_FILE = 'audit.db';
const VERIFY_PAGE = 2000;

export const auditDbPath = (dataDir: string) => join(dataDir, AUDIT_DB_FILE);

/**
 * The audit log on its own SQLite file (WAL, synchronous FULL — see openDatabase), with
 * appends batched by the store's group commit: appends requested in the same event-loop
 * turn share one transaction and one fsync; each runs in its own savepoint, so one bad
 * append fails alone. An append reads the head inside the write transaction, so it also
 * chains correctly after appends by another process (e.g. the CLI).
 *
 * On open it checks that the append-only triggers are intact and that the checkpoint
 * matches the last entry; if not, `append` refuses with GW_AUDIT_CHAIN_BROKEN (reads and
 * `verify` still work) so tampering stops the record rather than being papered over.
 */
export class SqliteAuditLog implements AuditLog {
  private readonly commits: GroupCommit;
  private readonly sql: Record<'head' | 'insert' | 'advance' | 'last', Database.Statement>;
  private readonly problems: string[];
  private closing: Promise<void> | undefined;

  private constructor(private readonly db: Database.Database) {
    this.commits = new GroupCommit(db);
    this.sql = {
      head: db.prepare('SELECT seq, hash FROM audit_head WHERE id = 1'),
      insert: db.prepare(
        'INSERT INTO audit_log (seq, at, actor, action, target, outcome, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      advance: db.prepare('UPDATE audit_head SET seq = ?, hash = ?, at = ? WHERE id = 1'),
      last: db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1'),
    };
    this.problems = integrityProblems(db, this.sql.head, this.sql.last);
  }

  /** Opens (creating and migrating) `path`, e.g. `auditDbPath(dataDir)`. */
  static open(path: string): SqliteAuditLog {
    const db = openDatabase(path);
    try {
      // REPLACE conflict resolution deletes rows without firing DELETE triggers unless this is on.
      db.pragma('recursive_triggers = ON');
      migrateAudit(db);
      return new SqliteAuditLog(db);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  append(entry: NewAuditEntry): Promise<AuditEntry> {
    let checked: { at: string; detail: string };
    try {
      checked = checkNewEntry(entry);
    } catch (err) {
      return Promise.reject(err);
    }
    const { at, detail } = checked;
    if (this.problems.length > 0) {
      return Promise.reject(new GatewayError('GW_AUDIT_CHAIN_BROKEN', `Audit appends are refused: ${this.problems.join('; ')}.`));
    }
    return this.commits.write(() => {
      const head = this.sql.head.get() as AuditHead;
      const stored: StoredEntry = { seq: head.seq + 1, at, actor: entry.actor, action: entry.action, target: entry.target, outcome: entry.outcome, detail, prevHash: head.hash, hash: '' };
      stored.hash = hashEntry(stored);
      try {
        this.sql.insert.run(stored.seq, at, stored.actor, stored.action, stored.target, stored.outcome, detail, stored.prevHash, stored.hash);
        this.sql.advance.run(stored.seq, stored.hash, at);
      } catch (cause) {
        if (!(cause instanceof Error) || !/audit_|UNIQUE/.test(cause.message)) throw cause;
        throw new GatewayError('GW_AUDIT_CHAIN_BROKEN', `The audit database refused the append: ${cause.message}.`, { cause });
      }
      return { ...stored, detail: JSON.parse(detail) as Record<string, unknown> };
    });
  }

  async list(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    const { sql, parameters } = compileAuditList('sqlite', filter);
    return (this.db.prepare(sql).all(...parameters) as AuditRow[]).map(toEntry);
  }

  /** Connection settings as SQLite reports them (health page, tests): journal mode and synchronous (2 = FULL). */
  diagnostics(): { journalMode: string; synchronous: number; problems: string[] } {
    return {
      journalMode: String(this.db.pragma('journal_mode', { simple: true })),
      synchronous: Number(this.db.pragma('synchronous', { simple: true })),
      problems: [...this.problems],
    };
  }

  async head(): Promise<AuditHead> {
    return this.sql.head.get() as AuditHead;
  }

  /** Walks the whole chain synchronously on this connection (a consistent snapshot); for large logs prefer `verifyAuditFile` in another process. */
  async verify(opts: AuditVerifyOptions = {}): Promise<AuditVerifyResult> {
    this.commits.flush();
    return verifyDatabase(this.db, opts);
  }

  close(): Promise<void> {
    this.closing ??= Promise.resolve().then(() => {
      this.commits.close();
      this.db.close();
    });
    return this.closing;
  }
}

function integrityProblems(db: Database.Database, head: Database.Statement, last: Database.Statement): string[] {
  const problems: string[] = [];
  const missing = missingTriggers(db);
  if (missing.length > 0) problems.push(`append-only triggers missing or changed: ${missing.join(', ')}`);
  const h = head.get() as AuditHead | undefined;
  const l = (last.get() as AuditHead | undefined) ?? { seq: 0, hash: h?.hash ?? '' };
  if (h === undefined) problems.push('the head checkpoint is missing');
  else if (h.seq !== l.seq || h.hash !== l.hash) problems.push(`the head checkpoint (entry ${h.seq}) does not match the last entry (${l.seq})`);
  return problems;
}

/**
 * Verifies an open audit database inside one read transaction (a consistent snapshot).
 * Used by `SqliteAuditLog.verify` and `verifyAuditFile`.
 */
export function verifyDatabase(db: Database.Database, opts: AuditVerifyOptions = {}): AuditVerifyResult {
  const page = db.prepare('SELECT seq, at, actor, action, target, outcome, detail, prev_hash, hash FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?');
  const bySeq = db.prepare('SELECT seq FROM audit_log WHERE hash = ?');
  const head = db.prepare('SELECT seq, hash FROM audit_head WHERE id = 1');
  const run = db.transaction(() => {
    const result = verifyChain(
      {
        // Pages rather than one iterator: the lookups below need the connection meanwhile.
        *rows() {
          for (let after = Number.MIN_SAFE_INTEGER; ; ) {
            const batch = page.all(after, VERIFY_PAGE) as AuditRow[];
            for (const r of batch) yield { ...r, seq: Number(r.seq), prevHash: r.prev_hash };
            if (batch.length < VERIFY_PAGE) return;
            after = Number(batch[batch.length - 1]!.seq);
          }
        },
        seqOfHash: (hash) => (bySeq.get(hash) as { seq: number } | undefined)?.seq,
        checkpoint: () => head.get() as AuditHead | undefined,
      },
      opts.anchor,
    );
    const missing = missingTriggers(db);
    if (missing.length > 0) result.warnings.push(`Append-only triggers missing or changed: ${missing.join(', ')}.`);
    return result;
  });
  return run();
}
