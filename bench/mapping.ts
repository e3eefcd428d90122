/**
 * Mapping throughput on one core (one process, messages mapped one after another):
 *   - JSON form → XZSA: efa-hund-form-to-xzsa, including the gateway validator's check of
 *     the XZSA output (all layers) — what the EfA ingress pays per form;
 *   - XZSA → REST JSON: xzsa-to-fv-rest-json, libxml2 parse + precompiled XPath + JSON
 *     Schema check of the output;
 *   - every other mapping under mappings/ with a successful fixture (the dialects), each
 *     on its first such fixture.
 * Each is run for BENCH_SECONDS (default 3) per round after a warm-up; the median of 3
 * rounds is reported per wall-clock second and per CPU second. The last line is
 * `mapping: <form→XZSA>/s form→xzsa, <XZSA→REST>/s xzsa→rest-json (1 core)`.
 * BENCH_WARMUP (default 500) sets the warm-up runs per mapping (the smoke test uses a few).
 *
 *   npm run bench:mapping
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMappings } from '../gateway/mapping/index.js';
import type { CompiledMapping } from '../gateway/mapping/types.js';
import { loadValidator } from '../gateway/validation/index.js';

const MAPPINGS = fileURLToPath(new URL('../mappings/', import.meta.url));
const SCHEMAS = fileURLToPath(new URL('../schemas-xoev/', import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = 3;
const WARMUP = Number(process.env.BENCH_WARMUP ?? 500);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function measure(m: CompiledMapping, input: Buffer): Promise<{ rate: number; cpuRate: number }> {
  for (let i = 0; i < WARMUP; i++) await m.run(input);
  const rates: number[] = [];
  const cpuRates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = performance.now();
    const deadline = start + SECONDS * 1000;
    const cpu = process.cpuUsage();
    let n = 0;
    while (n % 128 !== 0 || performance.now() < deadline) {
      await m.run(input);
      n++;
    }
    const used = process.cpuUsage(cpu);
    rates.push(n / ((performance.now() - start) / 1000));
    cpuRates.push(n / ((used.user + used.system) / 1e6));
  }
  return { rate: median(rates), cpuRate: median(cpuRates) };
}

/** The first fixture input of `name` that maps without error, or undefined. */
async function firstGoodInput(m: CompiledMapping): Promise<{ file: string; input: Buffer } | undefined> {
  const dir = join(MAPPINGS, m.name, 'fixtures');
  for (const f of readdirSync(dir).filter((x) => x.includes('.input.')).sort()) {
    const input = readFileSync(join(dir, f));
    if (await m.run(input).then(() => true, () => false)) return { file: f, input };
  }
  return undefined;
}

const validator = await loadValidator(SCHEMAS);
const registry = await loadMappings([MAPPINGS], { validator });
const named: Record<string, string> = {
  'efa-hund-form-to-xzsa': 'magdeburg-ars-sepa.input.json',
  'xzsa-to-fv-rest-json': 'sepa-magdeburg.input.xml',
};
const results = new Map<string, number>();
const order = [...Object.keys(named), ...registry.names().filter((n) => !(n in named))];
console.log(`mapping throughput, 1 core, ${ROUNDS} rounds of ${SECONDS} s (median)`);
for (const name of order) {
  const m = registry.get(name);
  if (!m) continue;
  const fixture = named[name] ? { file: named[name] as string, input: readFileSync(join(MAPPINGS, name, 'fixtures', named[name] as string)) } : await firstGoodInput(m);
  if (!fixture) {
    console.log(`  ${name}: no fixture maps without error; skipped`);
    continue;
  }
  const { rate, cpuRate } = await measure(m, fixture.input);
  results.set(name, rate);
  console.log(`  ${name.padEnd(34)} ${m.from.format}→${m.to.format}  ${Math.round(rate).toLocaleString('en')} msg/s (${Math.round(cpuRate).toLocaleString('en')} per CPU s)  ${(fixture.input.length / 1024).toFixed(1)} KB in  [${fixture.file}]`);
}
registry.close();
validator.close();
const f = Math.round(results.get('efa-hund-form-to-xzsa') ?? 0);
const x = Math.round(results.get('xzsa-to-fv-rest-json') ?? 0);
console.log(`mapping: ${f}/s form→xzsa, ${x}/s xzsa→rest-json (1 core)`);
