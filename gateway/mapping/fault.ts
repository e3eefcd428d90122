/**
 * Run-time mapping faults. Rules throw `MappingFault` (rule id, input path, message without
 * any value of the message); `run` turns it into the GatewayError of the contract.
 */
import { GatewayError, type Issue } from '../errors.js';

export type FaultKind = 'failed' | 'output';

export class MappingFault extends Error {
  constructor(readonly rule: string, readonly path: string, message: string, readonly kind: FaultKind = 'failed', readonly issues: Issue[] = []) {
    super(message);
    this.name = 'MappingFault';
  }
}

/** The GatewayError for a fault in mapping `mapping`: GW_MAPPING_FAILED or GW_MAPPING_OUTPUT_INVALID. */
export function toGatewayError(mapping: string, f: MappingFault): GatewayError {
  const code = f.kind === 'failed' ? 'GW_MAPPING_FAILED' : 'GW_MAPPING_OUTPUT_INVALID';
  const issue: Issue = { message: f.message, path: f.path, layer: 'mapping', rule: f.rule };
  return new GatewayError(code, `mapping ${mapping}, rule ${f.rule}, path ${f.path}: ${f.message}`, {
    issues: [issue, ...f.issues],
    extra: { mapping, rule: f.rule, path: f.path },
    cause: f,
  });
}

/** A JSONata error described by its code and position only (its message may quote values). */
export function jsonataReason(err: unknown): string {
  const e = err as { code?: unknown; position?: unknown };
  if (typeof e?.code === 'string') return `JSONata error ${e.code}${typeof e.position === 'number' ? ` at position ${e.position}` : ''}`;
  return 'expression failed';
}
