/**
 * Ingest benchmark: starts the gateway (embedded SQLite store, ZSA Hund queue on RabbitMQ
 * at AMQP_URL), posts 8 KB Hund applications over HTTP and reads them back from the broker.
 *
 *   phase 1 — throughput: BENCH_N messages (default 10,000) at BENCH_CONCURRENCY (64),
 *             end to end = first request sent → last message arrived in RabbitMQ;
 *   phase 2 — latency: a steady BENCH_RATE (500) messages/s for BENCH_SECONDS (10),
 *             p50/p99 of the HTTP answer (202 = durably stored);
 *   then peak RSS of the gateway process and lost = accepted − arrived.
 *
 * `--prefill N [--backlog B]` (ADR 0036): before the phases, a separate step fills the store
 * with N messages (bench/prefill.ts: the store's own insert, direct on the file while the
 * gateway is stopped), the newest B (default N / 10) still queued for the Hund queue — the
 * backlog of a receiver that was down. The gateway then starts on that store: phase 0 —
 * drain — measures how fast the backlog reaches RabbitMQ and the RSS meanwhile; then the
 * phases run as above. Compare the lines of `--prefill 10000` and `--prefill 1000000`.
 *
 * Prints one closing line: `ingest: <n> msg/s p50 <ms> ms p99 <ms> ms rss <MB> MB lost <n>`
 * (with `--prefill`: ` stored <N> drain <n> msg/s drain-rss <MB> MB` appended).
 * Goals on the 2-core reference machine: ≥ 1,000 msg/s, p99 < 50 ms at 500 msg/s, RSS < 300 MB, lost 0;
 * with a pre-filled store the rates and p99 within 20 % of the 10,000-message run.
 */
import amqp from 'amqplib';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { deleteTopology, testTopology } from '../test/support/amqp.js';
import { freePort, spawnGateway, stopChild, writeConfig } from '../test/support/child-gateway.js';
import { testConfig } from '../test/support/gateway.js';
import { hundAnmeldung } from '../test/support/xzsa-fixtures.js';
import type { StoredMessage } from '../gateway/store/types.js';
import { prefillStore } from './prefill.js';

