/**
 * Parses a message with libxml2 under options that never load or expand anything, and
 * enforces the structural limits. Callers run it inside `withInputs(NO_INPUTS, …)`.
 *
 * Options: NONET and NO_XXE; never NOENT (entity substitution), DTDLOAD, DTDATTR,
 * XINCLUDE or HUGE — HUGE would also lift libxml2's entity amplification and size
 * guards, so the depth limit cannot exceed libxml2's own 256.
 */
import { ParseOption, XmlDocument, XmlElement, XmlLibError, XmlXPath } from 'libxml2-wasm';
import { GatewayError, type Issue } from '../errors.js';
import { redactParserMessage } from './redact.js';
import type { XmlLimits } from './types.js';
import { elementPath } from './element-path.js';

const MESSAGE_PARSE = ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE;
/** libxml2's element depth limit without XML_PARSE_HUGE. */
export const PARSER_MAX_DEPTH = 256;
/** libxml2 diagnostics that mean "too big or too deep" rather than "not XML". */
const RESOURCE_LIMIT = /Excessive depth|Resource limit exceeded|too long|Huge input/i;
const MAX_PARSE_ISSUES = 20;

/**
 * Returns the parsed document; the caller disposes it. Throws GW_XML_LIMIT_EXCEEDED when
 * libxml2 stopped at one of its resource limits, GW_XML_MALFORMED otherwise, and
 * GW_XML_DOCTYPE_FORBIDDEN if a DTD got past the prolog scan (an encoding it does not read).
 */
export function parseMessage(xml: Uint8Array): XmlDocument {
  let doc: XmlDocument;
  try {
    doc = XmlDocument.fromBuffer(xml, { option: MESSAGE_PARSE });
  } catch (cause) {
    const details = cause instanceof XmlLibError ? cause.details.filter((d) => d.level >= 2) : [];
    const limit = details.some((d) => RESOURCE_LIMIT.test(d.message));
    const issues: Issue[] = details.slice(0, MAX_PARSE_ISSUES).map((d) => ({
      message: redactParserMessage(d.message), line: d.line || undefined, column: d.col || undefined, layer: 'xml', rule: limit ? 'xml.limits' : 'xml.well-formed',
    }));
    const first = issues[0]?.message ?? 'the document could not be parsed';
    if (limit) {
      throw new GatewayError('GW_XML_LIMIT_EXCEEDED', `parser limit reached: ${first}`, { issues, cause });
    }
    throw new GatewayError('GW_XML_MALFORMED', `not well-formed XML: ${first}`, { issues, cause });
  }
  if (doc.dtd !== null) {
    doc.dispose();
    const message = 'DOCTYPE declarations are not allowed in messages';
    throw new GatewayError('GW_XML_DOCTYPE_FORBIDDEN', message, { issues: [{ message, layer: 'xml', rule: 'xml.doctype' }] });
  }
  return doc;
}

/** Precompiled limit probes; `dispose` frees them. */
export interface LimitChecks {
  /** `size` is the document's byte count: no attribute value can be longer, which spares a probe for small messages. */
  check(doc: XmlDocument, size: number): void;
  dispose(): void;
}

/**
 * Compiles XPath probes for the configured limits: an element below `maxDepth` (only when
 * that is stricter than the parser's own limit) and an attribute value longer than
 * `maxAttributeLength` characters. `check` throws GW_XML_LIMIT_EXCEEDED with the element path.
 */
export function compileLimitChecks(limits: XmlLimits): LimitChecks {
  const probes: Array<{ xpath: XmlXPath; what: string; minSize: number }> = [];
  if (limits.maxDepth < PARSER_MAX_DEPTH) {
    probes.push({ xpath: XmlXPath.compile(`/*${'/*'.repeat(limits.maxDepth)}`), what: `element nesting deeper than ${limits.maxDepth}`, minSize: 0 });
  }
  probes.push({
    xpath: XmlXPath.compile(`(//@*[string-length(.) > ${limits.maxAttributeLength}])[1]`),
    what: `attribute value longer than ${limits.maxAttributeLength} characters`,
    minSize: limits.maxAttributeLength,
  });
  return {
    check(doc, size) {
      for (const { xpath, what, minSize } of probes) {
        if (size <= minSize) continue;
        const hit = doc.get(xpath);
        if (hit) {
          const path = elementPath(hit);
          const line = (hit instanceof XmlElement ? hit : hit.parent)?.line || undefined;
          throw new GatewayError('GW_XML_LIMIT_EXCEEDED', `${what} at ${path}`, {
            issues: [{ message: what, line, path, layer: 'xml', rule: 'xml.limits' }],
          });
        }
      }
    },
    dispose() {
      probes.forEach((p) => p.xpath.dispose());
      probes.length = 0;
    },
  };
}
