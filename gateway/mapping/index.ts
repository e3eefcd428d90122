/**
 * Loading the mappings: call `loadMappings` once at start and share the registry.
 */
import type { MessageValidator } from '../validation/index.js';
import type { MappingRegistry } from './types.js';

export type { CompiledMapping, MappedOutput, MappingFormat, MappingRegistry } from './types.js';

export interface MappingDeps {
  /** Validates XML output of mappings whose target names an XÖV `standard` (the gateway's validator). */
  validator?: MessageValidator;
}

/**
 * Compiles every `<dir>/<name>/mapping.yaml` under `dirs` (a name may occur once across
 * all). Throws ONE GatewayError GW_MAPPING_CONFIG_INVALID listing every problem of every
 * file, each issue with `path` = `<file>#<yaml path>` and `rule` = the rule id.
 */
export async function loadMappings(dirs: readonly string[], deps: MappingDeps = {}): Promise<MappingRegistry> {
  const { compileAll } = await import('./load.js');
  return compileAll(dirs, deps);
}
