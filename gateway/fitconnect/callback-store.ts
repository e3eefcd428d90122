import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { sqlitePlaceholders as sqlite, type StateBackend } from '../state/backend.js';
import { openDatabase } from '../store/sqlite/connection.js';
import { applyMigrations, type Migration } from '../store/sqlite/migrations.js';

/**
 * Pending FIT-Connect callbacks and the callback targets set over the API (ADR 0028, ADR
 * 0041): in the embedded mode on their own SQLite file in the data folder (like the audit
 * log: WAL and `synchronous = FULL`), with several instances in the store's PostgreSQL
 * database (callback-store-postgres.ts, ADR 0043). A callback enqueued is durable before
 * `notifyNewSubmissions` returns and a restart resumes it. Rows are kept after delivery
 * (delivered_at) or giving up (dead_at) for the record; nothing else reads them.
 *
 * Each attempt first **claims** the callback for a lease (`lease_until`): a claimed callback
 * is not due for anyone else — no other instance, no second round of this one — until its
 * outcome is recorded (delivered, failed, released) or the lease runs out (the instance
 * died mid-request; another one then sends it again: at-least-once, as FIT-Connect allows).
 */
export interface CallbackStore {
  /** Stores one callback, due at once; durable when this resolves. */
  enqueue(destinationId: string, body: string, now: number): Promise<number>;
  /** Claims up to `limit` callbacks due by `now` (oldest first) until `now + leaseMs`. */
  claimDue(now: number, limit: number, leaseMs: number): Promise<PendingCallback[]>;
  /** When the next undelivered callback is due (or its lease ends), or undefined. */
  nextDue(): Promise<number | undefined>;
  delivered(id: number, now: number): Promise<void>;
  /** Records a failed attempt: due again at `retryAt`, or given up when `retryAt` is undefined. */
  failed(id: number, error: string, now: number, retryAt: number | undefined): Promise<void>;
  /** Ends a claim without counting an attempt (a request cut off by shutdown): due again at once. */
  release(id: number): Promise<void>;
  /**
   * Sets (or rotates) a destination's callback as its subscriber sent it; durable when this
   * resolves. The secret is kept here (private to the gateway, like the configuration's
   * secret files) because every callback is signed with it.
   */
  saveTarget(t: StoredCallbackTarget, by: string, now: number): Promise<void>;
  /** Every callback set over the API. */
  targets(): Promise<StoredCallbackTarget[]>;
  get(id: number): Promise<CallbackRecord | undefined>;
  /** Idempotent. */
  close(): Promise<void>;
}

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

export const CALLBACK_DB_FILE = 'fitconnect-callbacks.db';
export const callbackDbPath = (dataDir: string) => join(dataDir, CALLBACK_DB_FILE);

/** Opens the callback store of a state backend (gateway/fitconnect/wiring.ts, at start). */
export async function openCallbackStore(backend: StateBackend): Promise<CallbackStore> {
  if (backend.kind === 'sqlite') return SqliteCallbackStore.open(callbackDbPath(backend.dataDir));
  // loaded on demand: that module imports this one (the shared statements)
  const { PostgresCallbackStore } = await import('./callback-store-postgres.js');
  return PostgresCallbackStore.open(backend.url);
}

/** Statements both backends run as they are (PostgreSQL placeholders; SQLite gets `?`). */
export const CALLBACK_SQL = {
  enqueue: 'INSERT INTO callbacks (destination_id, body, due_at, created_at) VALUES ($1, $2, $3, $4)',
  delivered: 'UPDATE callbacks SET delivered_at = $1, attempts = attempts + 1, last_error = NULL, lease_until = NULL WHERE id = $2',
  dead: 'UPDATE callbacks SET attempts = attempts + 1, last_error = $1, dead_at = $2, lease_until = NULL WHERE id = $3',
  retry: 'UPDATE callbacks SET attempts = attempts + 1, last_error = $1, due_at = $2, lease_until = NULL WHERE id = $3',
  release: 'UPDATE callbacks SET lease_until = NULL WHERE id = $1',
  saveTarget:
    'INSERT INTO callback_targets (destination_id, url, secret, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (destination_id) DO UPDATE SET url = excluded.url, secret = excluded.secret, updated_at = excluded.updated_at, updated_by = excluded.updated_by',
  targets: 'SELECT destination_id AS "destinationId", url, secret FROM callback_targets ORDER BY destination_id',
  get: 'SELECT id, destination_id AS "destinationId", body, attempts, delivered_at AS "deliveredAt", dead_at AS "deadAt", last_error AS "lastError" FROM callbacks WHERE id = $1',
} as const;

