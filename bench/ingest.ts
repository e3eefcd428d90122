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
 * Prints one closing line: `ingest: <n> msg/s p50 <ms> ms p99 <ms> ms rss <MB> MB lost <n>`.
 * Goals on the 2-core reference machine: ≥ 1,000 msg/s, p99 < 50 ms at 500 msg/s, RSS < 300 MB, lost 0.
 */
import amqp from 'amqplib';
import { readFileSync, rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { deleteTopology, testTopology } from '../test/support/amqp.js';
import { freePort, spawnGateway, stopChild, writeConfig } from '../test/support/child-gateway.js';
import { testConfig } from '../test/support/gateway.js';
import { hundAnmeldung } from '../test/support/xzsa-fixtures.js';

const AMQP_URL = process.env['AMQP_URL'] ?? 'amqp://127.0.0.1';
const N = Number(process.env['BENCH_N'] ?? 10_000);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 64);
const RATE = Number(process.env['BENCH_RATE'] ?? 500);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 10);
const SIZE = 8 * 1024;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

async function main(): Promise<void> {
  process.env['AMQP_URL'] = AMQP_URL;
  const topo = testTopology('bench');
  (topo.endpointConfig as { url: string }).url = AMQP_URL;
  const cfg = testConfig({
    endpoints: { 'zsa-hund': { connector: 'amqp091', config: topo.endpointConfig, maxInFlight: 256 } },
    delivery: { pollMs: 200, batchSize: 256, backoff: { initialMs: 200, multiplier: 2, maxMs: 5000, jitter: 0.2 }, maxAttempts: 10 },
  });
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

  // phase 1: throughput
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
  const throughput = N / ((lastArrival - t0) / 1000);
  console.log(`throughput: ${N} messages of 8 KB, concurrency ${CONCURRENCY}: ${throughput.toFixed(0)} msg/s end to end (HTTP → SQLite → RabbitMQ confirm)`);

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
  console.log(`ingest: ${throughput.toFixed(0)} msg/s p50 ${p50.toFixed(1)} ms p99 ${p99.toFixed(1)} ms rss ${rss.toFixed(0)} MB lost ${lost}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
