/**
 * Findings of the layers 2–6 and what becomes of them: under `reject` the first layer with
 * findings refuses the message with that layer's error code and all its findings; under
 * `warn` they become warnings (one line each, naming layer, rule and location) and the
 * message goes on to the next layer.
 */
import { XmlElement, type XmlNode } from 'libxml2-wasm';
import { GatewayError, type ErrorCode } from '../errors.js';
import { elementPath } from './element-path.js';
import { LAYER_NUMBER, type Finding, type StrictLayer } from './types.js';

export const LAYER_ERROR: Record<StrictLayer, ErrorCode> = {
  xsd: 'GW_XSD_INVALID',
  identity: 'GW_MESSAGE_TYPE_MISMATCH',
  codelist: 'GW_CODELIST_INVALID',
  header: 'GW_HEADER_INVALID',
  rules: 'GW_RULE_VIOLATION',
};

/** Line and element path of a node (of its owning element for attributes and text). */
export function locate(node: XmlNode): { line?: number; path: string } {
  const el = node instanceof XmlElement ? node : node.parent;
  const line = el?.line;
  return line ? { line, path: elementPath(node) } : { path: elementPath(node) };
}

/** One warning line: `layer 4 codelist [codelist.unknown-code] … at /path (line 12:5)`. */
export function formatWarning(f: Finding): string {
  const n = f.layer in LAYER_NUMBER ? `layer ${LAYER_NUMBER[f.layer as StrictLayer]} ` : '';
  const where = f.path ? ` at ${f.path}` : '';
  const line = f.line ? ` (line ${f.line}${f.column ? `:${f.column}` : ''})` : '';
  return `${n}${f.layer} [${f.rule}] ${f.message}${where}${line}`;
}

/** The error that refuses a message for the findings of `layer`; the warnings so far (earlier layers, rules of this layer set to `warn`) ride along. */
export function layerError(layer: StrictLayer, findings: Finding[], standard: string, earlier: Finding[], detail?: string): GatewayError {
  const first = findings[0]?.message ?? '';
  const text = detail ?? `${findings.length} finding(s) in layer ${LAYER_NUMBER[layer]} (${layer}) against ${standard}: ${first}`;
  const extra: Record<string, unknown> = earlier.length > 0 ? { warnings: earlier.map(formatWarning) } : {};
  return new GatewayError(LAYER_ERROR[layer], text, { issues: findings, extra });
}
