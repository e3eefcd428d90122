import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import {
  DummyDriver,
  Kysely,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type Compilable,
} from 'kysely';
import type { DB } from '../tables.js';
import type { QueryTemplate } from './template.js';
import { createPrivateFile, ensurePrivateDir, restrictSqliteFiles } from '../private-files.js';

/** How long a connection waits for another process's write lock before SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5000;
/** Prepared statements kept per connection; `in (…)` lists make the SQL text vary. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Opens the database file (creating its folder as 0700, the file and its `-wal`/`-shm` as 0600) with the settings the durability
 * guarantee rests on: WAL journal, `synchronous = FULL` (every COMMIT fsyncs the WAL),
 * foreign keys enforced, and a busy timeout for a second process (e.g. the CLI).
 */
export function openDatabase(path: string): Database.Database {
  if (path !== ':memory:') {
    ensurePrivateDir(dirname(path));
    createPrivateFile(path);
  }
  const db = new Database(path);
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (path !== ':memory:' && String(mode).toLowerCase() !== 'wal') {
      throw new Error(`SQLite refused WAL journal mode for ${path} (got ${String(mode)})`);
    }
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    if (path !== ':memory:') restrictSqliteFiles(path);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * A Kysely instance that only builds and compiles queries (it has no connection): the
 * typed query builder for the SQLite backend. Queries are executed by `SqlRunner`.
 */
export function createQueryBuilder(): Kysely<DB> {
  return new Kysely<DB>({
    dialect: {
      createAdapter: () => new SqliteAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new SqliteIntrospector(db),
      createQueryCompiler: () => new SqliteQueryCompiler(),
    },
  });
}

export interface RunResult {
  changes: number;
  lastInsertRowid: number;
}

/**
 * Runs compiled Kysely queries synchronously on one better-sqlite3 connection, with the
 * prepared statement cached by SQL text. Synchronous on purpose: the group commit
 * (group-commit.ts) runs many operations inside one transaction without yielding.
 */
export class SqlRunner {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(readonly db: Database.Database) {}

  /** Rows of a query that returns rows (select, or insert/update … returning). */
  all<O>(query: Compilable<O>): O[];
  all<P extends object, O>(query: QueryTemplate<P, O>, params: P): O[];
  all<P extends object, O>(query: Compilable<O> | QueryTemplate<P, O>, params?: P): O[] {
    const { sql, parameters } = bind(query, params);
    return this.prepare(sql).all(...parameters) as O[];
  }

  /** First row, or undefined. */
  first<O>(query: Compilable<O>): O | undefined;
  first<P extends object, O>(query: QueryTemplate<P, O>, params: P): O | undefined;
  first<P extends object, O>(query: Compilable<O> | QueryTemplate<P, O>, params?: P): O | undefined {
    const { sql, parameters } = bind(query, params);
    return this.prepare(sql).get(...parameters) as O | undefined;
  }

  /** A statement that returns no rows (insert, update, delete). */
  run(query: Compilable<unknown>): RunResult;
  run<P extends object>(query: QueryTemplate<P, unknown>, params: P): RunResult;
  run<P extends object>(query: Compilable<unknown> | QueryTemplate<P, unknown>, params?: P): RunResult {
    const { sql, parameters } = bind(query, params);
    const r = this.prepare(sql).run(...parameters);
    return { changes: r.changes, lastInsertRowid: Number(r.lastInsertRowid) };
  }

  private prepare(sql: string): Database.Statement {
    let stmt = this.statements.get(sql);
    if (stmt === undefined) {
      if (this.statements.size >= STATEMENT_CACHE_SIZE) this.statements.clear();
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }
}

function bind<P extends object, O>(query: Compilable<O> | QueryTemplate<P, O>, params: P | undefined): { sql: string; parameters: readonly unknown[] } {
  return 'bind' in query ? query.bind(params as P) : query.compile();
}

/** What every SQLite store operation works with. */
export interface SqliteContext {
  sql: SqlRunner;
  qb: Kysely<DB>;
  /** Epoch ms; injectable so tests and tools can pin the time. */
  now: () => number;
}