/** Recorded errors are cut to this many characters. */
export const MAX_ERROR_CHARS = 500;

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
  {
    version: 3,
    name: 'claims with a lease (ADR 0043)',
    sql: 'ALTER TABLE callbacks ADD COLUMN lease_until INTEGER;',
  },
];

/**
 * The embedded mode's callback store. One process owns the file, so claims left by a crashed
 * predecessor are released at open (as the outbox does with owner `embedded`, ADR 0011):
 * callbacks in flight at a crash go out again at once.
 */
export class SqliteCallbackStore implements CallbackStore {
  private readonly stmts: Record<keyof typeof CALLBACK_SQL, Database.Statement>;

  private constructor(private readonly db: Database.Database) {
    this.stmts = Object.fromEntries(Object.entries(CALLBACK_SQL).map(([k, sql]) => [k, db.prepare(sqlite(sql))])) as Record<keyof typeof CALLBACK_SQL, Database.Statement>;
  }

  /** Opens (creating and migrating) the file and releases every claim in it. */
  static open(path: string): SqliteCallbackStore {
    const db = openDatabase(path);
    try {
      applyMigrations(db, MIGRATIONS, 'FIT-Connect callback database');
      db.prepare('UPDATE callbacks SET lease_until = NULL WHERE lease_until IS NOT NULL').run();
    } catch (err) {
      db.close();
      throw err;
    }
    return new SqliteCallbackStore(db);
  }

  async enqueue(destinationId: string, body: string, now: number): Promise<number> {
    return Number(this.stmts.enqueue.run(destinationId, body, now, now).lastInsertRowid);
  }

  async claimDue(now: number, limit: number, leaseMs: number): Promise<PendingCallback[]> {
    return this.db.transaction(() => {
      const due = this.db
        .prepare(
          'SELECT id, destination_id AS destinationId, body, attempts FROM callbacks WHERE delivered_at IS NULL AND dead_at IS NULL AND due_at <= ? AND (lease_until IS NULL OR lease_until <= ?) ORDER BY due_at, id LIMIT ?',
        )
        .all(now, now, limit) as PendingCallback[];
      const claim = this.db.prepare('UPDATE callbacks SET lease_until = ? WHERE id = ?');
      for (const c of due) claim.run(now + leaseMs, c.id);
      return due;
    })();
  }

  async nextDue(): Promise<number | undefined> {
    const r = this.db.prepare('SELECT min(max(due_at, coalesce(lease_until, 0))) AS d FROM callbacks WHERE delivered_at IS NULL AND dead_at IS NULL').get() as { d: number | null };
    return r.d ?? undefined;
  }

  async delivered(id: number, now: number): Promise<void> {
    this.stmts.delivered.run(now, id);
  }

  async failed(id: number, error: string, now: number, retryAt: number | undefined): Promise<void> {
    if (retryAt === undefined) this.stmts.dead.run(error.slice(0, MAX_ERROR_CHARS), now, id);
    else this.stmts.retry.run(error.slice(0, MAX_ERROR_CHARS), retryAt, id);
  }

  async release(id: number): Promise<void> {
    this.stmts.release.run(id);
  }

  async saveTarget(t: StoredCallbackTarget, by: string, now: number): Promise<void> {
    this.stmts.saveTarget.run(t.destinationId, t.url, t.secret, now, by);
  }

  async targets(): Promise<StoredCallbackTarget[]> {
    return this.stmts.targets.all() as StoredCallbackTarget[];
  }

  async get(id: number): Promise<CallbackRecord | undefined> {
    return this.stmts.get.get(id) as CallbackRecord | undefined;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
