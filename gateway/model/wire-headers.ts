import { KENNUNG } from '../validation/kennung.js';
import { UUID } from './patterns.js';

/** The message facts that travel as `X-*` headers beside a payload (HTTP egress, mailbox fetch, pass-through ingress). */
export interface WireFields {
  gatewayId: string;
  messageUuid: string;
  messageType: string;
  vorgangId: string;
  author: string;
  reader: string;
  ags: string;
  leika: string;
  /** 1 for the first delivery attempt. */
  attempt: string;
  /** `true` for test traffic. */
  test: string;
  /** Name of the stored form that is sent instead of the payload (ADR 0020); absent for the payload itself. */
  form: string;
}

export type WireField = keyof WireFields;

export interface WireHeader {
  /** Header name as documented (HTTP header names are case-insensitive; lookups use `lower`). */
  name: string;
  lower: string;
  field: WireField;
  /** What a value must look like where the gateway reads the header (pass-through ingress). */
  pattern: RegExp;
  /** The pattern in words, for problem details. */
  what: string;
  description: string;
  /** Part of the routing metadata of a pass-through submission (ADR 0009). */
  routing: boolean;
}

const header = (name: string, field: WireField, pattern: RegExp, what: string, routing: boolean, description: string): WireHeader => ({
  name,
  lower: name.toLowerCase(),
  field,
  pattern,
  what,
  description,
  routing,
});

/**
 * The one table of the gateway's `X-*` wire headers: the HTTP connector sends them, the
 * mailbox fetch answers with them, pass-through ingress reads the routing ones, and the
 * HTTP connector's config refuses them as custom headers. Add a header here, nowhere else.
 */
export const WIRE_HEADERS: readonly WireHeader[] = [
  header('X-Gateway-Id', 'gatewayId', UUID, 'a UUID', false, 'The gateway\'s id of the message (idempotency key of a delivery).'),
  header('X-Message-UUID', 'messageUuid', UUID, 'a UUID', true, 'XÖV nachrichtenUUID, unique per author.'),
  header('X-Message-Type', 'messageType', /^[A-Za-z_][A-Za-z0-9_.-]{0,199}$/, 'an XML element name', true, 'Message type (root element name), e.g. `hund.anmeldung.0101`.'),
  header('X-Author', 'author', KENNUNG, 'praefix:kennung', true, 'Author kennung.'),
  header('X-Reader', 'reader', KENNUNG, 'praefix:kennung', true, 'Reader kennung.'),
  header('X-Vorgang-Id', 'vorgangId', /^[\x21-\x7e]{1,200}$/, '1-200 printable ASCII characters', true, 'The Vorgang (case) the message belongs to.'),
  header('X-LeiKa', 'leika', /^\d{14}$/, '14 digits', true, 'LeiKa key of the service.'),
  header('X-AGS', 'ags', /^(\d{8}|\d{12})$/, 'an AGS (8 digits) or an ARS (12 digits)', true, 'AGS of the responsible municipality, or its 12-digit ARS (routed by the AGS it stands for, ADR 0021).'),
  header('X-Attempt', 'attempt', /^[1-9]\d{0,5}$/, 'a positive integer', false, 'Delivery attempt, 1 for the first.'),
  header('X-Test', 'test', /^(true|false)$/, 'true or false', false, '`true` for test traffic.'),
  header('X-Message-Form', 'form', /^[a-z0-9][a-z0-9._-]*$/, 'a mapping name', false, 'The stored form sent instead of the payload: the name of the mapping that produced it (ADR 0020). Absent for the payload itself.'),
];

/** The routing headers of a pass-through submission. */
export const ROUTING_HEADERS: readonly WireHeader[] = WIRE_HEADERS.filter((h) => h.routing);

/**
 * The wire headers for the given fields (lower-case names, as Node and undici use them);
 * fields not given are left out.
 */
export function wireHeaders(values: Partial<WireFields>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of WIRE_HEADERS) {
    const v = values[h.field];
    if (v !== undefined) out[h.lower] = v;
  }
  return out;
}
