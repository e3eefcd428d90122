import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler } from 'kysely';
import { GatewayError } from '../errors.js';
import type { AuditFilter } from './types.js';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

/** An `audit_log` row as both backends store it (PostgreSQL hands `seq` back as text: bigint). */
export interface AuditRow {
  seq: number | string;
  at: string;
  actor: string;
  action: string;
  target: string;
  outcome: 'allowed' | 'refused';
  detail: string;
  prev_hash: string;
  hash: string;
}

interface AuditTables {
  audit_log: AuditRow;
}

const builders = {
  sqlite: new Kysely<AuditTables>({
    dialect: { createAdapter: () => new SqliteAdapter(), createDriver: () => new DummyDriver(), createIntrospector: (db) => new SqliteIntrospector(db), createQueryCompiler: () => new SqliteQueryCompiler() },
  }),
  postgres: new Kysely<AuditTables>({
    dialect: { createAdapter: () => new PostgresAdapter(), createDriver: () => new DummyDriver(), createIntrospector: (db) => new PostgresIntrospector(db), createQueryCompiler: () => new PostgresQueryCompiler() },
  }),
};

/**
 * The query of `AuditLog.list` for either backend, compiled (not run). Throws
 * GW_BAD_REQUEST for an invalid since/until.
 */
export function compileAuditList(dialect: keyof typeof builders, filter: AuditFilter): { sql: string; parameters: readonly unknown[] } {
  for (const d of [filter.since, filter.until]) {
    if (d !== undefined && (!(d instanceof Date) || Number.isNaN(d.getTime()))) throw new GatewayError('GW_BAD_REQUEST', 'since/until must be valid dates.');
  }
  let q = builders[dialect].selectFrom('audit_log').selectAll();
  if (filter.actor !== undefined) q = q.where('actor', '=', filter.actor);
  if (filter.action !== undefined) q = q.where('action', '=', filter.action);
  if (filter.target !== undefined) q = q.where('target', '=', filter.target);
  if (filter.targetPrefix !== undefined) {
    // A range instead of LIKE: no escaping of % and _, and it uses the index.
    q = q.where('target', '>=', filter.targetPrefix).where('target', '<', `${filter.targetPrefix}\u{10ffff}`);
  }
  if (filter.outcome !== undefined) q = q.where('outcome', '=', filter.outcome);
  if (filter.afterSeq !== undefined) q = q.where('seq', '>', filter.afterSeq);
  if (filter.since !== undefined) q = q.where('at', '>=', filter.since.toISOString());
  if (filter.until !== undefined) q = q.where('at', '<', filter.until.toISOString());
  const limit = Math.min(Math.max(1, Math.trunc(filter.limit ?? DEFAULT_LIMIT)), MAX_LIMIT);
  return q.orderBy('seq', filter.order ?? 'asc').limit(limit).compile();
}

/** A stored row as the API shows it. */
export function toEntry(r: AuditRow) {
  return { seq: Number(r.seq), at: r.at, actor: r.actor, action: r.action, target: r.target, outcome: r.outcome, detail: JSON.parse(r.detail) as Record<string, unknown>, prevHash: r.prev_hash, hash: r.hash };
}
