import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parse as parseYaml } from 'yaml';
import { CONNECTORS } from '../../connectors/index.js';
import { DEMO_CONFIG_PATH, substituteEnv, validateConfig } from '../../gateway/config/load.js';
import type { GatewayConfig } from '../../gateway/config/schema.js';
import { startGateway, type GatewayHandle } from '../../gateway/server.js';
import { answerChecker } from '../../gateway/api/contract.js';
import { checkAnswers } from '../../gateway/api/contract-types.js';

// Every JSON answer of an in-process test gateway is checked against the API contract (ADR 0026): one outside it is a 500.
checkAnswers(answerChecker());

/** A fresh data folder, removed when the test process exits (also for configs never started). */
const tempDirs = new Set<string>();
function tempDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'zsa-gw-test-'));
  if (tempDirs.size === 0) process.once('exit', () => tempDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  tempDirs.add(dir);
  return dir;
}

export interface TestConfigOptions {
  /** Replace endpoints of the demo config by id (connector + config). */
  endpoints?: Record<string, { connector: string; config: Record<string, unknown>; maxInFlight?: number }>;
  delivery?: Record<string, unknown>;
  dataDir?: string;
}

/**
 * The demo configuration with a fresh temporary data folder, fast delivery timings for
 * tests, and the given endpoints swapped for real RabbitMQ / HTTP peers.
 */
export function testConfig(o: TestConfigOptions = {}): GatewayConfig {
  const raw = substituteEnv(parseYaml(readFileSync(DEMO_CONFIG_PATH, 'utf8')), {}) as Record<string, unknown> & { endpoints: Array<Record<string, unknown>> };
  raw['store'] = { dataDir: o.dataDir ?? tempDataDir() };
  raw['server'] = { port: 0, host: '127.0.0.1' };
  raw['delivery'] = {
    maxAttempts: 4,
    backoff: { initialMs: 50, multiplier: 2, maxMs: 400, jitter: 0.1 },
    pollMs: 50,
    leaseMs: 10_000,
    timeoutMs: 5_000,
    circuitBreaker: { failureThreshold: 50, cooldownMs: 200 },
    shutdownGraceMs: 2_000,
    ...(o.delivery ?? {}),
  };
  raw.endpoints = raw.endpoints.map((e) => {
    const over = o.endpoints?.[String(e['id'])];
    return over ? { id: e['id'], ...over } : e;
  });
  // a demo XTA account that reads the pull mailbox of an endpoint swapped for another connector has no mailbox left to read
  const xta = raw['xta'] as { accounts?: Array<Record<string, unknown>> } | undefined;
  const swappedAway = (mailbox: unknown) => typeof mailbox === 'string' && o.endpoints?.[mailbox] !== undefined && o.endpoints[mailbox]!.connector !== 'mailbox';
  if (xta?.accounts) xta.accounts = xta.accounts.filter((a) => !swappedAway(a['mailbox']));
  return validateConfig(raw, CONNECTORS);
}

export const quietLog = () => pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });

/** Starts an in-process gateway on a free port; `stop` closes it and removes its data folder. */
export async function startTestGateway(cfg: GatewayConfig): Promise<GatewayHandle & { stop(): Promise<void> }> {
  const gw = await startGateway(cfg, { log: quietLog(), port: 0, host: '127.0.0.1' });
  return {
    ...gw,
    async stop() {
      await gw.close();
      rmSync(cfg.store.dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. No timing is asserted. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000, everyMs = 50): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
