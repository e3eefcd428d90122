import type Database from 'better-sqlite3';
import { GENESIS_HASH } from './chain.js';
import { applyMigrations, type Migration } from '../store/sqlite/migrations.js';

/**
 * Schema of the audit database (`<dataDir>/audit.db`, separate from the message store so
 * retention, backups and access rights can differ). Ordered migrations; a released one is
 * never edited.
 *
 * Append-only is enforced by triggers, not by convention: UPDATE and DELETE on
 * `audit_log` raise; an INSERT must continue the head (seq = head + 1, prev_hash = head
 * hash); the one-row `audit_head` checkpoint can only advance to the newest entry. This
 * stops bugs and anyone going through SQL with the triggers in place; someone with write
 * access to the file can drop them — that is what `verify` and external anchors are for.
 * The statements are part of migration 1 and must never change (`missingTriggers` compares
 * the database's triggers with them).
 */
export const AUDIT_TRIGGERS: Readonly<Record<string, string>> = {
  audit_log_no_update: `CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END`,
  audit_log_no_delete: `CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END`,
  audit_log_chain: `CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
WHEN NEW.seq IS NOT (SELECT seq + 1 FROM audit_head WHERE id = 1)
  OR NEW.prev_hash IS NOT (SELECT hash FROM audit_head WHERE id = 1)
BEGIN SELECT RAISE(ABORT, 'audit_log insert does not continue the head'); END`,
  audit_head_advance: `CREATE TRIGGER audit_head_advance BEFORE UPDATE ON audit_head
WHEN NEW.id IS NOT 1 OR NEW.seq IS NOT OLD.seq + 1
  OR NEW.hash IS NOT (SELECT hash FROM audit_log WHERE seq = NEW.seq)
BEGIN SELECT RAISE(ABORT, 'audit_head only advances to the newest entry'); END`,
  audit_head_no_delete: `CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
BEGIN SELECT RAISE(ABORT, 'audit_head cannot be deleted'); END`,
  audit_head_no_insert: `CREATE TRIGGER audit_head_no_insert BEFORE INSERT ON audit_head
BEGIN SELECT RAISE(ABORT, 'audit_head has exactly one row'); END`,
};

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'hash-chained audit log with head checkpoint',
    sql: `
CREATE TABLE audit_log (
  seq       INTEGER PRIMARY KEY,
  at        TEXT    NOT NULL,
  actor     TEXT    NOT NULL,
  action    TEXT    NOT NULL,
  target    TEXT    NOT NULL,
  outcome   TEXT    NOT NULL CHECK (outcome IN ('allowed', 'refused')),
  detail    TEXT    NOT NULL,
  prev_hash TEXT    NOT NULL,
  hash      TEXT    NOT NULL UNIQUE
);
CREATE INDEX audit_log_target ON audit_log (target, seq);
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE TABLE audit_head (
  id   INTEGER PRIMARY KEY CHECK (id = 1),
  seq  INTEGER NOT NULL,
  hash TEXT    NOT NULL,
  at   TEXT    NOT NULL
);
INSERT INTO audit_head (id, seq, hash, at) VALUES (1, 0, '${GENESIS_HASH}', '');
${Object.values(AUDIT_TRIGGERS).join(';\n')};
`,
  },
];

/** Applies missing migrations of the audit database (the store's runner). Returns the versions applied. */
export function migrateAudit(db: Database.Database, now: () => number = Date.now): number[] {
  return applyMigrations(db, MIGRATIONS, 'Audit database', now);
}

/** Names of the append-only triggers that are missing or not as created (someone dropped or replaced them). */
export function missingTriggers(db: Database.Database): string[] {
  const norm = (sql: string) => sql.replace(/\s+/g, ' ').trim();
  const present = new Map(
    (db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").all() as Array<{ name: string; sql: string }>).map((r) => [r.name, norm(r.sql)]),
  );
  return Object.entries(AUDIT_TRIGGERS)
    .filter(([name, sql]) => present.get(name) !== norm(sql))
    .map(([name]) => name);
}
