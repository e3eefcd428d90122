/**
 * `standards check <dir>`: loads one standard folder the way the gateway would and reports
 * every problem at once — descriptor schema errors, missing files, unresolved imports,
 * message types the XSD does not declare, unreadable or duplicate genericode files, rules
 * that name unknown types or do not compile — plus what was found.
 */
import { join } from 'node:path';
import type { Issue } from '../errors.js';
import { messageTypeNames, readDescriptor } from './descriptor.js';
import { compileStandard } from './schema-set.js';

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
  /** Empty when the folder would load. */
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
    problems: compiled.issues,
  };
  compiled.set?.dispose();
  return report;
}
