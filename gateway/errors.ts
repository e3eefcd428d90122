/**
 * The one error catalog of the gateway. Every error a client or operator can see has a
 * stable code here; `docs/errors.md` documents each code and a test keeps the two equal.
 * Problem type URIs are stable identifiers (RFC 7807 §3.1), not fetched addresses.
 */
export const PROBLEM_BASE = 'urn:zsa-gateway:problem:';

export interface ErrorSpec {
  readonly title: string;
  readonly status: number;
  /** true when the same request may succeed later without change (e.g. after a restart). */
  readonly retryable: boolean;
}

export const ERROR_CATALOG = {
  GW_BAD_REQUEST: { title: 'The request is not valid', status: 400, retryable: false },
  GW_UNSUPPORTED_MEDIA_TYPE: { title: 'Unsupported content type', status: 415, retryable: false },
  GW_PAYLOAD_TOO_LARGE: { title: 'Message or attachment exceeds the size limit', status: 413, retryable: false },
  GW_XML_MALFORMED: { title: 'The XML is not well-formed', status: 400, retryable: false },
  GW_XML_DOCTYPE_FORBIDDEN: { title: 'DOCTYPE declarations are not allowed', status: 400, retryable: false },
  GW_XML_EXTERNAL_ENTITY: { title: 'External entities are not allowed (XXE)', status: 400, retryable: false },
  GW_XML_ENTITY_EXPANSION: { title: 'Entity declarations are not allowed (entity expansion)', status: 400, retryable: false },
  GW_XML_LIMIT_EXCEEDED: { title: 'The XML exceeds a structural limit (depth, attribute or text size)', status: 400, retryable: false },
  GW_UNKNOWN_MESSAGE_TYPE: { title: 'Unknown message type or namespace', status: 422, retryable: false },
  GW_ROUTING_KEY_MISSING: { title: 'A routing key is missing from the message header', status: 422, retryable: false },
  GW_XSD_INVALID: { title: 'The message does not conform to its XML schema', status: 422, retryable: false },
  GW_MESSAGE_TYPE_MISMATCH: { title: 'Root element, nachrichtentyp code and standard/version attributes disagree', status: 422, retryable: false },
  GW_CODELIST_INVALID: { title: 'A code is not in the code list version it names', status: 422, retryable: false },
  GW_HEADER_INVALID: { title: 'The message header is implausible', status: 422, retryable: false },
  GW_RULE_VIOLATION: { title: 'The message breaks a service rule', status: 422, retryable: false },
  GW_ATTACHMENT_INVALID: { title: 'An attachment is invalid', status: 400, retryable: false },
  GW_ROUTE_NO_MATCH: { title: 'No route matches the message', status: 422, retryable: false },
  GW_RELEASE_REQUIRED: { title: 'A ZSA draft may reach the citizen only through the municipality\'s release', status: 422, retryable: false },
  GW_RELEASE_NOT_AUTHORISED: { title: 'Only the responsible municipality may release this draft', status: 403, retryable: false },
  GW_VORGANG_UNKNOWN: { title: 'The follow-up message belongs to no known Vorgang', status: 422, retryable: false },
  GW_VORGANG_CLOSED: { title: 'The Vorgang was closed as incomplete after its deadline; only the municipality may still write to it', status: 409, retryable: false },
  GW_EVIDENCE_MISMATCH: { title: 'An evidence entry names no attachment of the Vorgang, or its size differs', status: 422, retryable: false },
  GW_CASE_MISMATCH: { title: 'A value of the message differs from the one an earlier message of its Vorgang gave', status: 422, retryable: false },
  GW_VORGANG_EXISTS: { title: 'A message that opens a Vorgang names a Vorgang id that already exists', status: 409, retryable: false },
  GW_DUPLICATE_CONFLICT: { title: 'Message UUID already used for a different payload', status: 409, retryable: false },
  GW_STATE_CONFLICT: { title: 'The message is not in a state that allows this action', status: 409, retryable: false },
  GW_LEASE_INVALID: { title: 'The mailbox lease is unknown or has expired', status: 409, retryable: false },
  GW_UNAUTHENTICATED: { title: 'The client could not be authenticated', status: 401, retryable: false },
  GW_FORBIDDEN: { title: 'The authenticated participant\'s role does not allow this', status: 403, retryable: false },
  GW_NOT_FOUND: { title: 'Not found', status: 404, retryable: false },
  GW_METHOD_NOT_ALLOWED: { title: 'The path does not serve this HTTP method', status: 405, retryable: false },
  GW_PAYLOAD_PURGED: { title: 'The payload was deleted by retention; metadata, history and receipts remain', status: 410, retryable: false },
  GW_JWE_INVALID: { title: 'The encrypted payload (JWE) is malformed, outside the profile or fails authentication', status: 400, retryable: false },
  GW_JWE_KEY_UNKNOWN: { title: 'The payload is encrypted to a key the gateway does not hold', status: 422, retryable: false },
  GW_KEY_UNSUITABLE: { title: 'A key does not meet the crypto profile', status: 422, retryable: false },
  GW_SET_INVALID: { title: 'The Security Event Token is invalid', status: 400, retryable: false },
  GW_PROOF_INVALID: { title: 'The proof-of-delivery bundle or its key set cannot be read', status: 400, retryable: false },
  GW_AT_REST_KEY_UNKNOWN: { title: 'Stored data names an encryption key the gateway does not hold', status: 500, retryable: false },
  GW_AT_REST_INTEGRITY: { title: 'Stored data failed its integrity check', status: 500, retryable: false },
  GW_AUDIT_CHAIN_BROKEN: { title: 'The audit log is inconsistent; appends are refused', status: 500, retryable: false },
  GW_CONFIG_INVALID: { title: 'The configuration is invalid', status: 500, retryable: false },
  GW_MAPPING_CONFIG_INVALID: { title: 'A mapping file is invalid', status: 500, retryable: false },
  GW_MAPPING_FAILED: { title: 'The message could not be mapped to the target format', status: 422, retryable: false },
  GW_MAPPING_OUTPUT_INVALID: { title: 'A mapping produced output its target schema refuses', status: 500, retryable: false },
  GW_DIALECT_NOT_CONFIGURED: { title: 'No ingress mapping takes this document from this participant', status: 415, retryable: false },
  GW_TOO_MANY_REQUESTS: { title: 'Too many failed attempts; the client or address is locked out for a while', status: 429, retryable: true },
  GW_RATE_LIMITED: { title: 'Too many requests from this address in the current window', status: 429, retryable: true },
  GW_UPLOAD_BUDGET_EXCEEDED: { title: 'The uploader has stored as many attachment bytes as its budget allows for now', status: 429, retryable: true },
  GW_FC_DESTINATION_NOT_FOUND: { title: 'FIT-Connect: no such destination', status: 404, retryable: false },
  GW_FC_SERVICE_NOT_AVAILABLE: { title: 'FIT-Connect: the destination does not offer this public service', status: 422, retryable: false },
  GW_FC_AREA_NOT_SERVED: { title: 'FIT-Connect: the destination does not serve the municipality the form names', status: 422, retryable: false },
  GW_FC_SUBMISSION_NOT_FOUND: { title: 'FIT-Connect: no such submission', status: 404, retryable: false },
  GW_FC_CASE_NOT_FOUND: { title: 'FIT-Connect: no such case', status: 404, retryable: false },
  GW_FC_REPLY_NOT_FOUND: { title: 'FIT-Connect: no such reply available', status: 404, retryable: false },
  GW_FC_SUBMISSION_STATE: { title: 'FIT-Connect: the submission is not in a state that allows this', status: 409, retryable: false },
  GW_FC_ATTACHMENT_NOT_ANNOUNCED: { title: 'FIT-Connect: the attachment was not announced', status: 422, retryable: false },
  GW_FC_ATTACHMENTS_MISSING: { title: 'FIT-Connect: announced attachments were not uploaded or are missing from the metadata', status: 422, retryable: false },
  GW_FC_ATTACHMENT_UNEXPECTED: { title: 'FIT-Connect: the metadata lists an attachment that was not announced', status: 422, retryable: false },
  GW_FC_ENCRYPTION_ISSUE: { title: 'FIT-Connect: a part cannot be decrypted (unknown kid, wrong algorithm or altered)', status: 422, retryable: false },
  GW_FC_METADATA_INVALID: { title: 'FIT-Connect: the metadata do not match the metadata schema', status: 422, retryable: false },
  GW_FC_HASH_MISMATCH: { title: 'FIT-Connect: a hash in the metadata does not match the data or an attachment', status: 422, retryable: false },
  GW_FC_DATA_INVALID: { title: 'FIT-Connect: the form data do not match the submission schema', status: 422, retryable: false },
  GW_FC_EVENT_INVALID: { title: 'FIT-Connect: the event (SET) is not an accept or reject of this submission', status: 422, retryable: false },
  GW_XTA_UNKNOWN_SERVICE: { title: 'XTA: the transport order names a service the gateway does not offer', status: 422, retryable: false },
  GW_XTA_NOT_IMPLEMENTED: { title: 'XTA: the gateway does not offer this operation', status: 501, retryable: false },
  GW_CLIENT_OVER_SHARE: { title: 'The client has more ingress requests in flight than its share', status: 429, retryable: true },
  GW_NOT_READY: { title: 'The gateway is not ready', status: 503, retryable: true },
  GW_OVERLOADED: { title: 'The gateway is overloaded and takes no new messages for now', status: 503, retryable: true },
  GW_STORAGE_FULL: { title: 'The gateway\'s storage is full; nothing was stored', status: 507, retryable: true },
  GW_INTERNAL: { title: 'Internal error', status: 500, retryable: true },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

/** One precise finding: what was wrong and where (XSD line/column/element path, JSON pointer, config path). */
export interface Issue {
  message: string;
  line?: number;
  column?: number;
  /** Element path such as `/hund.anmeldung.0101/hund/rasse`, or a JSON pointer / config path. */
  path?: string;
  /** Validation layer that produced the finding, e.g. `xsd`, `codelist` (gateway/validation/types.ts). */
  layer?: string;
  /** The rule within the layer, e.g. `identity.type-code`, `codelist.unknown-code`, `rules.<id>`. */
  rule?: string;
}

export function problemType(code: ErrorCode): string {
  return PROBLEM_BASE + code.toLowerCase().replace(/^gw_/, '').replace(/_/g, '-');
}

/** Every error the gateway raises on purpose. Anything else is reported as GW_INTERNAL. */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly issues: Issue[];
  readonly extra: Record<string, unknown>;

  constructor(code: ErrorCode, detail: string, opts: { issues?: Issue[]; cause?: unknown; extra?: Record<string, unknown> } = {}) {
    super(detail, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.issues = opts.issues ?? [];
    this.extra = opts.extra ?? {};
  }

  get status(): number {
    return ERROR_CATALOG[this.code].status;
  }
}

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  instance?: string;
  errors?: Issue[];
  [key: string]: unknown;
}

