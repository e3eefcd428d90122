/**
 * `npm run bench:compare` — issue 11's yardstick. Runs three systems one after the other with
 * the same load generator and the same kind of messages, and counts end to end:
 *
 *   floor          bench/floor/floor.ts: Node http → amqplib confirm channel, nothing else;
 *   durable floor  bench/floor/durable-floor.ts: the same plus a group-committed, fsync'd
 *                  SQLite store (worker thread) before the 202;
 *   gateway        `zsa-gateway serve` (compiled) with the embedded demo configuration, its four
 *                  Hund endpoints turned into amqp091 endpoints on RabbitMQ (buildGatewayConfig).
 *
 * Load: ~6 KB XZSA hund.anmeldung.0101 with a fresh nachrichtenUUID and vorgangsID per request,
 * round robin over four municipalities whose Hund applications go to four different durable
 * queues. Closed loop with --connections (32) for --seconds (20). Then the queues are counted:
 * msg/s = messages that reached the queues ÷ (first request → queue depth final); lost = answered
 * 2xx but not found in a queue. Per system: p50/p99/max of the 2xx, CPU (cores) of the server
 * process and of the broker, peak RSS. For the gateway also: the largest event-loop delay
 * (nodejs_eventloop_lag_max_seconds scraped from /metrics every second, 20 ms resolution) and
 * an open-loop phase at --rate msg/s (default: half the gateway's measured peak) for
 * --rate-seconds (10): p99 of the 202 and p99 from the 202 to the message's arrival at a
 * consumer on its queue (the broker routed it; its confirm to the gateway is not visible from
 * outside). Ends with `ratio-to-floor: <x>` and `ratio-to-durable-floor: <y>`.
 *
 * --workers inline,auto (or thread counts) runs the gateway once per `ingress.workers` value, one
 * after the other in the same run (A/B of the ingress worker pool, ADR 0047); each line also
 * gives the gateway's CPU per delivered message (all its threads), which a loaded machine
 * moves much less than the rates.
 *
 *   npm run bench:compare -- [--seconds 20] [--connections 32] [--rate N] [--rate-seconds 10] [--only floor,durable,gateway] [--workers inline,auto]
 */
import amqp from 'amqplib';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { parse as parseYaml, stringify } from 'yaml';
import { DEMO_CONFIG_PATH, substituteEnv } from '../gateway/config/load.js';
import { PACKAGE_ROOT } from '../gateway/paths.js';
import { hundAnmeldung } from '../test/support/xzsa-fixtures.js';
import type { BenchRoute } from './floor/common.js';

const AMQP_URL = process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
const SIZE = 6 * 1024;

/** Four municipalities of the demo whose Hund applications reach four different endpoints (see buildGatewayConfig). */
export const BENCH_TARGETS = [
  { ags: '15003000', endpoint: 'fv-15003000-hund' }, // Magdeburg, delegation set to none here
  { ags: '15002000', endpoint: 'fv-15002000-hund' }, // Halle (Saale), none in the demo
  { ags: '15001000', endpoint: 'fv-15001000-hund' }, // Dessau-Roßlau, set to none here
  { ags: '15083490', endpoint: 'zsa-hund' }, // Sülzetal, e2e in the demo: the ZSA's queue
] as const;

export function benchRoutes(runId: string): BenchRoute[] {
  return BENCH_TARGETS.map((t) => ({ ags: t.ags, exchange: `zsa-bench.${runId}.${t.endpoint}`, queue: `zsa-bench.${runId}.${t.endpoint}.q`, routingKey: `hund.anmeldung.0101.${t.ags}` }));
}

/**
 * The embedded demo configuration as a user starts it, with the four Hund endpoints of
 * BENCH_TARGETS on RabbitMQ (amqp091, connector defaults otherwise) instead of pull mailboxes,
 * and Magdeburg's and Dessau-Roßlau's Hund delegation set to none, so the four municipalities'
 * applications go to four different queues. Everything else (validation layers, encryption at
 * rest, audit, routes, FIT-Connect, alerts) stays as the demo has it.
 */
