import { ERROR_CATALOG, GatewayError, type Issue } from '../errors.js';

const MAX_FINDINGS = 10;

function where(i: Issue): string {
  const at = i.line === undefined ? undefined : `line ${i.line}${i.column === undefined ? '' : ` column ${i.column}`}`;
  return [i.layer, i.rule, i.path, at].filter((x) => x !== undefined && x !== '').join(' ');
}

/**
 * A description of a refusal for stored diagnostics (rejection log) and log lines: the
 * code's catalog title and, per finding, layer, rule, element path and line/column —
 * never the error's free-text message, which may quote element values, file names or
 * other content of the refused message (ADR 0016). The sender gets the full problem.
 */
export function refusalSummary(err: GatewayError): string {
  const found = err.issues.slice(0, MAX_FINDINGS).map(where).filter((w) => w !== '');
  const more = err.issues.length > MAX_FINDINGS ? `; ${err.issues.length - MAX_FINDINGS} more` : '';
  return `${ERROR_CATALOG[err.code].title}${found.length > 0 ? `: ${found.join('; ')}${more}` : ''}`;
}

/** For unexpected (non-Gateway) errors: the class name only, since the message may hold anything. */
export function unexpectedSummary(err: unknown): string {
  if (err instanceof GatewayError) return `${err.code}: ${refusalSummary(err)}`;
  return err instanceof Error ? `${err.name} (message withheld: it may quote the payload)` : typeof err;
}
