/**
 * `standards check <dir>`: loads one standard folder the way the gateway would and reports
 * every problem at once — descriptor schema errors, missing files, unresolved imports,
 * message types the XSD does not declare, unreadable or duplicate genericode files, rules
 * that name unknown types or do not compile — plus what was found. When the folder loads,
 * it also runs the folder's own samples (samples.ts): every valid one must pass all layers
 * with its header read, every invalid one fail as its expect.json says; so a header preset
 * that cannot read the standard's real messages is caught here, not in production.
 */
import { join } from 'node:path';
import type { Issue } from '../errors.js';
import { messageTypeNames, readDescriptor } from './descriptor.js';
import { discoverSamples, judgeSample, readExpectation, type SampleCase, type SampleExpectation } from './samples.js';
import { compileStandard, type SchemaSet } from './schema-set.js';
import { DEFAULT_XML_LIMITS, type XmlLimits } from './types.js';
import { XsdMessageValidator } from './validator.js';

export interface StandardReport {
  file: string;
  standard: string | undefined;
  version: string | undefined;
  namespace: string | undefined;
  messageTypes: string[];
  codeLists: Array<{ uri: string; version: string; codes: number }>;
  xsdFiles: number;
  rules: number;
  compileMs: number | undefined;
  /** Samples run (only when the folder loads): how many of each kind, and how many behaved as expected. */
  samples: { valid: number; invalid: number; passed: number };
  /** Empty when the folder would load and every sample behaves as expected. */
  problems: Issue[];
}

/** Never throws for a problem of the folder (only for internal failures). */
export async function inspectStandardFolder(dir: string): Promise<StandardReport> {
  const reading = await readDescriptor(join(dir, 'standard.yaml'));
  const compiled = await compileStandard(reading);
  const d = reading.partial;
  const report: StandardReport = {
    file: reading.file,
    standard: d.standard,
    version: d.version,
    namespace: d.namespace,
    messageTypes: messageTypeNames(d),
    codeLists: compiled.stats.codeLists.lists.map((l) => ({ uri: l.uri, version: l.version, codes: l.codes.size })),
    xsdFiles: compiled.stats.xsdFiles,
    rules: compiled.stats.rules,
    compileMs: compiled.stats.compileMs,
    samples: { valid: 0, invalid: 0, passed: 0 },
    problems: compiled.issues,
  };
  if (compiled.set) {
    try {
      runSamples(dir, compiled.set, report);
    } finally {
      compiled.set.dispose();
    }
  }
  return report;
}

/** Runs every sample of the folder on the compiled set; each misbehaving sample becomes a problem naming its file and the reasons. */
function runSamples(dir: string, set: SchemaSet, report: StandardReport): void {
  const validators = new Map<string, XsdMessageValidator>();
  const validatorFor = (limits: Partial<XmlLimits> | undefined): XsdMessageValidator => {
    const key = JSON.stringify(limits ?? {});
    let v = validators.get(key);
    if (!v) validators.set(key, (v = new XsdMessageValidator([set], { ...DEFAULT_XML_LIMITS, ...limits }, false)));
    return v;
  };
  const problem = (c: SampleCase, message: string): void => {
    report.problems.push({ message: `sample ${c.kind}/${c.name}.xml: ${message}`, path: c.xml, layer: 'samples' });
  };
  try {
    for (const c of discoverSamples(dir)) {
      report.samples[c.kind] += 1;
      let want: SampleExpectation;
      try {
        want = readExpectation(c);
      } catch (err) {
        problem(c, `${c.name}.expect.json is not JSON: ${(err as Error).message}`);
        continue;
      }
      const { reasons } = judgeSample(validatorFor(want.limits), c, want);
      if (reasons.length === 0) report.samples.passed += 1;
      else reasons.forEach((r) => problem(c, r));
    }
  } finally {
    validators.forEach((v) => v.close());
  }
}