const AMQP_URL = process.env['AMQP_URL'] ?? 'amqp://127.0.0.1';
const N = Number(process.env['BENCH_N'] ?? 10_000);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 64);
const RATE = Number(process.env['BENCH_RATE'] ?? 500);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 10);
const SIZE = 8 * 1024;
const ARGS = parseArgs({ options: { prefill: { type: 'string' }, backlog: { type: 'string' } }, allowPositionals: false }).values;
const PREFILL = Number(ARGS.prefill ?? 0);
const BACKLOG = Math.min(PREFILL, Number(ARGS.backlog ?? Math.floor(PREFILL / 10)));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function peakRssMb(pid: number, field: 'VmHWM' | 'VmRSS' = 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

/**
 * The separate pre-fill step: a gateway stores one Hund application (the template: header,
 * route, endpoint as the pipeline made them), stops, and bench/prefill.ts writes `PREFILL`
 * messages like it into the stopped gateway's store.
 */
async function prefill(cfg: ReturnType<typeof testConfig>): Promise<void> {
  const port = await freePort();
  const gw = await spawnGateway(writeConfig(cfg, port), port, { LOG_LEVEL: 'warn' });
  let template: StoredMessage;
  let payload: Buffer;
  try {
    const pool = new Pool(gw.url);
    const res = await pool.request({ method: 'POST', path: '/api/v1/messages', headers: { 'content-type': 'application/xml' }, body: hundAnmeldung({ ags: '15003000' }) });
    const { gatewayId } = (await res.body.json()) as { gatewayId: string };
    template = (await (await pool.request({ method: 'GET', path: `/api/v1/messages/${gatewayId}` })).body.json()) as StoredMessage;
    payload = Buffer.from(await (await pool.request({ method: 'GET', path: `/api/v1/messages/${gatewayId}/payload` })).body.arrayBuffer());
    await pool.close();
  } finally {
    await stopChild(gw);
  }
  const ms = prefillStore(cfg, template, payload, { total: PREFILL, backlog: BACKLOG, log: (l) => console.log(l) });
  const bytes = statSync(join(cfg.store.dataDir, 'gateway.db')).size;
  console.log(`prefill: ${PREFILL} messages (${BACKLOG} queued for ${template.endpointId}) in ${(ms / 1000).toFixed(1)} s, store file ${(bytes / 2 ** 20).toFixed(0)} MB`);
}

async function main(): Promise<void> {
  process.env['AMQP_URL'] = AMQP_URL;
  const topo = testTopology('bench');
  (topo.endpointConfig as { url: string }).url = AMQP_URL;
  const cfg = testConfig({
    endpoints: { 'zsa-hund': { connector: 'amqp091', config: topo.endpointConfig, maxInFlight: 256 } },
    delivery: { pollMs: 200, batchSize: 256, backoff: { initialMs: 200, multiplier: 2, maxMs: 5000, jitter: 0.2 }, maxAttempts: 10 },
  });
  if (PREFILL > 0) await prefill(cfg);
  const port = await freePort();
  const profileDir = process.env['BENCH_PROFILE'];
  const gw = await spawnGateway(writeConfig(cfg, port), port, { LOG_LEVEL: 'warn' }, profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []);
  const pid = gw.proc.pid!;

  const arrived = new Set<string>();
  let lastArrival = 0;
  const conn = await amqp.connect(AMQP_URL);
  const ch = await conn.createChannel();
  await ch.prefetch(1000);
  await ch.consume(
    topo.queue,
    (m) => {
      if (!m) return;
      if (m.properties.messageId) arrived.add(String(m.properties.messageId));
      lastArrival = performance.now();
      ch.ack(m);
    },
    { noAck: false },
  );

  // phase 0 (with --prefill): the backlog of the pre-filled store drains to the broker
  let drain = '';
  if (BACKLOG > 0) {
    const d0 = performance.now();
    let rss = 0;
    // + 1: the template message of the pre-fill step reaches the queue as well
    while (arrived.size < BACKLOG + 1 && performance.now() - d0 < 3_600_000) {
      rss = Math.max(rss, peakRssMb(pid, 'VmRSS'));
      await new Promise((r) => setTimeout(r, 200));
    }
    const rate = arrived.size / ((lastArrival - d0) / 1000);
    console.log(`drain: ${arrived.size} of ${BACKLOG} pre-filled messages reached the queue at ${rate.toFixed(0)} msg/s (from the gateway's start), RSS up to ${rss.toFixed(0)} MB meanwhile`);
    drain = ` stored ${PREFILL} drain ${rate.toFixed(0)} msg/s drain-rss ${rss.toFixed(0)} MB`;
  }

  const pool = new Pool(gw.url, { connections: CONCURRENCY, pipelining: 1 });
  const accepted = new Set<string>();
  let failed = 0;
  const post = async (): Promise<number> => {
    const body = hundAnmeldung({ ags: '15003000', padToBytes: SIZE });
    const t0 = performance.now();
    const res = await pool.request({ method: 'POST', path: '/api/v1/messages', headers: { 'content-type': 'application/xml' }, body });
    const text = await res.body.text();
    const ms = performance.now() - t0;
    if (res.statusCode === 202) accepted.add((JSON.parse(text) as { gatewayId: string }).gatewayId);
    else failed += 1;
    return ms;
  };

  // warm-up
  for (let i = 0; i < 200; i++) await post();

  // phase 1: throughput (of the messages accepted: admission control may refuse some)
  const acceptedBefore = accepted.size;
  const failedBefore = failed;
  let sent = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (sent < N) {
        sent += 1;
        await post();
      }
    }),
  );
  const waitArrivals = async (limitMs: number) => {
    const until = Date.now() + limitMs;
    while ([...accepted].some((id) => !arrived.has(id)) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  };
  await waitArrivals(120_000);
  const taken = accepted.size - acceptedBefore;
  const throughput = taken / ((lastArrival - t0) / 1000);
  console.log(`throughput: ${N} messages of 8 KB, concurrency ${CONCURRENCY}: ${taken} accepted, ${failed - failedBefore} refused; ${throughput.toFixed(0)} msg/s end to end (HTTP → SQLite → RabbitMQ confirm)`);

  // phase 2: latency at a steady rate
  const latencies: number[] = [];
  const total = RATE * SECONDS;
  const start = performance.now();
  const inflight: Array<Promise<void>> = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inflight.push(post().then((ms) => void latencies.push(ms)));
  }
  await Promise.all(inflight);
  latencies.sort((a, b) => a - b);
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  console.log(`latency: ${total} messages at ${RATE} msg/s: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${latencies.at(-1)?.toFixed(1)} ms`);

  await waitArrivals(60_000);
  const rss = peakRssMb(pid);
  const lost = [...accepted].filter((id) => !arrived.has(id)).length;
  console.log(`accepted ${accepted.size}, arrived ${arrived.size}, refused ${failed}`);

  await pool.close();
  await ch.close();
  await conn.close();
  await stopChild(gw);
  await deleteTopology(topo);
  rmSync(cfg.store.dataDir, { recursive: true, force: true });
  console.log(`ingest: ${throughput.toFixed(0)} msg/s p50 ${p50.toFixed(1)} ms p99 ${p99.toFixed(1)} ms rss ${rss.toFixed(0)} MB lost ${lost}${drain}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
