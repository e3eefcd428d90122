/**
 * `npm run bench:browse`: the message browser's queries (gateway/store/sqlite/browse.ts) on a
 * store of a million synthetic messages (BROWSE_SEED_MESSAGES to change), each filter run
 * BROWSE_RUNS times (default 200) after a warm-up; prints p50 and p99 per filter in ms.
 * Goal (ADR 0030): p99 under 100 ms for every filter. Prints, never asserts.
 */
import { performance } from 'node:perf_hooks';
import { browseMessages } from '../gateway/store/sqlite/browse.js';
import { createQueryBuilder, SqlRunner } from '../gateway/store/sqlite/connection.js';
import { quantile } from '../gateway/store/sqlite/browse.js';
import { browseCases, seedBrowseStore } from '../test/store/support/browse-seed.js';

const n = Number(process.env['BROWSE_SEED_MESSAGES'] ?? 1_000_000);
const runs = Number(process.env['BROWSE_RUNS'] ?? 200);
const t0 = performance.now();
const s = seedBrowseStore(n);
console.log(`seeded ${n} messages in ${((performance.now() - t0) / 1000).toFixed(1)} s (${s.path})`);
const ctx = { sql: new SqlRunner(s.db), qb: createQueryBuilder(), now: () => s.lastMs };
const rows: Array<{ filter: string; rows: number; p50: string; p99: string }> = [];
for (const [name, q] of browseCases(s)) {
  const page = { ...q, limit: 50 };
  for (let i = 0; i < 5; i++) browseMessages(ctx, page);
  const times: number[] = [];
  let got = 0;
  for (let i = 0; i < runs; i++) {
    const a = performance.now();
    got = browseMessages(ctx, page).items.length;
    times.push(performance.now() - a);
  }
  times.sort((a, b) => a - b);
  rows.push({ filter: name, rows: got, p50: quantile(times, 0.5)!.toFixed(3), p99: quantile(times, 0.99)!.toFixed(3) });
}
console.table(rows);
const worst = Math.max(...rows.map((r) => Number(r.p99)));
console.log(`worst p99: ${worst.toFixed(3)} ms (goal < 100 ms) on ${n} messages, ${runs} runs per filter, node ${process.version}`);
s.close();
