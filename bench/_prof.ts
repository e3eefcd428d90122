import amqp from 'amqplib';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { benchRoutes, buildGatewayConfig, closedLoop } from './compare.js';
import { openConfirmChannel } from './floor/common.js';

const workers = process.argv[2] ?? 'auto';
const routes = benchRoutes('prof' + Math.random().toString(36).slice(2, 8));
const conn = await amqp.connect('amqp://guest:guest@127.0.0.1:5672');
const ch = await conn.createChannel();
const topo = await openConfirmChannel('amqp://guest:guest@127.0.0.1:5672', routes);
await topo.close();
const dir = mkdtempSync(join(tmpdir(), 'prof-'));
const port = 18000 + Math.floor(Math.random() * 1000);
writeFileSync(join(dir, 'gw.yaml'), stringify(buildGatewayConfig(routes, join(dir, 'data'), port, workers)));
const proc = spawn(process.execPath, ['--cpu-prof', '--cpu-prof-dir', '/tmp/pool-scratch/prof-' + workers, 'dist/gateway/cli/main.js', 'serve', '--config', join(dir, 'gw.yaml')], { stdio: 'inherit', env: { ...process.env, LOG_LEVEL: 'warn' } });
for (let i = 0; i < 100; i++) {
  try { if ((await fetch(`http://127.0.0.1:${port}/ready`)).ok) break; } catch { /* starting */ }
  await new Promise((r) => setTimeout(r, 300));
}
await closedLoop(`http://127.0.0.1:${port}`, 32, 3);
const r = await closedLoop(`http://127.0.0.1:${port}`, 32, Number(process.argv[3] ?? 10));
console.log('accepted', r.accepted.size, 'errors', [...r.errors]);
proc.kill('SIGINT');
await new Promise((res) => proc.on('exit', res));
for (const q of routes) { await ch.deleteQueue(q.queue); await ch.deleteExchange(q.exchange); }
await conn.close();