export function buildGatewayConfig(routes: BenchRoute[], dataDir: string, port: number, workers?: string): Record<string, any> {
  const raw = substituteEnv(parseYaml(readFileSync(DEMO_CONFIG_PATH, 'utf8')), {}) as Record<string, any>;
  const byEndpoint = new Map(BENCH_TARGETS.map((t, i) => [t.endpoint as string, routes[i]!]));
  raw['server'] = { ...raw['server'], port, host: '127.0.0.1' };
  raw['store'] = { ...raw['store'], dataDir };
  if (workers !== undefined) raw['ingress'] = { ...raw['ingress'], workers: /^\d+$/.test(workers) ? Number(workers) : workers };
  raw['endpoints'] = (raw['endpoints'] as Array<Record<string, any>>).map((e) => {
    const r = byEndpoint.get(e['id'] as string);
    if (!r) return e;
    return { id: e['id'], connector: 'amqp091', config: { url: AMQP_URL, exchange: { name: r.exchange, type: 'topic' }, queues: [{ name: r.queue, routingKey: '#', queueType: 'classic' }], routingKey: '{messageType}.{ags}' } };
  });
  for (const m of raw['municipalities'] as Array<Record<string, any>>) {
    if (m['ags'] === '15003000' || m['ags'] === '15001000') m['delegations'] = { ...m['delegations'], hund: 'none' };
  }
  // an XTA account that reads the pull mailbox of one of these endpoints has no mailbox left to read
  const xta = raw['xta'] as { accounts?: Array<Record<string, any>> } | undefined;
  if (xta?.accounts) xta.accounts = xta.accounts.filter((a) => a['mailbox'] === undefined || !byEndpoint.has(a['mailbox'] as string));
  return raw;
}

// ---------------------------------------------------------------- message set

const UUID_MARK = '00000000-0000-4000-8000-00000000aaaa';
const VORGANG_MARK = '00000000-0000-4000-8000-00000000bbbb';

/** One ~6 KB template per municipality; each request gets a fresh message UUID and Vorgang id (same length: the size stays). */
export function messageSet(): { next(): { ags: string; uuid: string; body: Buffer } } {
  const templates = BENCH_TARGETS.map((t) => ({ ags: t.ags, xml: hundAnmeldung({ ags: t.ags, padToBytes: SIZE, messageUuid: UUID_MARK, vorgangId: VORGANG_MARK }) }));
  let i = 0;
  return {
    next() {
      const t = templates[i++ % templates.length]!;
      const uuid = randomUUID();
      return { ags: t.ags, uuid, body: Buffer.from(t.xml.replace(UUID_MARK, uuid).replace(VORGANG_MARK, randomUUID())) };
    },
  };
}

// ---------------------------------------------------------------- load generator

interface LoadResult {
  sent: number;
  accepted: Map<string, number>; // uuid → time of the 2xx (performance.now())
  latencies: number[];
  errors: Map<string, number>;
  startedAt: number;
  endedAt: number;
}

async function request(pool: Pool, m: { ags: string; uuid: string; body: Buffer }): Promise<number> {
  const res = await pool.request({ method: 'POST', path: '/api/v1/messages', headers: { 'content-type': 'application/xml', 'x-bench-ags': m.ags, 'x-bench-uuid': m.uuid }, body: m.body });
  await res.body.dump();
  return res.statusCode;
}

function record(r: LoadResult, uuid: string, status: number | string, t0: number): void {
  const t = performance.now();
  if (typeof status === 'number' && status >= 200 && status < 300) {
    r.accepted.set(uuid, t);
    r.latencies.push(t - t0);
  } else {
    const key = String(status);
    r.errors.set(key, (r.errors.get(key) ?? 0) + 1);
  }
}

function newResult(): LoadResult {
  return { sent: 0, accepted: new Map(), latencies: [], errors: new Map(), startedAt: performance.now(), endedAt: 0 };
}

const errorName = (err: unknown): string => (err as { code?: string }).code ?? (err as Error).name ?? 'error';

/** Closed loop: `connections` clients, each sends its next request when the last was answered. */
export async function closedLoop(url: string, connections: number, seconds: number, messages = messageSet()): Promise<LoadResult> {
  const pool = new Pool(url, { connections, pipelining: 1 });
  const r = newResult();
  const until = r.startedAt + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < until) {
        const m = messages.next();
        r.sent += 1;
        const t0 = performance.now();
        record(r, m.uuid, await request(pool, m).catch(errorName), t0);
      }
    }),
  );
  r.endedAt = performance.now();
  await pool.close();
  return r;
}

