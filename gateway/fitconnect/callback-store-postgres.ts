import type pg from 'pg';
import { openMigratedPool, type PgMigration } from '../state/backend.js';
import { CALLBACK_SQL, MAX_ERROR_CHARS, type CallbackRecord, type CallbackStore, type PendingCallback, type StoredCallbackTarget } from './callback-store.js';

const MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: 'pending callbacks and callback targets, claimed with a lease',
    sql: `
CREATE TABLE callbacks (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  destination_id text   NOT NULL,
  body           text   NOT NULL,
  attempts       integer NOT NULL DEFAULT 0,
  due_at         bigint NOT NULL,
  created_at     bigint NOT NULL,
  delivered_at   bigint,
  dead_at        bigint,
  last_error     text,
  lease_until    bigint
);
CREATE INDEX callbacks_due ON callbacks (due_at, id) WHERE delivered_at IS NULL AND dead_at IS NULL;
CREATE TABLE callback_targets (
  destination_id text   PRIMARY KEY,
  url            text   NOT NULL,
  secret         text   NOT NULL,
  updated_at     bigint NOT NULL,
  updated_by     text   NOT NULL
);
`,
  },
];

/** bigint columns come back as text from node-postgres. */
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/**
 * FIT-Connect callbacks in the store's PostgreSQL database (ADR 0043), shared by every
 * instance (migrations in `callback_migrations`). A claim takes due rows with
 * `FOR UPDATE SKIP LOCKED` and sets their lease in the same statement, so two instances
 * never claim one callback at once; a claim of an instance that died expires with its lease.
 */
export class PostgresCallbackStore implements CallbackStore {
  private closing: Promise<void> | undefined;

  private constructor(private readonly pool: pg.Pool) {}

  static async open(url: string): Promise<PostgresCallbackStore> {
    return new PostgresCallbackStore(await openMigratedPool(url, 'callback', MIGRATIONS, 3));
  }

  async enqueue(destinationId: string, body: string, now: number): Promise<number> {
    const r = await this.pool.query<{ id: string }>(`${CALLBACK_SQL.enqueue} RETURNING id`, [destinationId, body, now, now]);
    return Number(r.rows[0]!.id);
  }

  async claimDue(now: number, limit: number, leaseMs: number): Promise<PendingCallback[]> {
    const r = await this.pool.query<{ id: string; destinationId: string; body: string; attempts: number; due_at: string }>(
      `UPDATE callbacks SET lease_until = $1
        WHERE id IN (SELECT id FROM callbacks
                      WHERE delivered_at IS NULL AND dead_at IS NULL AND due_at <= $2 AND (lease_until IS NULL OR lease_until <= $2)
                      ORDER BY due_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
        RETURNING id, destination_id AS "destinationId", body, attempts, due_at`,
      [now + leaseMs, now, limit],
    );
    return r.rows
      .sort((a, b) => Number(a.due_at) - Number(b.due_at) || Number(a.id) - Number(b.id))
      .map((c) => ({ id: Number(c.id), destinationId: c.destinationId, body: c.body, attempts: c.attempts }));
  }

  async nextDue(): Promise<number | undefined> {
    const r = await this.pool.query<{ d: string | null }>('SELECT min(greatest(due_at, coalesce(lease_until, 0))) AS d FROM callbacks WHERE delivered_at IS NULL AND dead_at IS NULL');
    return num(r.rows[0]?.d) ?? undefined;
  }

  async delivered(id: number, now: number): Promise<void> {
    await this.pool.query(CALLBACK_SQL.delivered, [now, id]);
  }

  async failed(id: number, error: string, now: number, retryAt: number | undefined): Promise<void> {
    if (retryAt === undefined) await this.pool.query(CALLBACK_SQL.dead, [error.slice(0, MAX_ERROR_CHARS), now, id]);
    else await this.pool.query(CALLBACK_SQL.retry, [error.slice(0, MAX_ERROR_CHARS), retryAt, id]);
  }

  async release(id: number): Promise<void> {
    await this.pool.query(CALLBACK_SQL.release, [id]);
  }

  async saveTarget(t: StoredCallbackTarget, by: string, now: number): Promise<void> {
    await this.pool.query(CALLBACK_SQL.saveTarget, [t.destinationId, t.url, t.secret, now, by]);
  }

  async targets(): Promise<StoredCallbackTarget[]> {
    return (await this.pool.query<StoredCallbackTarget>(CALLBACK_SQL.targets)).rows;
  }

  async get(id: number): Promise<CallbackRecord | undefined> {
    const r = (await this.pool.query<CallbackRecord>(CALLBACK_SQL.get, [id])).rows[0];
    return r && { ...r, id: Number(r.id), deliveredAt: num(r.deliveredAt), deadAt: num(r.deadAt) };
  }

  close(): Promise<void> {
    return (this.closing ??= this.pool.end());
  }
}
