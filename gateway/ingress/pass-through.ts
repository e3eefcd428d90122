import { GatewayError, type Issue } from '../errors.js';
import type { MessageHeader } from '../store/types.js';
import { KENNUNG, UUID } from '../validation/header-sanity.js';
import { normalizeKennung } from '../validation/kennung.js';
import { routingAgs } from '../routing/region-key.js';

/**
 * Routing metadata of a pass-through submission (ADR 0009): the body is a JWE the gateway
 * never decrypts, so the header fields it routes on come as HTTP headers, checked with the
 * same patterns as the fields read from an XÖV header.
 */
const FIELDS = [
  { header: 'x-message-uuid', field: 'messageUuid', pattern: UUID, what: 'a UUID' },
  { header: 'x-message-type', field: 'messageType', pattern: /^[A-Za-z_][A-Za-z0-9_.-]{0,199}$/, what: 'an XML element name' },
  { header: 'x-author', field: 'author', pattern: KENNUNG, what: 'praefix:kennung' },
  { header: 'x-reader', field: 'reader', pattern: KENNUNG, what: 'praefix:kennung' },
  { header: 'x-vorgang-id', field: 'vorgangId', pattern: /^[\x21-\x7e]{1,200}$/, what: '1-200 printable ASCII characters' },
  { header: 'x-leika', field: 'leika', pattern: /^\d{14}$/, what: '14 digits' },
  { header: 'x-ags', field: 'ags', pattern: /^(\d{8}|\d{12})$/, what: 'an AGS (8 digits) or an ARS (12 digits)' },
] as const;

type Field = (typeof FIELDS)[number]['field'];

/** True when the request names routing metadata in headers, i.e. asks for pass-through. */
export function wantsPassThrough(headers: Record<string, string | string[] | undefined>): boolean {
  return FIELDS.some((f) => headers[f.header] !== undefined);
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
    const raw = headers[f.header];
    if (raw === undefined || raw === '') {
      missing.push({ message: `header ${f.header} is missing`, path: f.header, layer: 'routing' });
      continue;
    }
    if (typeof raw !== 'string' || !f.pattern.test(raw)) {
      invalid.push({ message: `header ${f.header} must be ${f.what}`, path: f.header, layer: 'header', rule: `header.${f.field}` });
      continue;
    }
    // participant identifiers compared by the one kennung rule (gateway/validation/kennung.ts), as read from an XÖV header
    values[f.field] = f.field === 'author' || f.field === 'reader' ? normalizeKennung(raw) : f.field === 'ags' ? routingAgs(raw) : raw;
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
