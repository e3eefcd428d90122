/**
 * Shared by the dialect tests (ADR 0019): the names of the dialect and version mappings, a
 * compiled mapping by name from the shared registry (./support.ts) and fixture files.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CompiledMapping } from '../../gateway/mapping/index.js';
import { loadAll, MAPPINGS_DIR } from './support.js';

export const DIALECT_MAPPINGS = [
  'xzsa-to-fv-csv', 'xzsa-steuerfestsetzung-to-fv-csv', 'xzsa-steuerfestsetzung-to-fv-rest-json', 'fv-csv-to-xzsa', 'fv-rest-json-to-xzsa', 'xzsa-to-fv-legacy-xml', 'fv-legacy-xml-to-xzsa', 'xzsa-1.0-to-1.1', 'xzsa-1.1-to-1.0', 'xzsa-1.1-to-1.0-steuerfestsetzung', 'xzsa-1.1-to-1.0-freigabe',
] as const;
export type DialectMapping = (typeof DIALECT_MAPPINGS)[number];

/** The compiled mapping `name` from the registry over mappings/ (loaded once per process). */
export async function dialect(name: DialectMapping): Promise<CompiledMapping> {
  const { registry } = await loadAll();
  const m = registry.get(name);
  if (!m) throw new Error(`mapping ${name} is not loaded`);
  return m;
}

export function fixture(name: DialectMapping, file: string): Promise<string> {
  return readFile(join(MAPPINGS_DIR, name, 'fixtures', file), 'utf8');
}
