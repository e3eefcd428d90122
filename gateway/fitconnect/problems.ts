import type { ErrorCode } from '../errors.js';

/**
 * FIT-Connect's problem types for the Submission API (RFC 7807 `type`). The prefix and
 * `destination-not-found` / `destination-state-invalid` are FIT-Connect's own (seen in the
 * FITKO Python SDK, docs/fit-connect.md "Sources"); the other names follow the same scheme
 * for refusals the gateway makes itself where FIT-Connect's Zustelldienst would not check
 * (it cannot decrypt) — listed as a deviation in docs/fit-connect.md.
 */
export const FIT_PROBLEM_BASE = 'https://schema.fitko.de/fit-connect/submission-api/problems/';

const NAMES: Partial<Record<ErrorCode, string>> = {
  GW_FC_DESTINATION_NOT_FOUND: 'destination-not-found',
  GW_FC_SERVICE_NOT_AVAILABLE: 'service-not-available',
  GW_FC_AREA_NOT_SERVED: 'area-not-served',
  GW_FC_SUBMISSION_NOT_FOUND: 'submission-not-found',
  GW_FC_CASE_NOT_FOUND: 'case-not-found',
  GW_FC_REPLY_NOT_FOUND: 'reply-not-found',
  GW_FC_SUBMISSION_STATE: 'submission-state-invalid',
  GW_FC_ATTACHMENT_NOT_ANNOUNCED: 'attachment-not-announced',
  GW_FC_ATTACHMENTS_MISSING: 'missing-attachments',
  GW_FC_ATTACHMENT_UNEXPECTED: 'unexpected-attachment',
  GW_FC_ENCRYPTION_ISSUE: 'encryption-issue',
  GW_FC_METADATA_INVALID: 'metadata-schema-violation',
  GW_FC_HASH_MISMATCH: 'hash-mismatch',
  GW_FC_DATA_INVALID: 'data-schema-violation',
  GW_FC_EVENT_INVALID: 'event-invalid',
};

/** The FIT-Connect problem type of a catalog code, or undefined for codes outside the FIT-Connect API (they keep the gateway's URN). */
export function fitProblemType(code: string): string | undefined {
  const name = NAMES[code as ErrorCode];
  return name === undefined ? undefined : `${FIT_PROBLEM_BASE}${name}`;
}
