import { expect } from 'chai';
import { browseSql } from '../../gateway/store/sqlite/browse.js';
import { createQueryBuilder, SqlRunner, type SqliteContext } from '../../gateway/store/sqlite/connection.js';
import type { BrowseQuery } from '../../gateway/store/browse-types.js';
import { browseCases, seedBrowseStore, type SeededStore } from './support/browse-seed.js';

/** How many messages the store holds for this test (the issue asks for a million; BROWSE_SEED_MESSAGES lowers it for a quick local run). */
const N = Number(process.env['BROWSE_SEED_MESSAGES'] ?? 1_000_000);

/** The rows of EXPLAIN QUERY PLAN for `sql`. */
export function planOf(s: SeededStore, sql: string, parameters: readonly unknown[]): string[] {
  return (s.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...parameters) as Array<{ detail: string }>).map((r) => r.detail);
}

describe('store: every message browser filter is answered from an index on a million messages', function () {
  this.timeout(15 * 60_000);
  let s: SeededStore;
  let ctx: SqliteContext;
  before(() => {
    s = seedBrowseStore(N);
    ctx = { sql: new SqlRunner(s.db), qb: createQueryBuilder(), now: () => s.lastMs };
  });
  after(() => s?.close());

  it('holds the seeded messages', () => {
    expect((s.db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n).to.equal(N);
  });

  it('looks up the first message of a time with the index on arrival time', () => {
    const q = ctx.qb.selectFrom('messages').select('seq').where('received_at', '>=', s.firstMs).orderBy('received_at').orderBy('seq').limit(1).compile();
    expect(planOf(s, q.sql, q.parameters).join(' | ')).to.match(/SEARCH messages USING COVERING INDEX messages_received_at \(received_at>\?\)/);
  });


  it('plans each filter, alone, paged and combined, as an index SEARCH without a table SCAN or a sort', () => {
    const bad: string[] = [];
    for (const [name, q] of browseCases(s)) {
      const built = browseSql(ctx, q);
      expect(built, name).to.not.equal(null);
      const c = built!.query.compile();
      const plan = planOf(s, c.sql, c.parameters);
      const text = plan.join(' | ');
      if (!plan.some((d) => /^SEARCH messages USING /.test(d)) || plan.some((d) => /^SCAN messages\b/.test(d)) || /TEMP B-TREE/.test(text)) bad.push(`${name}: ${text}`);
    }
    expect(bad).to.deep.equal([]);
  });

  it('pages through a filter with the cursor without gaps or repeats', async () => {
    const { browseMessages } = await import('../../gateway/store/sqlite/browse.js');
    const q: BrowseQuery = { vorgangId: s.sample.vorgangId, limit: 1 };
    const seen: number[] = [];
    let next: number | null | undefined;
    do {
      const page = browseMessages(ctx, next === undefined ? q : { ...q, beforeSeq: next! });
      seen.push(...page.items.map((m) => m.seq));
      next = page.next;
    } while (next !== null);
    const all = (s.db.prepare('SELECT seq FROM messages WHERE vorgang_id = ? ORDER BY seq DESC').all(s.sample.vorgangId) as Array<{ seq: number }>).map((r) => r.seq);
    expect(seen).to.deep.equal(all);
    expect(all).to.have.length(4);
  });

  it('answers a time range with exactly the messages received in it', async () => {
    const { browseMessages } = await import('../../gateway/store/sqlite/browse.js');
    const from = s.lastMs - 2 * 3_600_000;
    const to = s.lastMs - 3_600_000;
    const got = browseMessages(ctx, { fromMs: from, toMs: to, limit: 500 }).items;
    const want = (s.db.prepare('SELECT count(*) AS n FROM messages WHERE received_at >= ? AND received_at < ?').get(from, to) as { n: number }).n;
    expect(got.length).to.equal(Math.min(500, want));
    expect(got.every((m) => Date.parse(m.receivedAt) >= from && Date.parse(m.receivedAt) < to)).to.equal(true);
  });
});
