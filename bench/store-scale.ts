/**
 * Cost of the store's recurring reads as the store grows (ADR 0036): fills a store with
 * bench/prefill.ts (BENCH_BACKLOG of the newest still queued, default 1,000), then times
 * each read the outbox, mailboxes, deadline watcher, metrics, alerts, /admin/stats and
 * admission control run again and again, and prints its EXPLAIN QUERY PLAN once.
 *
 *   npx tsx bench/store-scale.ts 10000 1000000
 *
 * One line per size and read: `<size> <read>: <µs> µs per call (median of BENCH_REPEAT)`;
 * a flat cost shows as the same figure at every size.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createStore } from '../gateway/store/index.js';
import type { DeadlineQuery, MessageStore } from '../gateway/store/types.js';
import { loadAtRestRing } from '../gateway/crypto/config-keys.js';
import { testConfig } from '../test/support/gateway.js';
import { newMessage } from '../test/store/suite/fixtures.js';
import { prefillStore } from './prefill.js';
import { firstDueQuery } from '../gateway/store/sqlite/outbox-claim.js';
import { createQueryBuilder } from '../gateway/store/sqlite/connection.js';

const REPEAT = Number(process.env['BENCH_REPEAT'] ?? 50);
const ENDPOINT = 'zsa-hund';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    runs.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  return median(runs);
}

async function measure(size: number): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'zsa-store-scale-'));
  try {
    const cfg = testConfig({ dataDir });
    const path = join(dataDir, 'gateway.db');
    const atRest = loadAtRestRing(cfg.crypto.atRest, dataDir, () => undefined);
    let store: MessageStore = await createStore({ kind: 'sqlite', path, atRest });
    const m = newMessage({ endpointId: ENDPOINT });
    await store.accept(m);
    const template = (await store.getMessage(m.id))!;
    await store.close();
    const backlog = Number(process.env['BENCH_BACKLOG'] ?? 1000);
    const ms = prefillStore(cfg, template, m.payload, { total: size, backlog });
    console.log(`${size}: prefilled in ${(ms / 1000).toFixed(1)} s (${backlog} queued)`);

    // the delivered history as the deadline watcher leaves it: every case settled (here: closed), the template's too
    // (one unsettled old message would hold the watermark at its seq)
    const db = new Database(path);
    db.exec(`INSERT INTO vorgang_events (vorgang_id, kind, deadline, after_message_id, at)
               SELECT vorgang_id, 'closed', 'd', id, received_at FROM messages WHERE state = 'delivered' OR id = '${m.id}'`);
    db.close();
    store = await createStore({ kind: 'sqlite', path, atRest });
    const deadline: DeadlineQuery = { deadline: 'd', after: ['hund.anmeldung.0101'], until: ['hund.bescheid.0201'], leika: [template.leika] };
    const mark = await store.deadlineWatermark(deadline);
    const reads: Array<[string, () => Promise<unknown>]> = [
      ['countByState', () => store.countByState()],
      ['outboxDepth', () => store.outboxDepth()],
      ['backlog', () => store.backlog()],
      ['nextDueAt', () => store.nextDueAt()],
      ['claimDue(64)', async () => {
        const items = await store.claimDue({ owner: 'bench', leaseMs: 60_000, capacity: { [ENDPOINT]: 64 } });
        await Promise.all(items.map((it) => store.release(it, 'bench')));
      }],
      ['mailboxList(100)', () => store.mailboxList(ENDPOINT, 100)],
      ['overviewFigures', () => store.overviewFigures(new Date())],
      // a steady-state pass of the deadline watcher: from the watermark of the pass before, then the next watermark
      ['deadline pass', async () => {
        await store.deadlineCandidates({ ...deadline, fromSeq: mark });
        await store.deadlineWatermark({ ...deadline, fromSeq: mark });
      }],
      // the first pass after a start: from seq 0
      ['first deadline pass', async () => {
        await store.deadlineCandidates(deadline);
        await store.deadlineWatermark(deadline);
      }],
    ];
    for (const [name, fn] of reads) console.log(`${size} ${name}: ${(await timed(fn)).toFixed(0)} µs per call`);
    await store.close();
    if (process.env['BENCH_PLANS'] !== undefined) {
      const db = new Database(path, { readonly: true });
      const q = firstDueQuery(createQueryBuilder(), ENDPOINT).compile();
      console.log(`plan nextDueAt (per endpoint): ${(db.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...(q.parameters as unknown[])) as Array<{ detail: string }>).map((r) => r.detail).join(' | ')}`);
      db.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

for (const arg of process.argv.slice(2)) await measure(Number(arg));
