/**
 * Validation throughput on one thread: an 8 KB hund.anmeldung.0101 (test fixture, padded
 * through its free-text `bemerkung`) against the compiled XZSA 1.0 set. Measures
 *   - parse + XSD only (the figure LIBRARIES.md reports for libxml2-wasm),
 *   - the full `check()` of the gateway: DOCTYPE scan, parse, limits, header profile,
 *     the layers 2–6 (XSD, identity, code lists, header sanity, service rules) — what
 *     ingress pays per message, and
 *   - for contrast, the full check of an element-rich 8 KB wohngeld.antrag.0201 (many
 *     household members instead of free text), where the XSD has more to do, and
 *   - a real foreign message: the 15 KB XBeteiligung 1.2 kommunal.Aktualisieren.0402 of
 *     test/fixtures/xoev (parse + XSD, and the full check with code lists and rules; it
 *     ends with its layer-3 warning, which is part of the cost).
 * Each runs a fixed number of iterations per round (BENCH_ITERATIONS, default 20000), a
 * round stops early after BENCH_SECONDS (default 5); the median of 3 rounds is reported,
 * per wall-clock second and per CPU second. The last line is the full check (wall clock):
 * `validate: <n> validations/s (8 KB, 1 thread)`.
 *
 *   npx tsx bench/validate.ts
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ParseOption, XmlDocument } from 'libxml2-wasm';
import { readDescriptor } from '../gateway/validation/descriptor.js';
import { loadValidator } from '../gateway/validation/index.js';
import { compileStandard, type SchemaSet } from '../gateway/validation/schema-set.js';
import { hundAnmeldung, wohngeldAntrag } from '../test/support/xzsa-fixtures.js';

const SCHEMA_ROOT = fileURLToPath(new URL('../schemas-xoev/', import.meta.url));
const FIXTURE_ROOT = fileURLToPath(new URL('../test/fixtures/xoev/', import.meta.url));
const XBET = join(FIXTURE_ROOT, 'xbeteiligung', '1.2');
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 20_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = 3;
const WARMUP = 1_000;
const SIZE = 8 * 1024;

/**
 * Runs `fn` up to ITERATIONS times or SECONDS long, per round; returns the median rate per
 * wall-clock second, and per CPU second of this process (the fairer figure on a shared,
 * loaded machine: time other processes take is not counted).
 */
function measure(fn: () => void): { rate: number; cpuRate: number; runs: number[] } {
  for (let i = 0; i < WARMUP; i++) fn();
  const rates: number[] = [];
  const cpuRates: number[] = [];
  const runs: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const deadline = performance.now() + SECONDS * 1000;
    const start = performance.now();
    const cpu = process.cpuUsage();
    let n = 0;
    while (n < ITERATIONS && (n % 256 !== 0 || performance.now() < deadline)) {
      fn();
      n++;
    }
    const used = process.cpuUsage(cpu);
    rates.push(n / ((performance.now() - start) / 1000));
    cpuRates.push(n / ((used.user + used.system) / 1e6));
    runs.push(n);
  }
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  return { rate: median(rates), cpuRate: median(cpuRates), runs };
}

const xml = Buffer.from(hundAnmeldung({ padToBytes: SIZE }));
/** The most household members that still fit into SIZE bytes, then padded to exactly SIZE. */
function elementRich(): Buffer {
  let members = 1;
  while (Buffer.byteLength(wohngeldAntrag({ haushaltsmitglieder: members + 1 })) <= SIZE) members++;
  return Buffer.from(wohngeldAntrag({ haushaltsmitglieder: members, padToBytes: SIZE }));
}
const rich = elementRich();
const real = readFileSync(join(XBET, 'samples', 'valid', 'example402FromCockpit.xml'));
const validator = await loadValidator([SCHEMA_ROOT, FIXTURE_ROOT]);

/** One standard compiled on its own, for the parse + XSD figure. */
async function compiled(file: string): Promise<SchemaSet> {
  const result = await compileStandard(await readDescriptor(file));
  if (!result.set) throw new Error(`${file}: ${result.issues.map((i) => i.message).join('; ')}`);
  return result.set;
}
const xzsa = await compiled(join(SCHEMA_ROOT, 'xzsa', '1.0', 'standard.yaml'));
const xbet = await compiled(join(XBET, 'standard.yaml'));
const option = ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE;
const xsdOnly = (set: SchemaSet, bytes: Buffer) => () => {
  const doc = XmlDocument.fromBuffer(bytes, { option });
  try {
    set.xsd.validate(doc);
  } finally {
    doc.dispose();
  }
};
const line = (label: string, r: { rate: number; cpuRate: number; runs: number[] }): void => {
  console.log(`${label}: ${Math.round(r.rate)} validations/s, ${Math.round(r.cpuRate)} per CPU second (rounds of ${r.runs.join('/')} iterations)`);
};
try {
  validator.check(xml); // must be valid, or the figures mean nothing
  validator.check(rich);
  if (validator.check(real).warnings.length !== 1) throw new Error('the XBeteiligung sample should give exactly its type-code warning');
  const xsd8k = measure(xsdOnly(xzsa, xml));
  const richFull = measure(() => validator.check(rich));
  const realXsd = measure(xsdOnly(xbet, real));
  const realFull = measure(() => validator.check(real));
  const full = measure(() => validator.check(xml));
  const info = validator.standards().map((s) => `${s.standard} ${s.version} compiled in ${s.compileMs.toFixed(1)} ms`).join(', ');
  console.log(`schemas: ${info}; message ${xml.length} bytes; node ${process.version}`);
  line('parse + XSD', xsd8k);
  line('full check(), element-rich 8 KB wohngeld.antrag.0201', richFull);
  line(`parse + XSD, XBeteiligung 1.2 ${Math.round(real.length / 1024)} KB kommunal.Aktualisieren.0402`, realXsd);
  line(`full check(), XBeteiligung 1.2 ${Math.round(real.length / 1024)} KB kommunal.Aktualisieren.0402`, realFull);
  line('full check()', full);
  console.log(`validate: ${Math.round(full.rate)} validations/s (8 KB, 1 thread)`);
} finally {
  xzsa.dispose();
  xbet.dispose();
  validator.close();
}
