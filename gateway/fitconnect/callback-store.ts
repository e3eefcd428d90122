import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { openDatabase } from '../store/sqlite/connection.js';
import { applyMigrations, type Migration } from '../store/sqlite/migrations.js';

/**
 * Pending FIT-Connect callbacks and the callback targets set over the API, on their own SQLite file in the data folder (like the
 * audit log): WAL and `synchronous = FULL`, so a callback enqueued is on disk before
 * `notifyNewSubmissions` returns and a restart resumes it (ADR 0028). Rows are kept after
 * delivery (delivered_at) or giving up (dead_at) for the record; nothing else reads them.
 */
export const CALLBACK_DB_FILE = 'fitconnect-callbacks.db';
export const callbackDbPath = (dataDir: string) => join(dataDir, CALLBACK_DB_FILE);

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'pending callbacks',
    sql: `
CREATE TABLE callbacks (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  destination_id TEXT    NOT NULL,
  body           TEXT    NOT NULL,
  attempts       INTEGER NOT NULL DEFAULT 0,
  due_at         INTEGER NOT NULL,
  created_at     INTEGER NOT NULL,
  delivered_at   INTEGER,
  dead_at        INTEGER,
  last_error     TEXT
);
CREATE INDEX callbacks_due ON callbacks (due_at, id) WHERE delivered_at IS NULL AND dead_at IS NULL;
`,
  },
  {
    version: 2,
    name: 'callback targets set over the API',
    sql: `
CREATE TABLE callback_targets (
  destination_id TEXT    PRIMARY KEY,
  url            TEXT    NOT NULL,
  secret         TEXT    NOT NULL,
  updated_at     INTEGER NOT NULL,
  updated_by     TEXT    NOT NULL
);
`,
  },
];

/** A destination's callback as its subscriber set it over the API (ADR 0041). */
export interface StoredCallbackTarget {
  destinationId: string;
  url: string;
  secret: string;
}

export interface PendingCallback {
  id: number;
  destinationId: string;
  body: string;
  attempts: number;
}

export interface CallbackRecord extends PendingCallback {
  deliveredAt: number | null;
  deadAt: number | null;
  lastError: string | null;
}

export class CallbackStore {
  private constructor(private readonly db: Database.Database) {}

  /** Opens (creating and migrating) the file. */
  static open(path: string): CallbackStore {
    const db = openDatabase(path);
    try {
      applyMigrations(db, MIGRATIONS, 'FIT-Connect callback database');
    } catch (err) {
      db.close();
      throw err;
    }
    return new CallbackStore(db);
  }

  /** Stores one callback, due at once; durable when this returns. */
  enqueue(destinationId: string, body: string, now: number): number {
    const r = this.db.prepare('INSERT INTO callbacks (destination_id, body, due_at, created_at) VALUES (?, ?, ?, ?)').run(destinationId, body, now, now);
    return Number(r.lastInsertRowid);
  }

  /** Undelivered, not given up, due by `now`, oldest first, at most `limit`. */
  due(now: number, limit: number): PendingCallback[] {
    return this.db
      .prepare('SELECT id, destination_id AS destinationId, body, attempts FROM callbacks WHERE delivered_at IS NULL AND dead_at IS NULL AND due_at <= ? ORDER BY due_at, id LIMIT ?')
      .all(now, limit) as PendingCallback[];
  }

  /** When the next undelivered callback is due, or undefined. */
  nextDue(): number | undefined {
    const r = this.db.prepare('SELECT min(due_at) AS d FROM callbacks WHERE delivered_at IS NULL AND dead_at IS NULL').get() as { d: number | null };
    return r.d ?? undefined;
  }

  delivered(id: number, now: number): void {
    this.db.prepare('UPDATE callbacks SET delivered_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?').run(now, id);
  }

  /** Records a failed attempt: due again at `retryAt`, or given up when `retryAt` is undefined. */
  failed(id: number, error: string, now: number, retryAt: number | undefined): void {
    if (retryAt === undefined) this.db.prepare('UPDATE callbacks SET attempts = attempts + 1, last_error = ?, dead_at = ? WHERE id = ?').run(error.slice(0, 500), now, id);
    else this.db.prepare('UPDATE callbacks SET attempts = attempts + 1, last_error = ?, due_at = ? WHERE id = ?').run(error.slice(0, 500), retryAt, id);
  }

  /**
   * Sets (or rotates) a destination's callback as its subscriber sent it; durable when this
   * returns. The secret is kept in this file (private to the gateway's data folder, like the
   * configuration's secret files) because every callback is signed with it.
   */
  saveTarget(t: StoredCallbackTarget, by: string, now: number): void {
    this.db
      .prepare('INSERT INTO callback_targets (destination_id, url, secret, updated_at, updated_by) VALUES (?, ?, ?, ?, ?) ON CONFLICT (destination_id) DO UPDATE SET url = excluded.url, secret = excluded.secret, updated_at = excluded.updated_at, updated_by = excluded.updated_by')
      .run(t.destinationId, t.url, t.secret, now, by);
  }

  /** Every callback set over the API. */
  targets(): StoredCallbackTarget[] {
    return this.db.prepare('SELECT destination_id AS destinationId, url, secret FROM callback_targets ORDER BY destination_id').all() as StoredCallbackTarget[];
  }

  get(id: number): CallbackRecord | undefined {
    return this.db
      .prepare('SELECT id, destination_id AS destinationId, body, attempts, delivered_at AS deliveredAt, dead_at AS deadAt, last_error AS lastError FROM callbacks WHERE id = ?')
      .get(id) as CallbackRecord | undefined;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
