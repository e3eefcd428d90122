/**
 * `npm run bench:reports [-- <messages>]`: seeds a store with synthetic Hund cases (default
 * 200,000 messages over twelve months in five municipalities) and prints the median time of
 * a month's figures and usage, once for all municipalities and once for one (remit-narrowed).
 * Compare runs on the same machine only (docs/adr/0031).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeFigures } from '../gateway/reports/figures.js';
import { monthPeriod } from '../gateway/reports/period.js';
import { computeUsage } from '../gateway/reports/usage.js';
import { createStore } from '../gateway/store/index.js';
import { seedMessages, type SeedMessage } from '../test/reports/seed.js';
import { testConfig } from '../test/support/gateway.js';

const total = Number(process.argv[2] ?? 200_000);
const AGS = ['15003000', '15002000', '15001000', '15083490', '15091000'];
const start = Date.parse('2026-01-01T00:00:00Z');
const year = 365 * 86_400_000;

function cases(n: number): SeedMessage[] {
  const out: SeedMessage[] = [];
  for (let i = 0; out.length < n; i++) {
    const v = `bench-${i}`;
    const ags = AGS[i % AGS.length]!;
    const t = start + Math.floor((i * 7919) % 1000 / 1000 * year) + i;
    const common = { vorgang: v, ags, leika: '99102013104000' };
    out.push({ ...common, id: `${v}-a`, type: 'hund.anmeldung.0101', route: 'hund-anmeldung', endpoint: 'zsa-hund', received: new Date(t).toISOString(), createdBefore: 800, deliveredAfter: 2000 + (i % 50) * 100, attachmentSizes: [40_000] });
    out.push({ ...common, id: `${v}-d`, type: 'hund.steuerfestsetzung.0102', route: 'hund-steuerfestsetzung', endpoint: `fv-${ags}-hund`, received: new Date(t + 3_600_000).toISOString(), deliveredAfter: 5000 });
    if (i % 4 !== 0) out.push({ ...common, id: `${v}-f`, type: 'hund.freigabe.0103', route: 'hund-freigabe', endpoint: 'efa-hund-lsa', received: new Date(t + 3_600_000 + (i % 90) * 60_000).toISOString(), deliveredAfter: 1500 });
  }
  return out.slice(0, n);
}

async function median(what: string, fn: () => Promise<unknown>): Promise<void> {
  const ms: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  console.log(`${what.padEnd(40)} median ${ms[2]!.toFixed(1)} ms (min ${ms[0]!.toFixed(1)}, max ${ms[4]!.toFixed(1)})`);
}

const dir = mkdtempSync(join(tmpdir(), 'zsa-bench-reports-'));
try {
  const path = join(dir, 'gateway.db');
  const store = await createStore({ kind: 'sqlite', path });
  const t0 = performance.now();
  seedMessages(path, cases(total));
  console.log(`seeded ${total} messages in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const cfg = testConfig();
  const month = monthPeriod('2026-06');
  await median('figures, one month, all municipalities', () => computeFigures(cfg, store, month));
  await median('figures, one month, one municipality', () => computeFigures(cfg, store, month, { ags: ['15003000'] }));
  await median('usage, one month, all municipalities', () => computeUsage(cfg, store, month));
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