/** Open loop at `rate` msg/s; each latency counts from the request's due time (no coordinated omission). */
export async function openLoop(url: string, connections: number, rate: number, seconds: number, messages = messageSet()): Promise<LoadResult> {
  const pool = new Pool(url, { connections, pipelining: 1 });
  const r = newResult();
  const total = Math.round(rate * seconds);
  const inflight: Array<Promise<void>> = [];
  for (let i = 0; i < total; i++) {
    const due = r.startedAt + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((ok) => setTimeout(ok, wait));
    const m = messages.next();
    r.sent += 1;
    inflight.push(request(pool, m).then((s) => record(r, m.uuid, s, due), (err: unknown) => record(r, m.uuid, errorName(err), due)));
  }
  await Promise.all(inflight);
  r.endedAt = performance.now();
  await pool.close();
  return r;
}

// ---------------------------------------------------------------- broker side

async function queueDepth(ch: amqp.Channel, routes: BenchRoute[]): Promise<number> {
  let n = 0;
  for (const r of routes) n += (await ch.checkQueue(r.queue)).messageCount;
  return n;
}

/** Polls the queue depth until it reaches `expected` or stops growing for 3 s; returns the depth and when it got there. */
async function waitForQueues(ch: amqp.Channel, routes: BenchRoute[], expected: number, limitMs = 60_000): Promise<{ depth: number; at: number }> {
  let depth = await queueDepth(ch, routes);
  let at = performance.now();
  const deadline = at + limitMs;
  while (depth < expected && performance.now() < deadline && performance.now() - at < 3000) {
    await new Promise((ok) => setTimeout(ok, 50));
    const d = await queueDepth(ch, routes);
    if (d !== depth) {
      depth = d;
      at = performance.now();
    }
  }
  return { depth, at };
}

/** Takes every message off the queues; returns how often each message UUID was there. */
async function consumeAll(conn: amqp.ChannelModel, routes: BenchRoute[], depth: number): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  const ch = await conn.createChannel();
  await ch.prefetch(2000);
  let got = 0;
  await new Promise<void>((resolve) => {
    if (depth === 0) return resolve();
    for (const r of routes) {
      void ch.consume(r.queue, (m) => {
        if (!m) return;
        const id = String((m.properties.headers as Record<string, unknown> | undefined)?.['messageUuid'] ?? '');
        seen.set(id, (seen.get(id) ?? 0) + 1);
        ch.ack(m);
        if (++got >= depth) resolve();
      });
    }
  });
  await ch.close();
  return seen;
}

async function deleteTopology(conn: amqp.ChannelModel, routes: BenchRoute[]): Promise<void> {
  const ch = await conn.createChannel();
  for (const r of routes) {
    await ch.deleteQueue(r.queue).catch(() => undefined);
    await ch.deleteExchange(r.exchange).catch(() => undefined);
  }
  await ch.close().catch(() => undefined);
}

// ---------------------------------------------------------------- processes

/** utime+stime of a process (all its threads), or with `thread` of that one thread only (the main thread's id is the pid). */
function cpuSeconds(pid: number | undefined, thread?: number): number {
  if (pid === undefined) return NaN;
  try {
    const fields = readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, USER_HZ 100
  } catch {
    return NaN;
  }
}

function peakRssMb(pid: number | undefined, field: 'VmHWM' | 'VmRSS' = 'VmHWM'): number {
  try {
    return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
  } catch {
    return NaN;
  }
}

/** The RabbitMQ VM on this host (beam.smp), if it runs here and /proc shows it. */
function brokerPid(): number | undefined {
  try {
    return Number(execFileSync('pgrep', ['-o', '-x', 'beam.smp'], { encoding: 'utf8' }).trim()) || undefined;
  } catch {
    return undefined;
  }
}

