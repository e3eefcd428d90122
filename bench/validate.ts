/**
 * Validation throughput on one thread, per standard and sample (issue 11, goal 3): for every
 * standard under schemas-xoev/ and test/fixtures/xoev/ and every valid sample in its
 * `samples/valid/` that the gateway accepts, plus two synthetic 8 KB XZSA 1.0 messages (a
 * hund.anmeldung.0101 padded through its free-text `bemerkung`, and an element-rich
 * wohngeld.antrag.0201 with as many household members as fit), it measures
 *   - parse + XSD alone (libxml2 parse and the standard's compiled XSD), and
 *   - the gateway's full `check()`: DOCTYPE scan, parse, limits, header profile and the
 *     layers 2–6 (XSD, identity, code lists held, header sanity, service rules) with the
 *     standard's own strictness — what ingress pays per message,
 * and prints both rates and their ratio (full ÷ parse + XSD; goal ≥ 0.50 for every sample).
 *
 * The two are measured in one run, interleaved: each round runs a batch of one, then a batch
 * of the other (order alternating), for BENCH_SECONDS (default 1) per sample; rates are the
 * median over rounds, per CPU second of this process (the fairer figure on a shared, loaded
 * machine; time other processes take is not counted) and per wall-clock second.
 * BENCH_WARMUP (default 200) sets the warm-up runs per sample (the smoke test uses a few).
 * BENCH_FILTER (a substring of "<standard> <version> <sample>") limits the samples.
 * The last line is
 *   `validate: full/parse+XSD ratio min <r> (<standard> <version> <sample>), 8 KB XZSA hund.anmeldung full check <n>/s per CPU s (1 thread)`.
 *
 *   npm run bench:validate
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ParseOption, XmlDocument } from 'libxml2-wasm';
import { findDescriptorFiles, readDescriptor } from '../gateway/validation/descriptor.js';
import { loadValidator } from '../gateway/validation/index.js';
import { compileStandard, type SchemaSet } from '../gateway/validation/schema-set.js';
import { hundAnmeldung, wohngeldAntrag } from '../test/support/xzsa-fixtures.js';

const ROOTS = [fileURLToPath(new URL('../schemas-xoev/', import.meta.url)), fileURLToPath(new URL('../test/fixtures/xoev/', import.meta.url))];
const SECONDS = Number(process.env.BENCH_SECONDS ?? 1);
const FILTER = process.env.BENCH_FILTER ?? '';
const WARMUP = Number(process.env.BENCH_WARMUP ?? 200);
/** Milliseconds a batch should take: 20, or less when BENCH_SECONDS is too short for six rounds of two such batches. */
const BATCH_MS = Math.min(20, (SECONDS * 1000) / 12);
const SIZE = 8 * 1024;
const PARSE = ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE;

interface Rate { cpu: number; wall: number }
interface Sample { standard: string; file: string; bytes: Buffer; set: SchemaSet }

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const cpuNow = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/**
 * Runs `a` and `b` in alternating batches for SECONDS (at least six rounds); a batch is sized to take about BATCH_MS.
 * Returns the median rate of each, per CPU second and per wall-clock second.
 */
function interleaved(a: () => void, b: () => void): [Rate, Rate] {
  for (let i = 0; i < WARMUP; i++) {
    a();
    b();
  }
  const t0 = performance.now();
  for (let i = 0; i < 10; i++) a();
  const batch = Math.max(2, Math.round(10 * BATCH_MS / Math.max(performance.now() - t0, 0.01)));
  const rates: [{ cpu: number[]; wall: number[] }, { cpu: number[]; wall: number[] }] = [{ cpu: [], wall: [] }, { cpu: [], wall: [] }];
  const deadline = performance.now() + SECONDS * 1000;
  for (let round = 0; round < 6 || performance.now() < deadline; round++) {
    const order = round % 2 === 0 ? [0, 1] as const : [1, 0] as const;
    for (const k of order) {
      const fn = k === 0 ? a : b;
      const wall = performance.now();
      const cpu = cpuNow();
      for (let i = 0; i < batch; i++) fn();
      rates[k].cpu.push(batch / (Math.max(cpuNow() - cpu, 1) / 1e6));
      rates[k].wall.push(batch / ((performance.now() - wall) / 1000));
    }
  }
  return [{ cpu: median(rates[0].cpu), wall: median(rates[0].wall) }, { cpu: median(rates[1].cpu), wall: median(rates[1].wall) }];
}

