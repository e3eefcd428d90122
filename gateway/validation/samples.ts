/**
 * The samples of a standard folder (`samples/valid/<case>.xml`, `samples/invalid/<case>.xml`,
 * each with an optional `<case>.expect.json`) and the judgement of one sample against its
 * expectation. Used by `standards check <dir>` (a preset that cannot read the folder's own
 * messages is caught before deployment) and by the generic sample test, so both read the
 * expectations the same way. The keys are documented in schemas-xoev/README.md.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CATALOG, GatewayError } from '../errors.js';
import { LAYERS, type MessageValidator, type Strictness, type XmlLimits } from './types.js';

export interface SampleCase {
  kind: 'valid' | 'invalid';
  /** File name without `.xml`. */
  name: string;
  xml: string;
  expect: string;
}

export interface SampleExpectation {
  code?: string;
  layer?: string;
  rule?: string;
  path?: string;
  limits?: Partial<XmlLimits>;
  strictness?: Strictness;
  warnings?: string[];
  header?: Record<string, unknown>;
}

/** The sample files of one standard folder, sorted; none when it has no `samples/`. */
export function discoverSamples(dir: string): SampleCase[] {
  const cases: SampleCase[] = [];
  for (const kind of ['valid', 'invalid'] as const) {
    const folder = join(dir, 'samples', kind);
    if (!existsSync(folder)) continue;
    for (const file of readdirSync(folder).filter((f) => f.endsWith('.xml')).sort()) {
      const name = file.slice(0, -4);
      cases.push({ kind, name, xml: join(folder, file), expect: join(folder, `${name}.expect.json`) });
    }
  }
  return cases;
}

/** The expectation of a case; `{}` when it has none. Throws when the file is not JSON. */
export function readExpectation(c: SampleCase): SampleExpectation {
  return existsSync(c.expect) ? (JSON.parse(readFileSync(c.expect, 'utf8')) as SampleExpectation) : {};
}

/** Outcome of one sample: what the validator did and each way it differs from the expectation. */
export interface SampleVerdict {
  /** Empty when the sample behaved as expected. */
  reasons: string[];
  /** The refusal of an invalid (or wrongly refused valid) sample. */
  error?: GatewayError;
  warnings: string[];
}

/**
 * Checks one sample with `validator` (whose limits must be the case's `limits`): a valid
 * sample must be accepted with its header read (`header`: exactly this) and exactly the
 * `warnings` named; an invalid one refused — with `code` and, where given, `layer`, `rule`,
 * `path`, when its expectation names a code.
 */
export function judgeSample(validator: MessageValidator, c: SampleCase, want: SampleExpectation): SampleVerdict {
  const reasons: string[] = [];
  const policy = want.strictness ? () => want.strictness : undefined;
  let error: GatewayError | undefined;
  let warnings: string[] = [];
  try {
    const r = validator.check(readFileSync(c.xml), policy);
    warnings = r.warnings;
    if (c.kind === 'invalid') reasons.push(`was accepted; expected ${want.code ?? 'a refusal'}`);
    else {
      if (want.header && JSON.stringify(sorted(r.header)) !== JSON.stringify(sorted(want.header))) {
        reasons.push(`header read as ${JSON.stringify(r.header)}, expected ${JSON.stringify(want.header)}`);
      }
      const expected = want.warnings ?? [];
      if (r.warnings.length !== expected.length) reasons.push(`${r.warnings.length} warning(s), expected ${expected.length}: ${JSON.stringify(r.warnings)}`);
      else expected.forEach((w, i) => { if (!r.warnings[i]?.includes(w)) reasons.push(`warning ${i + 1} does not contain "${w}": ${r.warnings[i] ?? '(none)'}`); });
    }
  } catch (err) {
    if (!(err instanceof GatewayError)) throw err;
    error = err;
    if (c.kind === 'valid') reasons.push(`was refused with ${err.code}: ${err.message}`);
    else reasons.push(...refusalReasons(err, want));
  }
  return { reasons, warnings, ...(error ? { error } : {}) };
}

function refusalReasons(err: GatewayError, want: SampleExpectation): string[] {
  const reasons: string[] = [];
  if (want.code === undefined) return []; // without an expectation, any refusal will do
  if (!(want.code in ERROR_CATALOG)) reasons.push(`the expectation names the unknown code ${want.code}`);
  if (want.layer !== undefined && !(LAYERS as readonly string[]).includes(want.layer)) reasons.push(`the expectation names the unknown layer ${want.layer}`);
  if (err.code !== want.code) return [...reasons, `was refused with ${err.code}, expected ${want.code}: ${err.message}`];
  const issues = err.issues;
  if (want.layer && !issues.every((i) => i.layer === want.layer)) reasons.push(`not every issue is of layer ${want.layer}: ${issues.map((i) => i.layer ?? '(none)').join(', ')}`);
  if (want.rule && !issues.some((i) => i.rule === want.rule)) reasons.push(`no issue names rule ${want.rule}: ${issues.map((i) => i.rule ?? '(none)').join(', ')}`);
  if (want.path && !issues.some((i) => (i.path ?? '').includes(want.path as string))) reasons.push(`no issue path contains ${want.path}`);
  return reasons;
}

const sorted = (o: object): Array<[string, unknown]> => Object.entries(o).sort(([a], [b]) => a.localeCompare(b));