interface Server {
  proc: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

async function waitReady(proc: ChildProcess, url: string, readyPath: string, output: () => string): Promise<void> {
  const until = Date.now() + 90_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}: ${output()}`);
    try {
      const res = await fetch(`${url}${readyPath}`);
      await res.body?.cancel();
      if (readyPath === '/' || res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) {
      proc.kill('SIGKILL');
      throw new Error(`server did not become ready: ${output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function startProcess(args: string[], env: NodeJS.ProcessEnv, port: number, readyPath: string): Promise<Server> {
  const proc = spawn(process.execPath, args, { cwd: PACKAGE_ROOT, env: { ...process.env, ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (b: Buffer): void => {
    out = (out + b.toString('utf8')).slice(-8000);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  await waitReady(proc, url, readyPath, () => out);
  return {
    proc,
    url,
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((ok) => proc.once('exit', ok));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => ok(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** Scrapes the gateway's /metrics every second and keeps the largest nodejs_eventloop_lag_max_seconds (prom-client resets it per scrape). */
async function scrapeEventLoopMax(url: string): Promise<number> {
  try {
    const text = await (await fetch(`${url}/metrics`)).text();
    return Number(/^nodejs_eventloop_lag_max_seconds\s+(\S+)/m.exec(text)?.[1] ?? NaN);
  } catch {
    return NaN; // a missed scrape only widens the window of the next
  }
}

/** The first scrape only resets the window (it would hold start-up and warm-up); then one a second until stop(). */
async function watchEventLoop(url: string): Promise<{ stop(): Promise<number> }> {
  await scrapeEventLoopMax(url);
  let max = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      await new Promise((r) => setTimeout(r, 1000));
      const v = await scrapeEventLoopMax(url);
      if (Number.isFinite(v)) max = Math.max(max, v);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return max * 1000;
    },
  };
}

// ---------------------------------------------------------------- one system

interface SystemFigures {
  name: string;
  msgPerSec: number;
  sent: number;
  accepted: number;
  inQueues: number;
  errors: string;
  lost: number;
  duplicates: number;
  p50: number;
  p99: number;
  max: number;
  serverCores: number;
  brokerCores: number;
  /** CPU of this process (load generator and, afterwards, the counting). */
  generatorCores: number;
  rssMb: number;
  /** RSS at the end of the load (VmRSS): the steady figure, where `rssMb` is the peak including start-up. */
  rssEndMb: number;
  /** Server CPU seconds (all threads) during the load ÷ messages that reached the queues, in ms. */
  cpuMsPerMsg: number;
  /** The same for the server's main thread alone (the event loop: HTTP, routing, store hand-off). */
  mainCpuMsPerMsg: number;
  eventLoopMaxMs: number;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function measure(name: string, server: Server, routes: BenchRoute[], conn: amqp.ChannelModel, o: Options): Promise<SystemFigures> {
  const ch = await conn.createChannel();
  // warm-up (JIT, connections, first commits): 2 s, then the queues are emptied
  const warm = await closedLoop(server.url, o.connections, Math.min(2, o.seconds / 4));
  const warmed = await waitForQueues(ch, routes, warm.accepted.size, 10_000);
  if (warmed.depth < warm.accepted.size) console.log(`${name}: ${warm.accepted.size - warmed.depth} warm-up messages not yet delivered; they may arrive during the run (not counted as its own)`);
  for (const r of routes) await ch.purgeQueue(r.queue);

  const broker = brokerPid();
  const cpu0 = { server: cpuSeconds(server.proc.pid), main: cpuSeconds(server.proc.pid, server.proc.pid), broker: cpuSeconds(broker), self: process.cpuUsage(), t: performance.now() };
  const loopWatch = await watchEventLoop(server.url);
  const load = await closedLoop(server.url, o.connections, o.seconds);
  const cpu1 = { server: cpuSeconds(server.proc.pid), main: cpuSeconds(server.proc.pid, server.proc.pid), broker: cpuSeconds(broker), self: process.cpuUsage(cpu0.self), t: performance.now() };
  const rssEndMb = peakRssMb(server.proc.pid, 'VmRSS');
  const { depth, at } = await waitForQueues(ch, routes, load.accepted.size);
  const eventLoopMaxMs = await loopWatch.stop();
  const seen = await consumeAll(conn, routes, depth);
  const lost = [...load.accepted.keys()].filter((id) => !seen.has(id)).length;
  // only this window's messages count: a late warm-up message would otherwise inflate the rate
  const reached = load.accepted.size - lost;
  const duplicates = [...seen.values()].reduce((s, n) => s + n - 1, 0);
  await ch.close();
  const wall = (cpu1.t - cpu0.t) / 1000;
  return {
    name,
    msgPerSec: reached / ((at - load.startedAt) / 1000),
    sent: load.sent,
    accepted: load.accepted.size,
    inQueues: depth,
    errors: [...load.errors].map(([k, v]) => `${k}×${v}`).join(' ') || '0',
    lost,
    duplicates,
    p50: percentile(load.latencies, 50),
    p99: percentile(load.latencies, 99),
    max: Math.max(...load.latencies),
    serverCores: (cpu1.server - cpu0.server) / wall,
    brokerCores: (cpu1.broker - cpu0.broker) / wall,
    generatorCores: (cpu1.self.user + cpu1.self.system) / 1e6 / wall,
    rssMb: peakRssMb(server.proc.pid),
    rssEndMb,
    cpuMsPerMsg: ((cpu1.server - cpu0.server) * 1000) / reached,
    mainCpuMsPerMsg: ((cpu1.main - cpu0.main) * 1000) / reached,
    eventLoopMaxMs,
  };
}

/** The latency goal: an open loop at `rate`; p99 of the 202 and p99 from the 202 to the message's arrival on its queue. */
async function latencyAtRate(server: Server, routes: BenchRoute[], conn: amqp.ChannelModel, rate: number, seconds: number, connections: number): Promise<string> {
  const ch = await conn.createChannel();
  await ch.prefetch(2000);
  const arrivals = new Map<string, number>();
  for (const r of routes) {
    await ch.consume(r.queue, (m) => {
      if (!m) return;
      arrivals.set(String((m.properties.headers as Record<string, unknown> | undefined)?.['messageUuid'] ?? ''), performance.now());
      ch.ack(m);
    });
  }
  const loopWatch = await watchEventLoop(server.url);
  const load = await openLoop(server.url, connections, rate, seconds);
  const until = performance.now() + 30_000;
  while ([...load.accepted.keys()].some((id) => !arrivals.has(id)) && performance.now() < until) await new Promise((r) => setTimeout(r, 50));
  const loopMax = await loopWatch.stop();
  await ch.close();
  const toQueue = [...load.accepted].flatMap(([id, t]) => (arrivals.has(id) ? [arrivals.get(id)! - t] : []));
  const missing = load.accepted.size - toQueue.length;
  const errors = [...load.errors].map(([k, v]) => `${k}×${v}`).join(' ') || '0';
  return (
    `latency at ${rate.toFixed(0)} msg/s for ${seconds} s (open loop): ${load.accepted.size}/${load.sent} accepted, errors ${errors}; ` +
    `202 p50 ${percentile(load.latencies, 50).toFixed(1)} ms p99 ${percentile(load.latencies, 99).toFixed(1)} ms max ${Math.max(...load.latencies).toFixed(1)} ms; ` +
    `202 → on queue p50 ${percentile(toQueue, 50).toFixed(1)} ms p99 ${percentile(toQueue, 99).toFixed(1)} ms max ${Math.max(...toQueue).toFixed(1)} ms` +
    `${missing > 0 ? ` (${missing} not arrived)` : ''}; event-loop max ${loopMax.toFixed(0)} ms`
  );
}

function line(f: SystemFigures): string {
  const cores = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
  return (
    `${f.name.padEnd(14)} ${f.msgPerSec.toFixed(0).padStart(6)} msg/s  sent ${f.sent} 2xx ${f.accepted} in-queues ${f.inQueues} errors ${f.errors} lost ${f.lost} dup ${f.duplicates}  ` +
    `p50 ${f.p50.toFixed(1)} p99 ${f.p99.toFixed(1)} max ${f.max.toFixed(1)} ms  cpu server ${cores(f.serverCores)} broker ${cores(f.brokerCores)} load-generator ${cores(f.generatorCores)} cores  cpu/msg ${f.cpuMsPerMsg.toFixed(2)} ms (main thread ${f.mainCpuMsPerMsg.toFixed(2)} ms)  rss ${f.rssMb.toFixed(0)} MB (end of load ${f.rssEndMb.toFixed(0)} MB)` +
    `  event-loop max ${f.eventLoopMaxMs.toFixed(0)} ms`
  );
}

// ---------------------------------------------------------------- main

interface Options {
  seconds: number;
  connections: number;
  rate: number | undefined;
  rateSeconds: number;
  only: Set<string>;
  /** `ingress.workers` values to run the gateway with, one run each; empty: the configuration's default, once. */
  workers: string[];
}

function options(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: { seconds: { type: 'string', default: '20' }, connections: { type: 'string', default: '32' }, rate: { type: 'string' }, 'rate-seconds': { type: 'string', default: '10' }, only: { type: 'string', default: 'floor,durable,gateway' }, workers: { type: 'string', default: '' } },
  });
  return {
    seconds: Number(values.seconds),
    connections: Number(values.connections),
    rate: values.rate === undefined ? undefined : Number(values.rate),
    rateSeconds: Number(values['rate-seconds']),
    only: new Set(values.only.split(',')),
    workers: values.workers.split(',').filter((w) => w !== ''),
  };
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  const runId = randomUUID().slice(0, 8);
  const routes = benchRoutes(runId);
  const conn = await amqp.connect(AMQP_URL);
  const scratch = mkdtempSync(join(tmpdir(), 'bench-compare-'));
  const env = { AMQP_URL, BENCH_ROUTES: JSON.stringify(routes), BENCH_DATA_DIR: scratch, LOG_LEVEL: 'warn' };
  const tsx = ['--import', 'tsx'];
  const results: SystemFigures[] = [];
  console.log(`bench:compare ${new Date().toISOString()}: ${o.connections} connections, ${o.seconds} s per system, ~${SIZE / 1024} KB Hund applications to 4 durable queues (run ${runId}); load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  try {
    if (o.only.has('floor')) {
      const s = await startProcess([...tsx, join(PACKAGE_ROOT, 'bench/floor/floor.ts')], env, await freePort(), '/');
      try {
        results.push(await measure('floor', s, routes, conn, o));
      } finally {
        await s.stop();
      }
      console.log(line(results.at(-1)!));
    }
    if (o.only.has('durable')) {
      const s = await startProcess([...tsx, join(PACKAGE_ROOT, 'bench/floor/durable-floor.ts')], env, await freePort(), '/');
      try {
        results.push(await measure('durable-floor', s, routes, conn, o));
      } finally {
        await s.stop();
      }
      console.log(line(results.at(-1)!));
    }
    if (o.only.has('gateway')) {
      for (const workers of o.workers.length === 0 ? [undefined] : o.workers) {
        const port = await freePort();
        const dataDir = join(scratch, 'gateway');
        const cfgFile = join(scratch, 'gateway.yaml');
        rmSync(dataDir, { recursive: true, force: true });
        writeFileSync(cfgFile, stringify(buildGatewayConfig(routes, dataDir, port, workers)));
        const compiled = process.env['ZSA_CHILD_COMPILED'] === '1';
        const entry = compiled ? [join(PACKAGE_ROOT, 'dist/gateway/cli/main.js')] : [...tsx, join(PACKAGE_ROOT, 'gateway/cli/main.ts')];
        const s = await startProcess([...entry, 'serve', '--config', cfgFile], env, port, '/ready');
        try {
          const g = await measure(workers === undefined ? 'gateway' : `gateway:${workers}`, s, routes, conn, o);
          results.push(g);
          console.log(line(g));
          const rate = o.rate ?? Math.max(1, Math.round(g.msgPerSec / 2));
          console.log(await latencyAtRate(s, routes, conn, rate, o.rateSeconds, Math.max(o.connections, 64)));
        } finally {
          await s.stop();
        }
      }
    }
  } finally {
    await deleteTopology(conn, routes);
    await conn.close().catch(() => undefined);
    rmSync(scratch, { recursive: true, force: true });
  }
  const rate = (n: string): number | undefined => results.find((r) => r.name === n)?.msgPerSec;
  // with --workers, the ratios are those of the last variant; every variant's line is above
  const gw = results.filter((r) => r.name.startsWith('gateway')).at(-1)?.msgPerSec;
  const ratio = (base: number | undefined): string => (gw !== undefined && base ? (gw / base).toFixed(2) : 'n/a');
  console.log(`ratio-to-durable-floor: ${ratio(rate('durable-floor'))}`);
  console.log(`host: ${cpus().length} cores, load average at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')} (shared machines: compare only figures of one run)`);
  console.log(`ratio-to-floor: ${ratio(rate('floor'))}`);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
