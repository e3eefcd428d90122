/**
 * Validation throughput on one thread: an 8 KB hund.anmeldung.0101 (test fixture, padded
 * through its free-text `bemerkung`) against the compiled XZSA 1.0 set. Measures
 *   - parse + XSD only (the figure LIBRARIES.md reports for libxml2-wasm),
 *   - the full `check()` of the gateway: DOCTYPE scan, parse, limits, header profile,
 *     XSD, type code — what ingress pays per message, and
 *   - for contrast, the full check of an element-rich 8 KB wohngeld.antrag.0201 (many
 *     household members instead of free text), where the XSD has more to do.
 * Each runs a fixed number of iterations per round (BENCH_ITERATIONS, default 20000), a
 * round stops early after BENCH_SECONDS (default 5); the median of 3 rounds is reported.
 * The last line is the full check: `validate: <n> validations/s (8 KB, 1 thread)`.
 *
 *   npx tsx bench/validate.ts
 */
import { fileURLToPath } from 'node:url';
import { ParseOption, XmlDocument } from 'libxml2-wasm';
import { loadDescriptors } from '../gateway/validation/descriptor.js';
import { loadValidator } from '../gateway/validation/index.js';
import { compileSchemaSet } from '../gateway/validation/schema-set.js';
import { hundAnmeldung, wohngeldAntrag } from '../test/support/xzsa-fixtures.js';

const SCHEMA_ROOT = fileURLToPath(new URL('../schemas-xoev/', import.meta.url));
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 20_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = 3;
const WARMUP = 1_000;
const SIZE = 8 * 1024;

/** Runs `fn` up to ITERATIONS times or SECONDS long, per round; returns the median rate per second. */
function measure(fn: () => void): { rate: number; runs: number[] } {
  for (let i = 0; i < WARMUP; i++) fn();
  const rates: number[] = [];
  const runs: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const deadline = performance.now() + SECONDS * 1000;
    const start = performance.now();
    let n = 0;
    while (n < ITERATIONS && (n % 256 !== 0 || performance.now() < deadline)) {
      fn();
      n++;
    }
    rates.push(n / ((performance.now() - start) / 1000));
    runs.push(n);
  }
  rates.sort((a, b) => a - b);
  return { rate: rates[Math.floor(rates.length / 2)] ?? 0, runs };
}

const xml = Buffer.from(hundAnmeldung({ padToBytes: SIZE }));
/** The most household members that still fit into SIZE bytes, then padded to exactly SIZE. */
function elementRich(): Buffer {
  let members = 1;
  while (Buffer.byteLength(wohngeldAntrag({ haushaltsmitglieder: members + 1 })) <= SIZE) members++;
  return Buffer.from(wohngeldAntrag({ haushaltsmitglieder: members, padToBytes: SIZE }));
}
const rich = elementRich();
const validator = await loadValidator(SCHEMA_ROOT);
const [xzsa] = (await loadDescriptors(SCHEMA_ROOT)).filter((d) => d.descriptor.standard === 'XZSA');
if (!xzsa) throw new Error('XZSA 1.0 descriptor not found');
const set = await compileSchemaSet(xzsa);
try {
  validator.check(xml); // must be valid, or the figures mean nothing
  validator.check(rich);
  const option = ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE;
  const xsdOnly = measure(() => {
    const doc = XmlDocument.fromBuffer(xml, { option });
    try {
      set.xsd.validate(doc);
    } finally {
      doc.dispose();
    }
  });
  const richFull = measure(() => validator.check(rich));
  const full = measure(() => validator.check(xml));
  const info = validator.standards().map((s) => `${s.standard} ${s.version} compiled in ${s.compileMs.toFixed(1)} ms`).join(', ');
  console.log(`schemas: ${info}; message ${xml.length} bytes; node ${process.version}`);
  console.log(`parse + XSD: ${Math.round(xsdOnly.rate)} validations/s (rounds of ${xsdOnly.runs.join('/')} iterations)`);
  console.log(`full check(), element-rich 8 KB wohngeld.antrag.0201: ${Math.round(richFull.rate)} validations/s (rounds of ${richFull.runs.join('/')} iterations)`);
  console.log(`full check(): ${Math.round(full.rate)} validations/s (rounds of ${full.runs.join('/')} iterations)`);
  console.log(`validate: ${Math.round(full.rate)} validations/s (8 KB, 1 thread)`);
} finally {
  set.dispose();
  validator.close();
}
