import type Database from 'better-sqlite3';
import { GatewayError } from '../../errors.js';
import type { StorePressure } from '../types.js';

/** Upper bound of operations per transaction, so one burst cannot grow one WAL frame set without limit. */
const MAX_OPS_PER_TRANSACTION = 1000;

interface PendingWrite {
  op: () => unknown;
  /** What the write is about (a message id), reported to the `onBatchCommitted` observer. */
  label: string | undefined;
  /** performance.now() when queued. */
  queuedAt: number;
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
  /** Writes of the batch now running (between BEGIN and the settling of its promises). */
  private running = 0;
  private runningSince = 0;
  private lastCommitMs = 0;
  private scheduled = false;
  private closed = false;

  /** Transaction control as prepared statements: `exec` would parse the SQL again for every operation. */
  private readonly sql: Record<'begin' | 'savepoint' | 'release' | 'rollbackTo' | 'commit', Database.Statement>;

  /** `onCommit`: called after each batch with its duration from BEGIN to the end of COMMIT or of the failure (seconds), its size, and whether it committed (metrics, pressure). */
  /**
   * `onBatchCommitted`: called right after COMMIT returned (the WAL fsync'd) and before any
   * promise of the batch settles, with the labels of its writes and the connection's
   * `synchronous` setting at that moment (the durability trace, gateway/store/durability-trace.ts).
   */
  constructor(
    private readonly db: Database.Database,
    private readonly onCommit?: (seconds: number, operations: number, committed: boolean) => void,
    private readonly onBatchCommitted?: (labels: string[], synchronous: number) => void,
  ) {
    this.sql = {
      begin: db.prepare('BEGIN IMMEDIATE'),
      savepoint: db.prepare('SAVEPOINT op'),
      release: db.prepare('RELEASE op'),
      rollbackTo: db.prepare('ROLLBACK TO op'),
      commit: db.prepare('COMMIT'),
    };
  }

  /** Queues `op` for the next batch; resolves after that batch's COMMIT. `label` names it for the `onBatchCommitted` observer. */
  write<T>(op: () => T, label?: string): Promise<T> {
    if (this.closed) return Promise.reject(new GatewayError('GW_NOT_READY', 'The message store is closed.'));
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ op, label, queuedAt: performance.now(), resolve: resolve as (value: unknown) => void, reject });
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

  /**
   * Back-pressure figures (MessageStore.pressure): writes queued or running, the age of the
   * oldest of them, and how long the last batch took from BEGIN to the end of COMMIT.
   */
  pressure(now = performance.now()): StorePressure {
    const oldest = this.running > 0 ? this.runningSince : this.pending[0]?.queuedAt;
    return { pendingWrites: this.pending.length + this.running, oldestPendingMs: oldest === undefined ? 0 : Math.max(0, now - oldest), lastCommitMs: this.lastCommitMs };
  }

  /** Flushes what is queued and refuses further writes. */
  close(): void {
    this.flush();
    this.closed = true;
  }

  private runBatch(batch: PendingWrite[]): void {
    this.running = batch.length;
    this.runningSince = batch[0]?.queuedAt ?? 0;
    const began = performance.now();
    try {
      this.runTransaction(batch, began);
    } finally {
      this.running = 0;
    }
  }

  /**
   * Records how long the batch took and tells `onCommit`, BEFORE its promises settle (so a
   * caller refused by this batch already sees its duration in `pressure()`). A failed batch
   * counts too: a write lock held elsewhere (BEGIN waiting out the busy timeout) shows as a
   * slow commit (ADR 0036).
   */
  private finished(began: number, operations: number, committed: boolean): void {
    this.lastCommitMs = performance.now() - began;
    this.onCommit?.(this.lastCommitMs / 1000, operations, committed);
  }

  private runTransaction(batch: PendingWrite[], began: number): void {
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      this.sql.begin.run();
    } catch (error) {
      const refused = busyError(error);
      this.finished(began, batch.length, false);
      for (const w of batch) w.reject(refused);
      return;
    }
    for (const w of batch) {
      if (!this.db.inTransaction) {
        return this.failAll(batch, new GatewayError('GW_INTERNAL', 'SQLite aborted the transaction of this write batch.'), began);
      }
      this.sql.savepoint.run();
      try {
        const value = w.op();
        this.sql.release.run();
        outcomes.push({ ok: true, value });
      } catch (error) {
        if (!this.db.inTransaction) return this.failAll(batch, error, began);
        this.sql.rollbackTo.run();
        this.sql.release.run();
        outcomes.push({ ok: false, error });
      }
    }
    try {
      this.sql.commit.run();
    } catch (error) {
      return this.failAll(batch, busyError(error), began);
    }
    if (this.onBatchCommitted !== undefined) {
      const labels = batch.flatMap((w) => (w.label === undefined ? [] : [w.label]));
      this.onBatchCommitted(labels, Number(this.db.pragma('synchronous', { simple: true })));
    }
    this.finished(began, batch.length, true);
    batch.forEach((w, i) => {
      const o = outcomes[i]!;
      if (o.ok) w.resolve(o.value);
      else w.reject(o.error);
    });
  }

  private failAll(batch: PendingWrite[], error: unknown, began: number): void {
    if (this.db.inTransaction) {
      try {
        this.db.exec('ROLLBACK');
      } catch {
        // The rollback failed as well; the original error is the one callers need.
      }
    }
    this.finished(began, batch.length, false);
    for (const w of batch) w.reject(error);
  }
}

/** Seconds a client is told to wait after the store was busy: the busy timeout, once more. */
const BUSY_RETRY_AFTER_SECONDS = 5;

/**
 * SQLITE_BUSY (another connection held the write lock for the whole busy timeout) is no fault
 * of the request: it becomes GW_OVERLOADED (503, retryable, with Retry-After), nothing stored.
 * Other errors pass unchanged.
 */
function busyError(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_BUSY')) return error;
  return new GatewayError('GW_OVERLOADED', 'The message store is busy (its write lock is held elsewhere); nothing was stored. Try again later.', {
    cause: error,
    extra: { retryAfterSeconds: BUSY_RETRY_AFTER_SECONDS, reason: 'store-busy' },
  });
}
