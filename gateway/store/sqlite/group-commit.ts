import type Database from 'better-sqlite3';
import { GatewayError } from '../../errors.js';

/** Upper bound of operations per transaction, so one burst cannot grow one WAL frame set without limit. */
const MAX_OPS_PER_TRANSACTION = 1000;

interface PendingWrite {
  op: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: every write requested in the same event-loop turn runs in ONE SQLite
 * transaction, so many callers share one fsync instead of paying one each.
 *
 * - `write(op)` queues a synchronous operation and schedules a flush with `setImmediate`,
 *   i.e. after the current turn's I/O callbacks (all requests read in that turn) ran.
 * - The flush runs `BEGIN IMMEDIATE`, then each operation inside its own SAVEPOINT: an
 *   operation that throws is rolled back to its savepoint and fails only its own promise.
 * - Promises settle only after COMMIT returned, i.e. after the WAL was fsync'd
 *   (`synchronous = FULL`). If BEGIN or COMMIT fails, every operation of the batch fails.
 * - If SQLite aborted the whole transaction on its own (disk full, I/O error), the
 *   remaining operations are not run in autocommit mode: the batch fails as a whole.
 *
 * Operations must be synchronous and must not open transactions themselves.
 */
export class GroupCommit {
  private pending: PendingWrite[] = [];
  private scheduled = false;
  private closed = false;

  /** Transaction control as prepared statements: `exec` would parse the SQL again for every operation. */
  private readonly sql: Record<'begin' | 'savepoint' | 'release' | 'rollbackTo' | 'commit', Database.Statement>;

  /** `onCommit`: called after each committed batch with its duration from BEGIN to the end of COMMIT (seconds) and its size (metrics). */
  constructor(
    private readonly db: Database.Database,
    private readonly onCommit?: (seconds: number, operations: number) => void,
  ) {
    this.sql = {
      begin: db.prepare('BEGIN IMMEDIATE'),
      savepoint: db.prepare('SAVEPOINT op'),
      release: db.prepare('RELEASE op'),
      rollbackTo: db.prepare('ROLLBACK TO op'),
      commit: db.prepare('COMMIT'),
    };
  }

  write<T>(op: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new GatewayError('GW_NOT_READY', 'The message store is closed.'));
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ op, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Runs everything queued now (also called by close); later writes are refused after `closing`. */
  flush(): void {
    this.scheduled = false;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, MAX_OPS_PER_TRANSACTION);
      this.runBatch(batch);
    }
  }

  /** Flushes what is queued and refuses further writes. */
  close(): void {
    this.flush();
    this.closed = true;
  }

  private runBatch(batch: PendingWrite[]): void {
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    const began = this.onCommit === undefined ? 0 : performance.now();
    try {
      this.sql.begin.run();
    } catch (error) {
      for (const w of batch) w.reject(error);
      return;
    }
    for (const w of batch) {
      if (!this.db.inTransaction) {
        return this.failAll(batch, new GatewayError('GW_INTERNAL', 'SQLite aborted the transaction of this write batch.'));
      }
      this.sql.savepoint.run();
      try {
        const value = w.op();
        this.sql.release.run();
        outcomes.push({ ok: true, value });
      } catch (error) {
        if (!this.db.inTransaction) return this.failAll(batch, error);
        this.sql.rollbackTo.run();
        this.sql.release.run();
        outcomes.push({ ok: false, error });
      }
    }
    try {
      this.sql.commit.run();
    } catch (error) {
      return this.failAll(batch, error);
    }
    this.onCommit?.((performance.now() - began) / 1000, batch.length);
    batch.forEach((w, i) => {
      const o = outcomes[i]!;
      if (o.ok) w.resolve(o.value);
      else w.reject(o.error);
    });
  }

  private failAll(batch: PendingWrite[], error: unknown): void {
    if (this.db.inTransaction) {
      try {
        this.db.exec('ROLLBACK');
      } catch {
        // The rollback failed as well; the original error is the one callers need.
      }
    }
    for (const w of batch) w.reject(error);
  }
}
