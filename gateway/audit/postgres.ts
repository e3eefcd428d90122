import type pg from 'pg';
import { GatewayError } from '../errors.js';
import { inTransaction, openMigratedPool, openStatePool } from '../state/backend.js';
import { checkNewEntry, hashEntry, verifyChainAsync, type StoredEntry } from './chain.js';
import { compileAuditList, toEntry, type AuditRow } from './list-query.js';
import { missingPgTriggers, PG_AUDIT_MIGRATIONS } from './postgres-schema.js';
import type { AuditEntry, AuditFilter, AuditHead, AuditLog, AuditVerifyOptions, AuditVerifyResult, NewAuditEntry } from './types.js';

const VERIFY_PAGE = 2000;

interface Pending {
  at: string;
  detail: string;
  entry: NewAuditEntry;
  ok: (e: AuditEntry) => void;
  fail: (err: unknown) => void;
}

/**
 * The audit log in the store's PostgreSQL database (ADR 0043), shared by every gateway
 * instance: one chain, whichever instance appends.
 *
 * Ordering across instances: an append batch is one transaction that first locks the
 * `audit_head` row (`SELECT … FOR UPDATE`). Every other instance's batch waits on that row
 * lock and, once the holder commits, re-reads the head it advanced (READ COMMITTED re-checks
 * a locked row), so batches follow each other and each continues the head it read — no fork,
 * no gap. Within one process, appends made while a batch is in flight are collected and
 * written as the next batch (one multi-row INSERT, one head update, one commit), in the
 * order `append` was called. An append resolves after COMMIT (durable with PostgreSQL's
 * `synchronous_commit`, the default).
 *
 * Like SqliteAuditLog, it checks the append-only triggers and the checkpoint at open; when
 * either is off, `append` refuses with GW_AUDIT_CHAIN_BROKEN while reads and `verify` work.
 */
