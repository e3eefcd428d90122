import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * The gateway's logger (ADR 0016). Log lines carry ids, codes, element paths and counts —
 * never payload content, element values, file names or free-text reasons a person typed,
 * which may name a citizen. The code avoids logging such fields; the redaction below is
 * the second line: should one slip into a log call under a usual name, pino replaces its
 * value with `[redacted]`. Secrets (client secrets, tokens, Authorization headers) are
 * redacted the same way.
 */
export const LOG_REDACT_PATHS: readonly string[] = [
  // request and message content
  'payload', '*.payload', 'body', '*.body', 'xml', '*.xml', 'value', '*.value', 'values', '*.values',
  'req.body', 'req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie',
  // attachment file names and free text typed by people (break-glass and delegation reasons)
  'filename', '*.filename', 'fileName', '*.fileName', 'grant.reason', 'change.reason', 'justification', '*.justification',
  // secrets
  'client_secret', '*.client_secret', 'clientSecret', '*.clientSecret', 'secret', '*.secret', 'password', '*.password',
  'access_token', '*.access_token', 'token', '*.token', 'leaseToken', '*.leaseToken',
];

export const REDACTED = '[redacted]';

/** Called by startGateway when no logger is given; tests pass a destination to capture the lines. */
export function createGatewayLogger(o: { level?: string; destination?: DestinationStream } = {}): Logger {
  const options = { level: o.level ?? process.env['LOG_LEVEL'] ?? 'info', redact: { paths: [...LOG_REDACT_PATHS], censor: REDACTED } };
  return o.destination ? pino(options, o.destination) : pino(options);
}
