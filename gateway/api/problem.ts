import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { GatewayError, toProblem } from '../errors.js';
import { storageFullError } from '../store/storage-full.js';

/** Maps errors thrown before our handlers ran (body parsers) to catalog codes (also used by the UI's error pages). */
export function normaliseError(err: unknown): unknown {
  if (err instanceof GatewayError) return err;
  const full = storageFullError(err);
  if (full !== undefined) return full;
  const e = err as { type?: string; status?: number; message?: string };
  if (e?.type === 'entity.too.large') return new GatewayError('GW_PAYLOAD_TOO_LARGE', 'request body is larger than the limit', { cause: err });
  if (e?.type === 'entity.parse.failed') {
    // The parser's own message quotes a piece of the body (possibly citizen data): keep only where it broke.
    const at = /position (\d+)/.exec(e.message ?? '')?.[1];
    return new GatewayError('GW_BAD_REQUEST', `request body is not valid JSON${at !== undefined ? ` (at byte ${at})` : ''}`, { issues: [{ message: 'not valid JSON', path: '/' }] });
  }
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) return new GatewayError('GW_BAD_REQUEST', e.message ?? 'bad request', { cause: err });
  return err;
}

/**
 * The last middleware: every error becomes RFC 7807 problem+json; unexpected ones are logged,
 * never leaked. `typeOf` may give a catalog code another problem `type` (the FIT-Connect API
 * answers with FIT-Connect's problem URIs; the `code` member still names the catalog entry).
 */
export function problemHandler(log: Logger, typeOf?: (code: string) => string | undefined) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const e = normaliseError(err);
    if (!(e instanceof GatewayError) || e.code === 'GW_INTERNAL') {
      log.error({ err: e instanceof Error ? { message: e.message, stack: e.stack } : String(e), path: req.path }, 'unexpected error');
    } else if (e.code === 'GW_STORAGE_FULL') {
      log.error({ path: req.path, detail: e.message }, 'storage full: request refused');
    }
    const problem = toProblem(e, req.originalUrl);
    const type = typeOf?.(problem.code);
    if (type !== undefined) problem.type = type;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // Drain an unread request body so the connection stays usable for the next message.
    if (!req.complete) req.resume();
    // a refusal that knows when to come back says so (429 of the upload budget)
    const retryAfter = e instanceof GatewayError ? e.extra['retryAfterSeconds'] : undefined;
    if (typeof retryAfter === 'number') res.setHeader('Retry-After', String(retryAfter));
    res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  };
}

/** The last handler of a router: the full path (`baseUrl` + `path`) is no resource. */
export function notFound(req: Request): never {
  throw new GatewayError('GW_NOT_FOUND', `no such resource: ${req.method} ${req.baseUrl}${req.path}`);
}