/** Renders any thrown value as RFC 7807 problem details; unknown errors never leak internals. */
export function toProblem(err: unknown, instance?: string): ProblemDetails {
  const e = err instanceof GatewayError ? err : new GatewayError('GW_INTERNAL', 'An unexpected error occurred; it has been logged.');
  const spec = ERROR_CATALOG[e.code];
  const p: ProblemDetails = { ...e.extra, type: problemType(e.code), title: spec.title, status: spec.status, detail: e.message, code: e.code };
  if (instance) p.instance = instance;
  if (e.issues.length > 0) p.errors = e.issues;
  return p;
}

/**
 * GW_VORGANG_EXISTS for a message that opens a case under a Vorgang id already in use:
 * thrown by the remit check (gateway/routing/remit.ts) and, for two openings racing each
 * other, by the store's own check in the insert transaction (MessageStore.accept).
 */
export function vorgangExists(h: { vorgangId: string; messageType: string }): GatewayError {
  return new GatewayError('GW_VORGANG_EXISTS', `Vorgang ${h.vorgangId} already exists: ${h.messageType} opens a case and needs a new Vorgang id`, {
    extra: { rule: 'vorgang.new' },
    issues: [{ message: 'vorgangsID already in use', path: 'nachrichtenkopf/vorgang/vorgangsID', layer: 'authorization', rule: 'vorgang.new' }],
  });
}
