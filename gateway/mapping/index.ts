/**
 * Loading the mappings: call `loadMappings` once at start and share the registry.
 * Format of a mapping folder: gateway/mapping/README.md; contract: types.ts.
 */
import type { MessageValidator } from '../validation/index.js';
import { compileAll } from './load.js';
import type { MappingRegistry } from './types.js';

export type { CompiledMapping, MappedOutput, MappingFormat, MappingRegistry } from './types.js';

export interface MappingDeps {
  /** Checks XML output of mappings whose target names an XÖV `standard` (the gateway's validator). */
  validator?: MessageValidator;
}

/**
 * Compiles every `<dir>/<name>/mapping.yaml` under `dirs` (a name may occur once across
 * all). Throws ONE GatewayError GW_MAPPING_CONFIG_INVALID listing every problem of every
 * file, each issue with `path` = `<file>#<yaml path>` and `rule` = the rule id ('mapping'
 * for problems outside the rules). `close` frees compiled XPath and XSD resources.
 */
export async function loadMappings(dirs: readonly string[], deps: MappingDeps = {}): Promise<MappingRegistry & { close(): void }> {
  return compileAll(dirs, deps);
}
