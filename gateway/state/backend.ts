import { resolve } from 'node:path';
import pg from 'pg';
import type { GatewayConfig } from '../config/schema.js';

/**
 * Where a gateway instance keeps the state beside its messages — audit log, break-glass
 * grants, FIT-Connect callbacks (ADR 0043). It follows the message store: the embedded
 * mode keeps each in its own SQLite file in the data folder; with a PostgreSQL store
 * every instance uses the same database, so what one instance records is in force on all.
 */
export type StateBackend = { kind: 'sqlite'; dataDir: string } | { kind: 'postgres'; url: string };

/**
 * The state backend of a configuration, chosen as the message store is (ADR 0042):
 * PostgreSQL when `store.url` is set, else when the environment variable `DATABASE_URL` is a
 * `postgres://` URL; otherwise SQLite files in `store.dataDir`. Called once at start by
 * gateway/server.ts (and by the deploy lint).
 */
export function stateBackendOf(cfg: Pick<GatewayConfig, 'store'>, env: NodeJS.ProcessEnv = process.env): StateBackend {
  // `url` joins the store's config schema with the PostgreSQL store
  const store = cfg.store as { dataDir: string; url?: string };
  const fromEnv = env['DATABASE_URL'];
  const url = store.url ?? (fromEnv !== undefined && /^postgres(ql)?:\/\//.test(fromEnv) ? fromEnv : undefined);
  return url === undefined ? { kind: 'sqlite', dataDir: resolve(store.dataDir) } : { kind: 'postgres', url };
}

/**
 * A small pool for one state component. Each component has its own (a handful of
 * connections) so a slow audit append never waits behind callback polling.
 */
export function openStatePool(url: string, max = 4): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, idleTimeoutMillis: 30_000 });
  // An idle client losing its connection (PostgreSQL restarted) must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return pool;
}

/** One ordered schema change of a state component on PostgreSQL; never edited once released. */
export interface PgMigration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Applies the missing `migrations` in one transaction, recording them in `<prefix>_migrations`.
 * Instances starting together serialize on a transaction-scoped advisory lock named after the
 * table, so each migration runs once. Returns the versions applied. Throws when the database
 * records a version newer than this code knows (an older gateway against a newer schema).
 */
export async function applyPgMigrations(pool: pg.Pool, prefix: string, migrations: readonly PgMigration[]): Promise<number[]> {
  const table = `${prefix}_migrations`;
  if (!/^[a-z][a-z0-9_]{0,40}$/.test(prefix)) throw new Error(`invalid migration table prefix ${prefix}`);
  return inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [table]);
    await client.query(`CREATE TABLE IF NOT EXISTS ${table} (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await client.query<{ version: number }>(`SELECT version FROM ${table}`)).rows.map((r) => r.version));
    const known = new Set(migrations.map((m) => m.version));
    const unknown = [...done].filter((v) => !known.has(v));
    if (unknown.length > 0) throw new Error(`${table} records version ${Math.max(...unknown)}, newer than this gateway knows; upgrade the gateway`);
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await client.query(m.sql);
      await client.query(`INSERT INTO ${table} (version, name) VALUES ($1, $2)`, [m.version, m.name]);
      applied.push(m.version);
    }
    return applied;
  });
}

/** A pool for one state component with its migrations applied; closed again when they fail. */
export async function openMigratedPool(url: string, prefix: string, migrations: readonly PgMigration[], max?: number): Promise<pg.Pool> {
  const pool = openStatePool(url, max);
  try {
    await applyPgMigrations(pool, prefix, migrations);
  } catch (err) {
    await pool.end();
    throw err;
  }
  return pool;
}

/** Runs `fn` in one transaction on one pooled connection; rolls back when it throws. */
export async function inTransaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(begin);
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/**
 * A statement written once for both backends with PostgreSQL's `$1, $2, …` (each used once,
 * in order) as SQLite's positional `?`.
 */
export function sqlitePlaceholders(sql: string): string {
  return sql.replace(/\$\d+/g, '?');
}
