import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { StateBackend } from '../../gateway/state/backend.js';

/** The PostgreSQL server on this machine (trust authentication); tests fail, never skip, when it is down. */
export const PG_ADMIN_URL = process.env['ZSA_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * A fresh, empty database `zsa_state_<random>` for one test; `drop()` removes it (ending any
 * session still connected). Throws when PostgreSQL cannot be reached.
 */
export async function scratchDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `zsa_state_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), name, drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function adminQuery(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** Runs one statement on `url` with a short-lived connection (what a tamperer or a second tool does). */
export async function queryOn<R extends pg.QueryResultRow = pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<R[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<R>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

/** A fresh state backend of each kind, for suites that run against both (SQLite: a temp data folder; PostgreSQL: a scratch database). */
export const STATE_BACKENDS: Record<StateBackend['kind'], () => Promise<{ backend: StateBackend; cleanup(): Promise<void> }>> = {
  sqlite: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zsa-state-'));
    return { backend: { kind: 'sqlite', dataDir: dir }, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  },
  postgres: async () => {
    const db = await scratchDatabase();
    return { backend: { kind: 'postgres', url: db.url }, cleanup: () => db.drop() };
  },
};
