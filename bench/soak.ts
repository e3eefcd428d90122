/**
 * Soak run (not in CI): `npm run soak -- --minutes 30 [--rate 100] [--interval 60]`.
 *
 * Starts the gateway as a child process (embedded SQLite store in a temp folder, the ZSA Hund
 * endpoint pointed at a local HTTP inbox of this script), sends Hund applications at a steady
 * `--rate` (messages/s, open loop: a slow gateway does not slow the sender down; at most
 * `--max-in-flight` requests are open, beyond that a send is counted as skipped) for
 * `--minutes`, and prints one line per `--interval` seconds:
 *
 *   soak t=<min> rss <MB> MB p50 <ms> ms p99 <ms> ms sent <n> accepted <n> refused <n> backlog <n>
 *
 * rss is the gateway process's resident memory at the end of the interval, p50/p99 the HTTP
 * answer times of the interval's requests, backlog the messages answered 202 and not yet at the
 * inbox (counted by message UUID). After the run it waits up to 2 minutes for the backlog to
 * drain and prints the drift — the last interval against the first:
 *
 *   soak drift: rss <a> → <b> MB (<±n> MB, <±n> MB/h) p99 <a> → <b> ms backlog <a> → <b> lost <n>
 *
 * A leak shows as rss growing interval by interval (MB/h well above zero after the warm-up);
 * a store slowing down with its size as rising p99; a destination or outbox falling behind as a
 * growing backlog. lost must be 0. Figures from a shared machine are only comparable within
 * one run.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { freePort, spawnGateway, stopChild, writeConfig } from '../test/support/child-gateway.js';
import { testConfig } from '../test/support/gateway.js';
import { hundAnmeldung, uuidOf } from '../test/support/xzsa-fixtures.js';
import { percentile } from './compare.js';

interface SoakOptions {
  minutes: number;
  rate: number;
  intervalSeconds: number;
  maxInFlight: number;
}

interface IntervalFigures {
  minute: number;
  rssMb: number;
  p50: number;
  p99: number;
  sent: number;
  accepted: number;
  refused: number;
  skipped: number;
  backlog: number;
}

function options(): SoakOptions {
  const { values } = parseArgs({
    options: { minutes: { type: 'string', default: '30' }, rate: { type: 'string', default: '100' }, interval: { type: 'string', default: '60' }, 'max-in-flight': { type: 'string', default: '256' } },
    allowPositionals: false,
  });
  const o = { minutes: Number(values.minutes), rate: Number(values.rate), intervalSeconds: Number(values.interval), maxInFlight: Number(values['max-in-flight']) };
  for (const [k, v] of Object.entries(o)) if (!Number.isFinite(v) || v <= 0) throw new Error(`--${k} must be a positive number, got ${String(v)}`);
  return o;
}

function rssMb(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  return kb / 1024;
}

/** The destination: an HTTP inbox that answers 200 and keeps only the message UUIDs it received. */
async function startInbox(): Promise<{ server: Server; url: string; received: Map<string, number> }> {
  const received = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const uuid = uuidOf(Buffer.concat(chunks).toString('utf8'));
      received.set(uuid, (received.get(uuid) ?? 0) + 1);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/inbox`, received };
}

const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const signed = (n: number, digits = 1): string => `${n >= 0 ? '+' : ''}${fmt(n, digits)}`;

async function main(): Promise<void> {
  const o = options();
  const inbox = await startInbox();
  const dataDir = mkdtempSync(join(tmpdir(), 'zsa-soak-'));
  const cfg = testConfig({
    dataDir,
    endpoints: { 'zsa-hund': { connector: 'http', config: { url: inbox.url } } },
    delivery: { maxAttempts: 100_000, backoff: { initialMs: 200, multiplier: 2, maxMs: 5_000, jitter: 0.2 }, pollMs: 200, leaseMs: 30_000, timeoutMs: 10_000 },
  });
  const port = await freePort();
  const gw = await spawnGateway(writeConfig(cfg, port), port, { LOG_LEVEL: 'warn' });
  const pool = new Pool(gw.url, { connections: 32, pipelining: 1 });
  console.log(`soak: ${o.minutes} min at ${o.rate} msg/s against ${gw.url} (pid ${gw.proc.pid}), a line every ${o.intervalSeconds} s`);

  const accepted = new Set<string>();
  const intervals: IntervalFigures[] = [];
  let current = { latencies: [] as number[], sent: 0, accepted: 0, refused: 0, skipped: 0 };
  let inFlight = 0;
  const backlog = (): number => {
    let n = 0;
    for (const u of accepted) if (!inbox.received.has(u)) n += 1;
    return n;
  };

  const sendOne = async (): Promise<void> => {
    const xml = hundAnmeldung({ ags: '15003000' });
    const bucket = current;
    const t0 = performance.now();
    inFlight += 1;
    try {
      const res = await pool.request({ method: 'POST', path: '/api/v1/messages', headers: { 'content-type': 'application/xml' }, body: xml });
      await res.body.dump();
      bucket.latencies.push(performance.now() - t0);
      if (res.statusCode === 202) {
        accepted.add(uuidOf(xml));
        bucket.accepted += 1;
      } else bucket.refused += 1;
    } catch {
      bucket.refused += 1;
    } finally {
      inFlight -= 1;
    }
  };

  /** Closes the running interval: prints its line and keeps its figures for the drift. */
  const report = (minute: number): void => {
    const b = current;
    current = { latencies: [], sent: 0, accepted: 0, refused: 0, skipped: 0 };
    const f: IntervalFigures = { minute, rssMb: rssMb(gw.proc.pid!), p50: percentile(b.latencies, 50), p99: percentile(b.latencies, 99), sent: b.sent, accepted: b.accepted, refused: b.refused, skipped: b.skipped, backlog: backlog() };
    intervals.push(f);
    console.log(`soak t=${fmt(f.minute)} rss ${fmt(f.rssMb, 0)} MB p50 ${fmt(f.p50)} ms p99 ${fmt(f.p99)} ms sent ${f.sent} accepted ${f.accepted} refused ${f.refused}${f.skipped ? ` skipped ${f.skipped}` : ''} backlog ${f.backlog}`);
  };

  const start = performance.now();
  const end = start + o.minutes * 60_000;
  let nextReport = start + o.intervalSeconds * 1000;
  const pending = new Set<Promise<void>>();
  for (let i = 0; ; i++) {
    const due = start + (i * 1000) / o.rate;
    if (due >= end) break;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    if (performance.now() >= nextReport) {
      report((nextReport - start) / 60_000);
      nextReport += o.intervalSeconds * 1000;
    }
    if (inFlight >= o.maxInFlight) {
      current.skipped += 1;
      continue;
    }
    current.sent += 1;
    const p = sendOne();
    pending.add(p);
    void p.finally(() => pending.delete(p));
  }
  await Promise.all(pending);
  if (current.sent + current.skipped > 0) report((performance.now() - start) / 60_000); // the last, possibly shorter interval

  const drainUntil = Date.now() + 120_000;
  while (backlog() > 0 && Date.now() < drainUntil) await new Promise((r) => setTimeout(r, 500));
  const lost = backlog();
  const duplicates = [...inbox.received.values()].reduce((s, n) => s + n - 1, 0);
  const first = intervals[0];
  const last = intervals.at(-1);
  if (first && last) {
    const hours = Math.max(last.minute - first.minute, 1e-9) / 60;
    const grown = last.rssMb - first.rssMb;
    console.log(
      `soak drift: rss ${fmt(first.rssMb, 0)} → ${fmt(last.rssMb, 0)} MB (${signed(grown)} MB, ${intervals.length > 1 ? `${signed(grown / hours, 0)} MB/h` : 'one interval'}) ` +
        `p99 ${fmt(first.p99)} → ${fmt(last.p99)} ms backlog ${first.backlog} → ${last.backlog}; accepted ${accepted.size} duplicates ${duplicates} lost ${lost}`,
    );
  } else console.log(`soak: the run was shorter than one interval; accepted ${accepted.size} lost ${lost}`);

  await pool.close();
  await stopChild(gw);
  await new Promise<void>((ok) => inbox.server.close(() => ok()));
  rmSync(dataDir, { recursive: true, force: true });
  if (lost > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
