/**
 * The durable floor: the floor (bench/floor/floor.ts) plus a store before the answer, as
 * cheap as storing can be. A worker thread owns a SQLite database (WAL, synchronous=FULL);
 * requests that arrive while it commits wait for the next batch, so there is one transaction
 * and one fsync per batch (group commit). After the commit each request gets its 202, then
 * its message is published with a confirm. This is what anything that stores before it
 * answers can reach on this machine (issue 11's 70 % reference); the gateway adds parsing,
 * validation, routing, encryption at rest and audit on top.
 *
 *   BENCH_ROUTES='[...]' BENCH_DATA_DIR=/tmp/x AMQP_URL=amqp://127.0.0.1 PORT=8092 tsx bench/floor/durable-floor.ts
 */
import Database from 'better-sqlite3';
import { createServer, type ServerResponse } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { announce, answer, answerMetrics, openConfirmChannel, publishConfirmed, readBody, routeOf, routesFromEnv, type BenchRoute } from './common.js';

interface Row {
  uuid: string;
  ags: string;
  body: Uint8Array;
}

if (isMainThread) {
  const routes = routesFromEnv();
  const broker = await openConfirmChannel(process.env['AMQP_URL'] ?? 'amqp://127.0.0.1', routes.values());
  const dataDir = process.env['BENCH_DATA_DIR'] ?? mkdtempSync(join(tmpdir(), 'durable-floor-'));
  // Node 20 loads a worker's entry before `--import tsx` applies there: a data: URL registers tsx first, then loads this file.
  const boot = `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))}; register(); await import(${JSON.stringify(import.meta.url)});`;
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`), { workerData: { file: join(dataDir, 'floor.sqlite') } });
  worker.unref();

  type Waiting = { row: Row; route: BenchRoute; res: ServerResponse };
  let next: Waiting[] = [];
  let committing: Waiting[] | undefined;
  let publishFailures = 0;

  const flush = (): void => {
    if (committing || next.length === 0) return;
    committing = next;
    next = [];
    worker.postMessage(committing.map((w) => w.row));
  };
  worker.on('message', (reply: { ok: true } | { ok: false; error: string }) => {
    const batch = committing ?? [];
    committing = undefined;
    for (const w of batch) {
      if (!reply.ok) {
        answer(w.res, 503, reply.error);
        continue;
      }
      answer(w.res, 202, JSON.stringify({ messageUuid: w.row.uuid }));
      // stored: the answer is given, delivery follows (a real store would retry from the outbox)
      publishConfirmed(broker.channel, w.route, w.row.uuid, Buffer.from(w.row.body.buffer, w.row.body.byteOffset, w.row.body.byteLength)).catch(() => {
        publishFailures += 1;
        if (publishFailures === 1) console.error('publish failed after the 202 (counted as lost by the bench)');
      });
    }
    flush();
  });
  worker.on('error', (err) => {
    console.error(err);
    process.exit(1);
  });

  const server = createServer((req, res) => {
    if (answerMetrics(req, res)) return;
  const target = routeOf(req, routes);
    readBody(req)
      .then((body) => {
        if (!target) return answer(res, 400, 'x-bench-ags / x-bench-uuid missing or unknown');
        next.push({ row: { uuid: target.uuid, ags: target.route.ags, body }, route: target.route, res });
        flush();
      })
      .catch((err: unknown) => answer(res, 503, String(err)));
  });
  announce(server, Number(process.env['PORT'] ?? 8092), async () => {
    await worker.terminate();
    await broker.close();
  });
} else {
  const db = new Database((workerData as { file: string }).file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE IF NOT EXISTS message (uuid TEXT PRIMARY KEY, ags TEXT NOT NULL, body BLOB NOT NULL, received_at INTEGER NOT NULL)');
  const insert = db.prepare('INSERT INTO message (uuid, ags, body, received_at) VALUES (?, ?, ?, ?)');
  const commit = db.transaction((rows: Row[]) => {
    const now = Date.now();
    for (const r of rows) insert.run(r.uuid, r.ags, Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength), now);
  });
  parentPort!.on('message', (rows: Row[]) => {
    try {
      commit(rows); // one transaction, one fsync of the WAL (synchronous=FULL)
      parentPort!.postMessage({ ok: true });
    } catch (err) {
      parentPort!.postMessage({ ok: false, error: String(err) });
    }
  });
}
