/** Shared by the mapping tests: the registry over mappings/ with the gateway validator, loaded once. */
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { GatewayError } from '../../gateway/errors.js';
import { loadMappings } from '../../gateway/mapping/index.js';
import type { MappingRegistry } from '../../gateway/mapping/types.js';
import { loadValidator, type GatewayValidator } from '../../gateway/validation/index.js';

export const MAPPINGS_DIR = fileURLToPath(new URL('../../mappings/', import.meta.url));
export const SCHEMAS_DIR = fileURLToPath(new URL('../../schemas-xoev/', import.meta.url));

export interface Loaded { registry: MappingRegistry & { close(): void }; validator: GatewayValidator }

let loaded: Promise<Loaded> | undefined;

/** The validator over schemas-xoev/ and the registry over `dirs` (default mappings/), loaded once per process for the default. */
export function loadAll(dirs?: string[]): Promise<Loaded> {
  const load = async (): Promise<Loaded> => {
    const validator = await loadValidator(SCHEMAS_DIR);
    return { validator, registry: await loadMappings(dirs ?? [MAPPINGS_DIR], { validator }) };
  };
  if (dirs) return load();
  loaded ??= load();
  return loaded;
}

/** Awaits `p`, expects it to reject with a GatewayError and returns it. */
export async function rejection(p: Promise<unknown>): Promise<GatewayError> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(GatewayError);
    return err as GatewayError;
  }
  expect.fail('expected a rejection');
}

/** XML compared without the whitespace between tags (expected files may be indented) and with empty elements self-closed. */
export function normaliseXml(s: string): string {
  return s.replace(/>\s+</g, '><').replace(/<([^\s>/]+)([^>]*)><\/\1>/g, '<$1$2/>').trim();
}
