import { GatewayError, type Issue } from '../errors.js';
import type { MessageHeader } from '../model/index.js';
import { ROUTING_HEADERS } from '../model/wire-headers.js';
import { normalizeKennung } from '../validation/kennung.js';
import { routingAgs } from '../routing/region-key.js';

/**
 * Routing metadata of a pass-through submission (ADR 0009): the body is a JWE the gateway
 * never decrypts, so the header fields it routes on come as HTTP headers (the routing rows
 * of gateway/model/wire-headers.ts), checked with the patterns of that table.
 */
const FIELDS = ROUTING_HEADERS;
type Field = 'messageUuid' | 'messageType' | 'author' | 'reader' | 'vorgangId' | 'leika' | 'ags';

/** True when the request names routing metadata in headers, i.e. asks for pass-through. */
export function wantsPassThrough(headers: Record<string, string | string[] | undefined>): boolean {
  return FIELDS.some((f) => headers[f.lower] !== undefined);
}

/**
 * The MessageHeader of a pass-through submission, from its HTTP headers. Throws
 * GW_ROUTING_KEY_MISSING naming every missing header, GW_HEADER_INVALID naming every
 * malformed one (a header given twice counts as malformed).
 */
export function passThroughHeader(headers: Record<string, string | string[] | undefined>, now = new Date()): MessageHeader {
  const missing: Issue[] = [];
  const invalid: Issue[] = [];
  const values = {} as Record<Field, string>;
  for (const f of FIELDS) {
    const raw = headers[f.lower];
    if (raw === undefined || raw === '') {
      missing.push({ message: `header ${f.lower} is missing`, path: f.lower, layer: 'routing' });
      continue;
    }
    if (typeof raw !== 'string' || !f.pattern.test(raw)) {
      invalid.push({ message: `header ${f.lower} must be ${f.what}`, path: f.lower, layer: 'header', rule: `header.${f.field}` });
      continue;
    }
    // participant identifiers compared by the one kennung rule (gateway/validation/kennung.ts), as read from an XÖV header
    values[f.field as Field] = f.field === 'author' || f.field === 'reader' ? normalizeKennung(raw) : f.field === 'ags' ? routingAgs(raw) : raw;
  }
  if (missing.length > 0) {
    throw new GatewayError('GW_ROUTING_KEY_MISSING', `pass-through: routing header(s) missing: ${missing.map((i) => i.path).join(', ')}`, {
      issues: missing,
      extra: { missing: missing.map((i) => i.path) },
    });
  }
  if (invalid.length > 0) throw new GatewayError('GW_HEADER_INVALID', `pass-through: malformed routing header(s): ${invalid.map((i) => i.path).join(', ')}`, { issues: invalid });
  return { ...values, namespace: '', standard: '', version: '', createdAt: now.toISOString(), test: false };
}
