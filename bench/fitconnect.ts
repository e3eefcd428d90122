/**
 * `npm run bench:fitconnect`: complete FIT-Connect submissions per second through the whole
 * pipeline — per submission: destination and key lookup, create, two encrypted attachments,
 * encrypted metadata and data, submit; the gateway decrypts, checks, maps, validates, routes
 * and stores it (202) — with N concurrent senders (the client library,
 * gateway/fitconnect/client/sender.ts) against an in-process gateway with the demo
 * configuration (embedded SQLite store, `auth.mode: off`). Then the bare crypto of one
 * submission alone, and its share of the time per submission. Besides wall-clock figures it
 * prints the main thread's busy time and the process's CPU time per submission, which a busy
 * shared machine disturbs less than submissions/s (ADR 0041). Prints; asserts nothing.
 *
 * BENCH_SUBMISSIONS (default 200), BENCH_SENDERS (default 8).
 */
import { randomUUID } from 'node:crypto';
import { performance as nodePerformance } from 'node:perf_hooks';
import { generateKeyObjectsSync } from '../gateway/crypto/keygen.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactDecrypt, CompactEncrypt, importJWK, SignJWT, type JWK } from 'jose';
import { pino } from 'pino';
import { CONNECTORS } from '../connectors/index.js';
import { DEMO_CONFIG_PATH, loadConfigFile } from '../gateway/config/load.js';
import { FitConnectSender } from '../gateway/fitconnect/client/sender.js';
import { PACKAGE_ROOT } from '../gateway/paths.js';
import { startGateway } from '../gateway/server.js';

const TOTAL = Number(process.env['BENCH_SUBMISSIONS'] ?? 200);
const SENDERS = Number(process.env['BENCH_SENDERS'] ?? 8);
const HALLE = '5a1c0e3e-3b0f-4f6a-9a51-150020000001';
const HUND = '99102013104000';
const FORM = readFileSync(join(PACKAGE_ROOT, 'mappings/efa-hund-form-to-xzsa/fixtures/halle-ags-reduction-transfer.input.json'));
const ATTACHMENTS = [Buffer.alloc(64 * 1024, 'A'), Buffer.alloc(64 * 1024, 'B')].map((b, i) => ({ bytes: Buffer.concat([Buffer.from('%PDF-1.4 synthetic '), b]), filename: `nachweis-${i + 1}.pdf` }));

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

interface Throughput {
  perSec: number;
  p50: number;
  p99: number;
  wallMs: number;
  /** Main-thread (event loop) busy time per submission: the gateway's and the in-process senders' JavaScript, SQLite commits, synchronous crypto. */
  loopMsPerSubmission: number;
  /** CPU time of the whole process (every thread: main, decryption workers, libuv pool) per submission. */
  cpuMsPerSubmission: number;
}

async function throughput(): Promise<Throughput> {
  const dataDir = mkdtempSync(join(tmpdir(), 'zsa-bench-fit-'));
  const cfg = loadConfigFile(DEMO_CONFIG_PATH, CONNECTORS);
  cfg.store.dataDir = dataDir;
  const gw = await startGateway(cfg, { log: pino({ level: 'silent' }), port: 0, host: '127.0.0.1' });
  try {
    const sender = new FitConnectSender({ url: gw.url });
    const one = () => sender.send({ destinationId: HALLE, leika: HUND, data: FORM, attachments: ATTACHMENTS });
    await one(); // warm-up: the destination's key, compiled schemas
    const times: number[] = [];
    let next = 0;
    const start = performance.now();
    const elu = nodePerformance.eventLoopUtilization();
    const cpu = process.cpuUsage();
    await Promise.all(
      Array.from({ length: SENDERS }, async () => {
        while (next < TOTAL) {
          next++;
          const t = performance.now();
          await one();
          times.push(performance.now() - t);
        }
      }),
    );
    const wallMs = performance.now() - start;
    const loop = nodePerformance.eventLoopUtilization(elu);
    const used = process.cpuUsage(cpu);
    times.sort((a, b) => a - b);
    return {
      perSec: (times.length / wallMs) * 1000,
      p50: pct(times, 50),
      p99: pct(times, 99),
      wallMs,
      loopMsPerSubmission: loop.active / times.length,
      cpuMsPerSubmission: (used.user + used.system) / 1000 / times.length,
    };
  } finally {
    await gw.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** One submission's crypto alone: 4 JWE encrypts (sender), 4 decrypts (gateway), 2 PS512 SETs (create, submit events). */
async function cryptoPerSubmissionMs(): Promise<number> {
  const { publicKey, privateKey } = generateKeyObjectsSync({ type: 'rsa', modulusLength: 4096 });
  const pub = publicKey.export({ format: 'jwk' }) as JWK;
  const priv = privateKey.export({ format: 'jwk' }) as JWK;
  const encKey = await importJWK(pub, 'RSA-OAEP-256');
  const decKey = await importJWK(priv, 'RSA-OAEP-256');
  const sigKey = await importJWK(priv, 'PS512');
  const metadata = Buffer.alloc(1200, 'm');
  const parts = [FORM, metadata, ...ATTACHMENTS.map((a) => a.bytes)];
  const once = async () => {
    for (const p of parts) {
      const jwe = await new CompactEncrypt(p).setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'k' }).encrypt(encKey);
      await compactDecrypt(jwe, decKey);
    }
    for (let i = 0; i < 2; i++) await new SignJWT({ events: {} }).setProtectedHeader({ alg: 'PS512', typ: 'secevent+jwt' }).setJti(randomUUID()).setIssuedAt().sign(sigKey);
  };
  await once();
  const n = Math.max(5, Math.min(40, TOTAL));
  const t = performance.now();
  for (let i = 0; i < n; i++) await once();
  return (performance.now() - t) / n;
}

const r = await throughput();
console.log(`fitconnect: ${TOTAL} submissions (create + 2 attachments of 64 KiB + submit, encrypted), ${SENDERS} concurrent senders: ${r.perSec.toFixed(1)} msg/s, p50 ${r.p50.toFixed(0)} ms, p99 ${r.p99.toFixed(0)} ms per submission`);
console.log(`per submission: ${r.loopMsPerSubmission.toFixed(1)} ms busy on the main thread (event loop), ${r.cpuMsPerSubmission.toFixed(1)} ms CPU in all threads; load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`);
const crypto = await cryptoPerSubmissionMs();
const perSubmission = 1000 / r.perSec;
console.log(`crypto alone: ${crypto.toFixed(1)} ms per submission (4 JWE encrypt + 4 decrypt RSA-OAEP-256/A256GCM 4096 bit, 2 PS512 SETs, one core) = ${((crypto / perSubmission) * 100).toFixed(0)} % of the ${perSubmission.toFixed(1)} ms wall time per completed submission`);
