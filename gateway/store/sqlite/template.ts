import type { Compilable, Kysely } from 'kysely';
import type { DB } from '../tables.js';
import { createQueryBuilder } from './connection.js';

const MARK = '\u0000zsa-param:';

interface Compiled {
  sql: string;
  /** Per SQL parameter: the name of the caller's parameter, or a constant of the query. */
  slots: Array<{ key: string } | { value: unknown }>;
}

/**
 * A query of fixed shape, built and compiled by Kysely ONCE; each call only supplies the
 * parameter values. Used on the per-message hot paths (accept, outbox marks), where
 * building and compiling the same query thousands of times a second cost more than SQLite
 * executing it.
 *
 * `build` receives a stand-in for the parameters whose every field is a unique marker
 * string; the markers found among the compiled parameters tell which slot takes which
 * value. Only plain scalar values may come from `p` (no lists for `in`, no objects whose
 * keys vary): a field used any other way leaves no marker among the parameters, or puts
 * one into the SQL text, and the template refuses to compile.
 */
export class QueryTemplate<P extends object, O> {
  private compiled: Compiled | null = null;

  constructor(
    readonly name: string,
    private readonly build: (qb: Kysely<DB>, p: P) => Compilable<O>,
  ) {}

  /** SQL text and parameter values for `p`. */
  bind(p: P): { sql: string; parameters: unknown[] } {
    const c = (this.compiled ??= this.compile());
    const values = p as Record<string, unknown>;
    return {
      sql: c.sql,
      parameters: c.slots.map((s) => {
        if (!('key' in s)) return s.value;
        const v = values[s.key];
        if (Array.isArray(v) || (typeof v === 'object' && v !== null && !(v instanceof Uint8Array))) {
          throw new Error(`query template ${this.name}: parameter ${s.key} is not a plain value`);
        }
        return v;
      }),
    };
  }

  private compile(): Compiled {
    const used = new Set<string>();
    const stand = new Proxy({} as P, {
      get: (_t, key) => {
        if (typeof key !== 'string') return undefined;
        used.add(key);
        return MARK + key;
      },
    });
    const { sql, parameters } = this.build((templateQb ??= createQueryBuilder()), stand).compile();
    if (sql.includes(MARK)) throw new Error(`query template ${this.name}: a parameter ended up in the SQL text`);
    const slots = parameters.map((v) => (typeof v === 'string' && v.startsWith(MARK) ? { key: v.slice(MARK.length) } : { value: v }));
    const bound = new Set(slots.flatMap((s) => ('key' in s ? [s.key] : [])));
    const lost = [...used].filter((k) => !bound.has(k));
    if (lost.length > 0) throw new Error(`query template ${this.name}: parameter(s) ${lost.join(', ')} are not plain values`);
    return { sql, slots };
  }
}

let templateQb: Kysely<DB> | null = null;

export function template<P extends object, O>(name: string, build: (qb: Kysely<DB>, p: P) => Compilable<O>): QueryTemplate<P, O> {
  return new QueryTemplate(name, build);
}
