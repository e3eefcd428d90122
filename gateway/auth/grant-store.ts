import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { openDatabase } from '../store/sqlite/connection.js';
import { applyMigrations, type Migration } from '../store/sqlite/migrations.js';
import { sqlitePlaceholders as sqlite } from '../state/backend.js';

/** One recorded permission for operators to read payloads of one message or Vorgang for a while. */
export interface BreakGlassGrant {
  id: string;
  grantedBy: string;
  /** Participant id of the operator it is for; null = every operator. */
  grantee: string | null;
  reason: string;
  messageId: string | null;
  vorgangId: string | null;
  grantedAt: string;
  expiresAt: string;
}

/**
 * Where break-glass grants are kept (ADR 0012, ADR 0043): a SQLite file in the data folder
 * in the embedded mode, the store's PostgreSQL database when several instances share it.
 * Every read goes to the database (no cache), so a grant recorded on one instance is in
 * force on every other from the moment `insert` resolves, and ends at `expiresAt` everywhere.
 */
export interface GrantStore {
  /** Records a grant; durable (fsync'd / committed) when this resolves. */
  insert(g: BreakGlassGrant): Promise<void>;
  /** Every grant recorded, newest first. */
  all(): Promise<BreakGlassGrant[]>;
  /** A grant in force at `now` (ISO UTC) that lets `participantId` read this message (by id or by its Vorgang), if any. */
  findInForce(participantId: string, messageId: string, vorgangId: string, now: string): Promise<BreakGlassGrant | undefined>;
  /** Idempotent. */
  close(): Promise<void>;
}

export const GRANT_DB_FILE = 'break-glass.db';
/** The JSON-lines file earlier versions kept grants in; imported once, then renamed `*.imported`. */
export const LEGACY_GRANT_FILE = 'break-glass.jsonl';

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'break-glass grants',
    sql: `
CREATE TABLE break_glass_grants (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  id          TEXT NOT NULL UNIQUE,
  granted_by  TEXT NOT NULL,
  grantee     TEXT,
  reason      TEXT NOT NULL,
  message_id  TEXT,
  vorgang_id  TEXT,
  granted_at  TEXT NOT NULL,
  expires_at  TEXT NOT NULL
);
CREATE INDEX break_glass_grants_message ON break_glass_grants (message_id, expires_at);
CREATE INDEX break_glass_grants_vorgang ON break_glass_grants (vorgang_id, expires_at);
`,
  },
];

/** Column list shared by both backends' queries (snake_case → the grant's camelCase). */
export const GRANT_COLUMNS =
  'id, granted_by AS "grantedBy", grantee, reason, message_id AS "messageId", vorgang_id AS "vorgangId", granted_at AS "grantedAt", expires_at AS "expiresAt"';
/** The condition of findInForce with parameters 1-4: participant, message id, Vorgang id, now. */
export const IN_FORCE = '(grantee IS NULL OR grantee = $1) AND (message_id = $2 OR vorgang_id = $3) AND expires_at > $4';
export const INSERT_GRANT = 'INSERT INTO break_glass_grants (id, granted_by, grantee, reason, message_id, vorgang_id, granted_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)';
export const grantParams = (g: BreakGlassGrant) => [g.id, g.grantedBy, g.grantee, g.reason, g.messageId, g.vorgangId, g.grantedAt, g.expiresAt];

/**
 * Grants in `<dataDir>/break-glass.db` (WAL, synchronous FULL). Opened on first use, so
 * building the HTTP app creates no file; a `break-glass.jsonl` of an earlier version is
 * imported then (grants keep their ids) and renamed.
 */
export class SqliteGrantStore implements GrantStore {
  private db: Database.Database | undefined;

  constructor(private readonly dataDir: string) {}

  private open(): Database.Database {
    if (this.db) return this.db;
    const db = openDatabase(join(this.dataDir, GRANT_DB_FILE));
    try {
      applyMigrations(db, MIGRATIONS, 'Break-glass grant database');
      importLegacyFile(db, join(this.dataDir, LEGACY_GRANT_FILE));
    } catch (err) {
      db.close();
      throw err;
    }
    return (this.db = db);
  }

  async insert(g: BreakGlassGrant): Promise<void> {
    this.open().prepare(sqlite(INSERT_GRANT)).run(...grantParams(g));
  }

  async all(): Promise<BreakGlassGrant[]> {
    return this.open().prepare(`SELECT ${GRANT_COLUMNS} FROM break_glass_grants ORDER BY seq DESC`).all() as BreakGlassGrant[];
  }

  async findInForce(participantId: string, messageId: string, vorgangId: string, now: string): Promise<BreakGlassGrant | undefined> {
    return this.open().prepare(`SELECT ${GRANT_COLUMNS} FROM break_glass_grants WHERE ${sqlite(IN_FORCE)} ORDER BY seq LIMIT 1`).get(participantId, messageId, vorgangId, now) as BreakGlassGrant | undefined;
  }

  async close(): Promise<void> {
    this.db?.close();
    this.db = undefined;
  }
}


function importLegacyFile(db: Database.Database, file: string): void {
  if (!existsSync(file)) return;
  const insert = db.prepare(`${sqlite(INSERT_GRANT)} ON CONFLICT (id) DO NOTHING`);
  db.transaction(() => {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      let g: BreakGlassGrant;
      try {
        g = JSON.parse(line) as BreakGlassGrant;
      } catch {
        continue; // a torn last line after a crash: that grant never took effect (it was fsync'd before it did)
      }
      insert.run(...grantParams(g));
    }
  })();
  renameSync(file, `${file}.imported`);
}
