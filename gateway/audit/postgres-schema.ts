import type pg from 'pg';
import { GENESIS_HASH } from './chain.js';
import type { PgMigration } from '../state/backend.js';

/**
 * Schema of the audit log on PostgreSQL (ADR 0043): the tables of the SQLite audit
 * database (schema.ts), prefixed `audit_`, in the store's database, so every gateway
 * instance appends to one chain. Migrations are recorded in `audit_migrations`; a released
 * one is never edited.
 *
 * Append-only is enforced by triggers as on SQLite: UPDATE, DELETE and TRUNCATE of
 * `audit_log` raise; each inserted row must continue the log (seq = last + 1, prev_hash =
 * the last entry's hash; rows of one multi-row INSERT are checked in order); the one-row
 * `audit_head` checkpoint only moves forward to the newest entry. Someone who may drop
 * triggers or set `session_replication_role` gets past them — that is what `verify` and
 * external anchors are for.
 */
export const PG_AUDIT_FUNCTIONS: Readonly<Record<string, string>> = {
  audit_refuse: `BEGIN RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP; END`,
  audit_continue: `DECLARE last_seq bigint; last_hash text;
BEGIN
  SELECT seq, hash INTO last_seq, last_hash FROM audit_log ORDER BY seq DESC LIMIT 1;
  IF last_seq IS NULL THEN last_seq := 0; last_hash := '${GENESIS_HASH}'; END IF;
  IF NEW.seq IS DISTINCT FROM last_seq + 1 OR NEW.prev_hash IS DISTINCT FROM last_hash THEN
    RAISE EXCEPTION 'audit_log insert does not continue the chain (entry %, last %)', NEW.seq, last_seq;
  END IF;
  RETURN NEW;
END`,
  audit_head_guard: `BEGIN
  IF TG_OP <> 'UPDATE' OR NEW.id IS DISTINCT FROM 1 OR NEW.seq <= OLD.seq
    OR NEW.seq IS DISTINCT FROM (SELECT max(seq) FROM audit_log)
    OR NEW.hash IS DISTINCT FROM (SELECT hash FROM audit_log WHERE seq = NEW.seq) THEN
    RAISE EXCEPTION 'audit_head only advances to the newest entry';
  END IF;
  RETURN NEW;
END`,
};

/** Trigger name → [table, timing and events, level, function]. */
export const PG_AUDIT_TRIGGERS: Readonly<Record<string, readonly [string, string, 'ROW' | 'STATEMENT', string]>> = {
  audit_log_no_change: ['audit_log', 'BEFORE UPDATE OR DELETE', 'ROW', 'audit_refuse'],
  audit_log_no_truncate: ['audit_log', 'BEFORE TRUNCATE', 'STATEMENT', 'audit_refuse'],
  audit_log_chain: ['audit_log', 'BEFORE INSERT', 'ROW', 'audit_continue'],
  audit_head_advance: ['audit_head', 'BEFORE INSERT OR UPDATE OR DELETE', 'ROW', 'audit_head_guard'],
  audit_head_no_truncate: ['audit_head', 'BEFORE TRUNCATE', 'STATEMENT', 'audit_refuse'],
};

export const PG_AUDIT_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: 'hash-chained audit log with head checkpoint',
    sql: `
CREATE TABLE audit_log (
  seq       bigint PRIMARY KEY,
  at        text   NOT NULL,
  actor     text   NOT NULL,
  action    text   NOT NULL,
  target    text   COLLATE "C" NOT NULL,
  outcome   text   NOT NULL CHECK (outcome IN ('allowed', 'refused')),
  detail    text   NOT NULL,
  prev_hash text   NOT NULL,
  hash      text   NOT NULL UNIQUE
);
CREATE INDEX audit_log_target ON audit_log (target, seq);
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE TABLE audit_head (
  id   integer PRIMARY KEY CHECK (id = 1),
  seq  bigint  NOT NULL,
  hash text    NOT NULL,
  at   text    NOT NULL
);
INSERT INTO audit_head (id, seq, hash, at) VALUES (1, 0, '${GENESIS_HASH}', '');
${Object.entries(PG_AUDIT_FUNCTIONS)
  .map(([name, body]) => `CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $fn$${body}$fn$;`)
  .join('\n')}
${Object.entries(PG_AUDIT_TRIGGERS)
  .map(([name, [table, when, level, fn]]) => `CREATE TRIGGER ${name} ${when} ON ${table} FOR EACH ${level} EXECUTE FUNCTION ${fn}();`)
  .join('\n')}
`,
  },
];

/**
 * Names of the append-only triggers (and their functions) that are missing, disabled or not
 * as created. Checked at open (appends refuse when any is) and reported by `verify`.
 */
export async function missingPgTriggers(db: pg.Pool | pg.PoolClient): Promise<string[]> {
  const norm = (s: string) => s.replace(/\s+/g, ' ').trim();
  const triggers = await db.query<{ name: string; enabled: string; fn: string; tbl: string }>(
    `SELECT t.tgname AS name, t.tgenabled AS enabled, p.proname AS fn, c.relname AS tbl
       FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid
      WHERE c.relname IN ('audit_log', 'audit_head') AND c.relnamespace = to_regnamespace(current_schema())::oid AND NOT t.tgisinternal`,
  );
  const functions = await db.query<{ name: string; src: string }>(
    'SELECT proname AS name, prosrc AS src FROM pg_proc WHERE proname = ANY($1) AND pronamespace = to_regnamespace(current_schema())::oid',
    [Object.keys(PG_AUDIT_FUNCTIONS)],
  );
  const src = new Map(functions.rows.map((f) => [f.name, norm(f.src)]));
  const have = new Map(triggers.rows.map((t) => [t.name, t]));
  const bad: string[] = [];
  for (const [name, [table, , , fn]] of Object.entries(PG_AUDIT_TRIGGERS)) {
    const t = have.get(name);
    if (!t || t.enabled === 'D' || t.fn !== fn || t.tbl !== table || src.get(fn) !== norm(PG_AUDIT_FUNCTIONS[fn]!)) bad.push(name);
  }
  return bad;
}
