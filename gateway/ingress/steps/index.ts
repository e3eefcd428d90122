import { availableParallelism } from 'node:os';
import type { GatewayConfig } from '../../config/schema.js';
import { schemaRootPath } from '../../paths.js';
import { evidenceKey } from '../../validation/evidence.js';
import type { Router } from '../../routing/router.js';
import type { MessageValidator } from '../../validation/types.js';
import { mappingDirsOf } from '../mappings.js';
import type { PipelineMapping } from '../pipeline.js';
import type { IngressSteps, StepsInit } from './contract.js';
import { LocalSteps } from './local.js';
import { PooledSteps } from './pool.js';

export type { IngressSteps, MappedXml, Prepared, StepsInit, Verdict } from './contract.js';
export { LocalSteps, sha512Of } from './local.js';

/**
 * Worker threads for `ingress.workers`; 0 means inline. `auto`: one thread per core beyond the
 * main thread's, at most 2 — on 2 cores one worker (the main thread and the store's thread keep
 * the other core busy; one worker validates ~1,600 Hund messages/s, far above the gateway's
 * rate, and a second costs ~45 MB RSS: ADR 0047); on a single core inline.
 */
export function workerThreads(setting: GatewayConfig['ingress']['workers'], cores = availableParallelism()): number {
  if (setting === 'inline') return 0;
  if (setting === 'auto') return Math.max(0, Math.min(2, cores - 1));
  return setting;
}

/**
 * Heap limits of each ingress worker: a young generation of 8 MB (V8 grows it to 16 MB×3 by
 * default; capped, a worker holds ~25 MB less RSS at the same rate: ADR 0047), and an old
 * generation that bounds what one worker can hold (a worker over it is replaced; its message
 * fails with GW_INTERNAL).
 */
export const WORKER_HEAP = { youngMb: 8, oldMb: 256 } as const;

/** What the workers load: the configuration's schema roots, mapping folders, routes and the facts the mappings read. */
export function stepsInit(cfg: GatewayConfig): StepsInit {
  return {
    schemaRoots: cfg.schemas.roots.map(schemaRootPath),
    mappingDirs: mappingDirsOf(cfg),
    mappings: cfg.mappings,
    routes: cfg.routes.map((r) => ({ match: r.match, ...(r.strictness !== undefined && { strictness: r.strictness }) })),
    kennungs: cfg.participants.map((p) => [p.id, p.kennung]),
    endpoints: cfg.endpoints.map((e) => ({ id: e.id, ...(e.accepts !== undefined && { accepts: e.accepts }) })),
    evidence: [...new Map(cfg.services.flatMap((s) => (s.evidence === undefined ? [] : [[evidenceKey(s.evidence), s.evidence] as const]))).values()],
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
  const pool = new PooledSteps(stepsInit(cfg), threads, WORKER_HEAP);
  try {
    await pool.start();
  } catch (err) {
    await pool.close();
    throw err;
  }
  return pool;
}
