import { availableParallelism } from 'node:os';
import type { GatewayConfig } from '../../config/schema.js';
import { schemaRootPath } from '../../paths.js';
import type { Router } from '../../routing/router.js';
import type { MessageValidator } from '../../validation/types.js';
import { mappingDirsOf } from '../mappings.js';
import type { PipelineMapping } from '../pipeline.js';
import type { IngressSteps, StepsInit } from './contract.js';
import { LocalSteps } from './local.js';
import { PooledSteps } from './pool.js';

export type { IngressSteps, MappedXml, Prepared, StepsInit, Verdict } from './contract.js';
export { LocalSteps, sha512Of } from './local.js';

/** Worker threads for `ingress.workers`: 0 means inline (`auto` on a single core too). */
export function workerThreads(setting: GatewayConfig['ingress']['workers'], cores = availableParallelism()): number {
  if (setting === 'inline') return 0;
  if (setting === 'auto') return cores < 2 ? 0 : Math.min(2, cores);
  return setting;
}

/** What the workers load: the configuration's schema roots, mapping folders, routes and the facts the mappings read. */
export function stepsInit(cfg: GatewayConfig): StepsInit {
  return {
    schemaRoots: cfg.schemas.roots.map(schemaRootPath),
    mappingDirs: mappingDirsOf(cfg),
    mappings: cfg.mappings,
    routes: cfg.routes.map((r) => ({ match: r.match, ...(r.strictness !== undefined && { strictness: r.strictness }) })),
    kennungs: cfg.participants.map((p) => [p.id, p.kennung]),
    endpoints: cfg.endpoints.map((e) => ({ id: e.id, ...(e.accepts !== undefined && { accepts: e.accepts }) })),
  };
}

/**
 * Called once at start, after the main thread loaded validator and mappings (so the
 * configuration is known to be loadable): the ingress steps `ingress.workers` asks for, with
 * every worker loaded before this resolves. Inline steps use the main thread's validator and
 * mappings and the router's strictness.
 */
export async function createIngressSteps(cfg: GatewayConfig, validator: MessageValidator, mapping: PipelineMapping, router: Pick<Router, 'strictnessFor'>): Promise<IngressSteps> {
  const threads = workerThreads(cfg.ingress.workers);
  if (threads === 0) return new LocalSteps(validator, mapping, (h) => router.strictnessFor(h));
  const pool = new PooledSteps(stepsInit(cfg), threads);
  try {
    await pool.start();
  } catch (err) {
    await pool.close();
    throw err;
  }
  return pool;
}
