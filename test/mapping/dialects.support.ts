/**
 * Shared by the dialect tests: loads every mapping under mappings/ once with the gateway's
 * validator (as the gateway does at start) and reads fixture files of a mapping.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { loadMappings, type CompiledMapping, type MappingRegistry } from '../../gateway/mapping/index.js';
import { loadValidator } from '../../gateway/validation/index.js';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** The names of the dialect and version mappings this lane owns (ADR 0019). */
export const DIALECT_MAPPINGS = [
  'xzsa-to-fv-csv', 'fv-csv-to-xzsa', 'xzsa-to-fv-legacy-xml', 'fv-legacy-xml-to-xzsa', 'xzsa-1.0-to-1.1', 'xzsa-1.1-to-1.0',
] as const;
export type DialectMapping = (typeof DIALECT_MAPPINGS)[number];

export interface Loaded {
  registry: MappingRegistry;
  close(): void;
}

export async function loadAll(): Promise<Loaded> {
  const validator = await loadValidator(`${REPO}schemas-xoev`);
  const registry = await loadMappings([`${REPO}mappings`], { validator });
  return { registry, close: () => validator.close() };
}

export function mapping(loaded: Loaded, name: DialectMapping): CompiledMapping {
  const m = loaded.registry.get(name);
  if (!m) throw new Error(`mapping ${name} is not loaded`);
  return m;
}

export function fixture(name: DialectMapping, file: string): Promise<string> {
  return readFile(`${REPO}mappings/${name}/fixtures/${file}`, 'utf8');
}
