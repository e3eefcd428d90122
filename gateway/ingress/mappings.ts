import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { GatewayConfig } from '../config/schema.js';
import { GatewayError, type Issue } from '../errors.js';
import { loadMappings } from '../mapping/index.js';
import type { MappingRegistry } from '../mapping/types.js';
import { PACKAGE_ROOT } from '../paths.js';
import type { MessageValidator } from '../validation/index.js';
import { FormIngress } from './form-ingress.js';
import { MappingStep } from './mapping-step.js';
import type { PipelineMapping } from './pipeline.js';

/** The default `./mappings` is the bundled folder (like `./schemas-xoev`); other relative paths are taken from the working directory. */
export function mappingDirPath(dir: string): string {
  return isAbsolute(dir) ? dir : dir === './mappings' ? join(PACKAGE_ROOT, 'mappings') : resolve(dir);
}

/**
 * Every mapping the configuration names that the registry does not hold: route rules
 * (`routes[].targets[].mapping`) and ingress (`mappings.ingress[].mapping`, which must read the
 * entry's media type and write XML); one issue each.
 */
export function missingMappings(cfg: GatewayConfig, registry: MappingRegistry): Issue[] {
  const issues: Issue[] = [];
  const known = new Set(registry.names());
  cfg.routes.forEach((r, i) =>
    r.targets.forEach((t, j) => {
      if (t.mapping !== undefined && !known.has(t.mapping)) issues.push({ message: `mapping "${t.mapping}" is not in mappings.dirs`, path: `routes[${i}].targets[${j}].mapping`, rule: 'config.mapping-unknown' });
    }),
  );
  const reads: Record<string, string> = { 'application/json': 'json', 'text/csv': 'csv', 'application/xml': 'xml' };
  cfg.mappings.ingress.forEach((e, i) => {
    const m = registry.get(e.mapping);
    if (!known.has(e.mapping) || m === undefined) issues.push({ message: `mapping "${e.mapping}" is not in mappings.dirs`, path: `mappings.ingress[${i}].mapping`, rule: 'config.mapping-unknown' });
    else if (m.from.format !== reads[e.mediaType] || m.to.format !== 'xml') {
      issues.push({ message: `mapping "${e.mapping}" reads ${m.from.format} and writes ${m.to.format}; an ingress mapping for ${e.mediaType} must read ${reads[e.mediaType]} and write XML`, path: `mappings.ingress[${i}].mapping`, rule: 'config.mapping-format' });
    }
  });
  return issues;
}

/**
 * Called once at start: compiles the mappings under `mappings.dirs` (the default folder may
 * be absent: then none) and checks that every mapping the configuration names exists.
 * Throws GW_MAPPING_CONFIG_INVALID (from the engine: every problem of every file) or
 * GW_CONFIG_INVALID listing every unknown mapping name.
 */
export async function loadPipelineMapping(cfg: GatewayConfig, validator: MessageValidator): Promise<PipelineMapping & { registry: MappingRegistry }> {
  const registry = await loadRegistry(mappingDirsOf(cfg), validator);
  const issues = missingMappings(cfg, registry);
  if (issues.length > 0) throw new GatewayError('GW_CONFIG_INVALID', `the configuration names ${issues.length} mapping(s) that do not exist`, { issues });
  return { registry, step: new MappingStep(cfg, registry), forms: new FormIngress(cfg.mappings, registry, (id) => cfg.participants.find((p) => p.id === id)?.kennung) };
}

/** The absolute mapping folders of `mappings.dirs` (the default folder may be absent: then it is left out). */
export function mappingDirsOf(cfg: Pick<GatewayConfig, 'mappings'>): string[] {
  return cfg.mappings.dirs.filter((d) => d !== './mappings' || existsSync(mappingDirPath(d))).map(mappingDirPath);
}

/** Compiles the mappings of `dirs` (absolute) once, their XÖV output checked by `validator`; no folders: an empty registry. */
export async function loadRegistry(dirs: readonly string[], validator: MessageValidator): Promise<MappingRegistry> {
  return dirs.length === 0 ? { get: () => undefined, names: () => [] } : await loadMappings(dirs, { validator });
}