export class PostgresAuditLog implements AuditLog {
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly problems: string[],
  ) {}

  /** Connects, applies missing migrations (`audit_migrations`) and checks integrity. Throws when the database cannot be reached. */
  static async open(url: string): Promise<PostgresAuditLog> {
    const pool = await openMigratedPool(url, 'audit', PG_AUDIT_MIGRATIONS);
    try {
      return new PostgresAuditLog(pool, await integrityProblems(pool));
    } catch (err) {
      await pool.end();
      throw err;
    }
  }

  append(entry: NewAuditEntry): Promise<AuditEntry> {
    if (this.closing) return Promise.reject(new GatewayError('GW_AUDIT_CHAIN_BROKEN', 'The audit log is closed.'));
    let checked: { at: string; detail: string };
    try {
      checked = checkNewEntry(entry);
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.problems.length > 0) {
      return Promise.reject(new GatewayError('GW_AUDIT_CHAIN_BROKEN', `Audit appends are refused: ${this.problems.join('; ')}.`));
    }
    return new Promise<AuditEntry>((ok, fail) => {
      this.queue.push({ ...checked, entry, ok, fail });
      this.flushing ??= this.drain();
    });
  }

  /** Writes queued appends batch after batch until none is left. */
  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        try {
          const written = await inTransaction(this.pool, (c) => this.writeBatch(c, batch));
          batch.forEach((p, i) => p.ok(written[i]!));
        } catch (cause) {
          const err = cause instanceof Error && /audit_|duplicate key/.test(cause.message)
            ? new GatewayError('GW_AUDIT_CHAIN_BROKEN', `The audit database refused the append: ${cause.message}.`, { cause })
            : cause;
          for (const p of batch) p.fail(err);
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }

  private async writeBatch(c: pg.PoolClient, batch: Pending[]): Promise<AuditEntry[]> {
    const head = (await c.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE')).rows[0];
    if (!head) throw new GatewayError('GW_AUDIT_CHAIN_BROKEN', 'The audit head checkpoint is missing.');
    let seq = Number(head.seq);
    let prevHash = head.hash;
    const rows: StoredEntry[] = batch.map(({ at, detail, entry }) => {
      const stored: StoredEntry = { seq: ++seq, at, actor: entry.actor, action: entry.action, target: entry.target, outcome: entry.outcome, detail, prevHash, hash: '' };
      stored.hash = hashEntry(stored);
      prevHash = stored.hash;
      return stored;
    });
    const col = <K extends keyof StoredEntry>(k: K) => rows.map((r) => r[k]);
    await c.query(
      `INSERT INTO audit_log (seq, at, actor, action, target, outcome, detail, prev_hash, hash)
       SELECT seq, at, actor, action, target, outcome, detail, prev_hash, hash
         FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
              WITH ORDINALITY AS u(seq, at, actor, action, target, outcome, detail, prev_hash, hash, n)
        ORDER BY n`,
      [col('seq'), col('at'), col('actor'), col('action'), col('target'), col('outcome'), col('detail'), col('prevHash'), col('hash')],
    );
    const last = rows[rows.length - 1]!;
    await c.query('UPDATE audit_head SET seq = $1, hash = $2, at = $3 WHERE id = 1', [last.seq, last.hash, last.at]);
    return rows.map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> }));
  }

  async list(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    const { sql, parameters } = compileAuditList('postgres', filter);
    return (await this.pool.query<AuditRow>(sql, [...parameters])).rows.map(toEntry);
  }

  async head(): Promise<AuditHead> {
    const r = (await this.pool.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1')).rows[0];
    if (!r) throw new GatewayError('GW_AUDIT_CHAIN_BROKEN', 'The audit head checkpoint is missing.');
    return { seq: Number(r.seq), hash: r.hash };
  }

  /**
   * Walks the whole chain in one REPEATABLE READ, read-only transaction (a consistent snapshot
   * while other instances go on appending), page by page. Appends of this process queued
   * before the call are written first.
   */
  async verify(opts: AuditVerifyOptions = {}): Promise<AuditVerifyResult> {
    await this.flushing;
    return verifyPostgres(this.pool, opts);
  }

  /** Waits for queued appends, then closes the pool. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      while (this.flushing) await this.flushing;
      await this.pool.end();
    })();
    return this.closing;
  }
}

async function integrityProblems(pool: pg.Pool): Promise<string[]> {
  const problems: string[] = [];
  const missing = await missingPgTriggers(pool);
  if (missing.length > 0) problems.push(`append-only triggers missing or changed: ${missing.join(', ')}`);
  const h = (await pool.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1')).rows[0];
  const l = (await pool.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1')).rows[0] ?? { seq: '0', hash: h?.hash ?? '' };
  if (h === undefined) problems.push('the head checkpoint is missing');
  else if (h.seq !== l.seq || h.hash !== l.hash) problems.push(`the head checkpoint (entry ${h.seq}) does not match the last entry (${l.seq})`);
  return problems;
}

/**
 * Verifies the audit log in the PostgreSQL database behind `pool` (PostgresAuditLog.verify and
 * `zsa-gateway audit verify --database-url`), read-only, on one snapshot.
 */
export async function verifyPostgres(pool: pg.Pool, opts: AuditVerifyOptions = {}): Promise<AuditVerifyResult> {
  return inTransaction(
    pool,
    async (c) => {
      const result = await verifyChainAsync(
        {
          async *rows() {
            for (let after = -1; ; ) {
              const batch = (await c.query<AuditRow>('SELECT seq, at, actor, action, target, outcome, detail, prev_hash, hash FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2', [after, VERIFY_PAGE])).rows;
              for (const r of batch) yield { ...r, seq: Number(r.seq), prevHash: r.prev_hash };
              if (batch.length < VERIFY_PAGE) return;
              after = Number(batch[batch.length - 1]!.seq);
            }
          },
          seqOfHash: async (hash) => {
            const r = (await c.query<{ seq: string }>('SELECT seq FROM audit_log WHERE hash = $1', [hash])).rows[0];
            return r === undefined ? undefined : Number(r.seq);
          },
          checkpoint: async () => {
            const r = (await c.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1')).rows[0];
            return r === undefined ? undefined : { seq: Number(r.seq), hash: r.hash };
          },
        },
        opts.anchor,
      );
      const missing = await missingPgTriggers(c);
      if (missing.length > 0) result.warnings.push(`Append-only triggers missing or changed: ${missing.join(', ')}.`);
      return result;
    },
    'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
  );
}

/**
 * `zsa-gateway audit verify --database-url`: verifies the audit log of the PostgreSQL
 * database at `url` without changing it (no migration; a read-only transaction). Throws
 * GW_NOT_FOUND when the database holds no audit log.
 */
export async function verifyAuditDatabase(url: string, opts: AuditVerifyOptions = {}): Promise<AuditVerifyResult> {
  const pool = openStatePool(url, 1);
  try {
    const found = await pool.query("SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename IN ('audit_log', 'audit_head')");
    if (found.rowCount !== 2) throw new GatewayError('GW_NOT_FOUND', 'The database holds no audit log (no audit_log/audit_head tables).');
    return await verifyPostgres(pool, opts);
  } finally {
    await pool.end();
  }
}
