/**
 * What the two floor servers share: the broker topology (the same exchanges, durable queues
 * and bindings the gateway's amqp091 connector declares for the bench's four Hund endpoints),
 * one confirm channel publishing as the gateway does (persistent, mandatory), and the bits of
 * HTTP both answer with. No parsing, no validation: the load generator names the AGS and the
 * message UUID in request headers (`x-bench-ags`, `x-bench-uuid`), the body goes out as sent.
 *
 * The topology comes from the environment as JSON (`BENCH_ROUTES`), written by bench/compare.ts,
 * so floor and gateway publish into the same kind of queues.
 */
import amqp, { type ConfirmChannel } from 'amqplib';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** One of the four delivery targets: messages for `ags` go to `exchange` with `routingKey`, bound to `queue`. */
export interface BenchRoute {
  ags: string;
  exchange: string;
  queue: string;
  routingKey: string;
}

export function routesFromEnv(): Map<string, BenchRoute> {
  const raw = process.env['BENCH_ROUTES'];
  if (!raw) throw new Error('BENCH_ROUTES (JSON list of {ags, exchange, queue, routingKey}) is not set');
  return new Map((JSON.parse(raw) as BenchRoute[]).map((r) => [r.ags, r]));
}

/** Connects, opens one confirm channel and declares the topology as the amqp091 connector does (connectors/amqp/session.ts). */
export async function openConfirmChannel(url: string, routes: Iterable<BenchRoute>): Promise<{ channel: ConfirmChannel; close(): Promise<void> }> {
  const conn = await amqp.connect(url);
  const channel = await conn.createConfirmChannel();
  for (const r of routes) {
    await channel.assertExchange(r.exchange, 'topic', { durable: true });
    await channel.assertQueue(r.queue, { durable: true, arguments: { 'x-queue-type': 'classic' } });
    await channel.bindQueue(r.queue, r.exchange, '#');
  }
  return {
    channel,
    close: async () => {
      await channel.close().catch(() => undefined);
      await conn.close().catch(() => undefined);
    },
  };
}

/** Publishes persistent and mandatory (as the gateway does) and resolves on the broker's confirm. */
export function publishConfirmed(channel: ConfirmChannel, route: BenchRoute, uuid: string, body: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    channel.publish(route.exchange, route.routingKey, body, { persistent: true, mandatory: true, contentType: 'application/xml', messageId: uuid, headers: { messageUuid: uuid } }, (err) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()));
  });
}

/** The whole request body (the floors keep no limit of their own: the bench sends ~6 KB). */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => parts.push(b));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

export function answer(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': status < 300 ? 'application/json' : 'text/plain', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The route for a request, or undefined when its headers name none. */
export function routeOf(req: IncomingMessage, routes: Map<string, BenchRoute>): { route: BenchRoute; uuid: string } | undefined {
  const ags = req.headers['x-bench-ags'];
  const uuid = req.headers['x-bench-uuid'];
  const route = typeof ags === 'string' ? routes.get(ags) : undefined;
  return route && typeof uuid === 'string' ? { route, uuid } : undefined;
}

/** Prints `listening <port>` once listening (the bench waits for that line) and stops cleanly on SIGTERM. */
export function announce(server: import('node:http').Server, port: number, onStop: () => Promise<void>): void {
  server.listen(port, '127.0.0.1', () => console.log(`listening ${port}`));
  process.once('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
    void onStop().finally(() => process.exit(0));
  });
}

/**
 * GET /metrics answers `nodejs_eventloop_lag_max_seconds <s>` as the gateway's prom-client
 * does (same 20 ms resolution, reset at every scrape), so the bench measures every system's
 * event-loop delay the same way: on a loaded host a floor's figure shows how much of the
 * gateway's is waiting for a CPU rather than work on the loop. Returns true when it answered.
 */
const loopDelay = monitorEventLoopDelay({ resolution: 20 });
loopDelay.enable();
export function answerMetrics(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method !== 'GET' || req.url !== '/metrics') return false;
  const text = `nodejs_eventloop_lag_max_seconds ${loopDelay.max / 1e9}\n`;
  loopDelay.reset();
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
  res.end(text);
  return true;
}
