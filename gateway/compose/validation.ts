import type { GatewayConfig } from '../config/schema.js';
import { loadPipelineMapping } from '../ingress/mappings.js';
import { schemaRootPath } from '../paths.js';
import { loadValidator } from '../validation/index.js';
import type { MessageValidator } from '../validation/types.js';
import type { Part } from './parts.js';

export interface Validation {
  validator: MessageValidator;
  /** The mappings of routes and JSON ingress (ADR 0020), compiled once. */
  mapping: Awaited<ReturnType<typeof loadPipelineMapping>>;
  /** Closes the validator (after the HTTP server and the connectors, before the audit log). */
  part: Part;
}

/**
 * Compiles the configured schema sets and the mappings; every mapping the routes and JSON
 * ingress name must exist. Throws before the store is opened when one is missing.
 */
export async function buildValidation(cfg: GatewayConfig, own: (p: Part) => void): Promise<Validation> {
  const validator = await loadValidator(cfg.schemas.roots.map(schemaRootPath));
  const part: Part = { name: 'validator', close: () => validator.close() };
  own(part);
  const mapping = await loadPipelineMapping(cfg, validator);
  return { validator, mapping, part };
}