const xsdOnly = (set: SchemaSet, bytes: Buffer) => (): void => {
  const doc = XmlDocument.fromBuffer(bytes, { option: PARSE });
  try {
    set.xsd.validate(doc);
  } finally {
    doc.dispose();
  }
};

/** The most household members that still fit into SIZE bytes, then padded to exactly SIZE. */
function elementRich(): Buffer {
  let members = 1;
  while (Buffer.byteLength(wohngeldAntrag({ haushaltsmitglieder: members + 1 })) <= SIZE) members++;
  return Buffer.from(wohngeldAntrag({ haushaltsmitglieder: members, padToBytes: SIZE }));
}

const validator = await loadValidator(ROOTS);
const sets: SchemaSet[] = [];
const samples: Sample[] = [];
let hund8k: Sample | undefined;
try {
  for (const file of await findDescriptorFiles(ROOTS)) {
    const compiled = await compileStandard(await readDescriptor(file));
    if (!compiled.set) throw new Error(`${file}: ${compiled.issues.map((i) => i.message).join('; ')}`);
    const set = compiled.set;
    sets.push(set);
    const standard = `${set.descriptor.standard} ${set.descriptor.version}`;
    const dir = join(dirname(file), 'samples', 'valid');
    const files = (() => {
      try {
        return readdirSync(dir).filter((f) => f.endsWith('.xml')).sort();
      } catch {
        return [];
      }
    })();
    for (const f of files) samples.push({ standard, file: f, bytes: readFileSync(join(dir, f)), set });
    if (set.descriptor.standard === 'XZSA' && set.descriptor.version === '1.0') {
      hund8k = { standard, file: 'synthetic 8 KB hund.anmeldung.0101', bytes: Buffer.from(hundAnmeldung({ padToBytes: SIZE })), set };
      samples.push(hund8k, { standard, file: 'synthetic 8 KB element-rich wohngeld.antrag.0201', bytes: elementRich(), set });
    }
  }
  const info = validator.standards().map((s) => `${s.standard} ${s.version} (XSD compiled in ${s.compileMs.toFixed(0)} ms, ${s.codeLists.length} code lists, ${s.rules} rules)`).join(', ');
  console.log(`validation throughput, 1 thread, node ${process.version}; ${SECONDS} s per sample, interleaved rounds, median; standards: ${info}`);
  console.log('rates per CPU second (wall clock in brackets); ratio = full check ÷ parse + XSD');
  let worst: { ratio: number; label: string } | undefined;
  let hundRate: number | undefined;
  for (const s of samples) {
    const label = `${s.standard} ${s.file}`;
    if (FILTER && !label.includes(FILTER)) continue;
    try {
      validator.check(s.bytes);
    } catch {
      console.log(`  ${label}: not accepted by the gateway's check with the standard's defaults; skipped`);
      continue;
    }
    const [xsd, full] = interleaved(xsdOnly(s.set, s.bytes), () => validator.check(s.bytes));
    const ratio = full.cpu / xsd.cpu;
    if (!worst || ratio < worst.ratio) worst = { ratio, label };
    if (s === hund8k) hundRate = full.cpu;
    const n = (x: number): string => Math.round(x).toLocaleString('en');
    console.log(`  ${label.padEnd(72)} ${(s.bytes.length / 1024).toFixed(1).padStart(5)} KB  parse+XSD ${n(xsd.cpu).padStart(6)}/s (${n(xsd.wall)})  full ${n(full.cpu).padStart(6)}/s (${n(full.wall)})  ratio ${ratio.toFixed(2)}`);
  }
  const hund = hundRate === undefined ? 'not measured' : `${Math.round(hundRate)}/s per CPU s`;
  console.log(`validate: full/parse+XSD ratio min ${worst ? `${worst.ratio.toFixed(2)} (${worst.label})` : 'n/a'}, 8 KB XZSA hund.anmeldung full check ${hund} (1 thread)`);
} finally {
  sets.forEach((s) => s.dispose());
  validator.close();
}
