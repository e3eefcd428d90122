import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/types.js';
import { principalOf } from '../auth/principal.js';

/**
 * Records every /api/v1 call in the audit log: who (the authenticated participant, or
 * `anonymous@<ip>`), what (method and path), on what (the resource, or the created message
 * for a submission), allowed or refused (401/403), and the status. Mounted before
 * authentication, so refusals are recorded too. Changing calls (anything but GET/HEAD and
 * message submissions) hold their answer until the entry is committed (it joins the audit
 * log's group commit); reads and submissions are recorded right after their answer. A failed append is logged as an error
 * (ADR 0010, addendum). `onlyRefused`: only refused reads are recorded (the metrics scrape).
 */
export function auditTrail(audit: AuditLog, log: Logger, opts: { onlyRefused?: boolean } = {}) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const entry = () => {
      const principal = principalOf(res);
      const path = (req.originalUrl.split('?')[0] ?? req.originalUrl).slice(0, 400);
      const location = res.getHeader('location');
      return {
        actor: principal?.label ?? `anonymous@${req.ip ?? 'unknown'}`,
        action: actionOf(req.method, path),
        target: typeof location === 'string' && location.startsWith('/api/v1/messages/') ? `message:${location.slice('/api/v1/messages/'.length)}` : targetOf(path),
        outcome: res.statusCode === 401 || res.statusCode === 403 ? ('refused' as const) : ('allowed' as const),
        detail: { status: res.statusCode, via: principal?.via ?? null, path },
      };
    };
    const failed = (err: unknown) => log.error({ err: err instanceof Error ? err.message : String(err), path: req.originalUrl.slice(0, 400) }, 'audit append failed');

    // Reads, and submissions (whose durable record is the message store: message,
    // transitions and rejection log are committed before the answer), are recorded once
    // the answer is sent, without holding it back.
    if (req.method === 'GET' || req.method === 'HEAD' || (req.method === 'POST' && req.path === '/messages')) {
      res.once('finish', () => {
        try {
          const e = entry();
          // `onlyRefused` (GET /metrics, ADR 0029): a Prometheus scrape every few seconds reads aggregates only; refusals are still recorded
          if (opts.onlyRefused && e.outcome === 'allowed') return;
          void audit.append(e).catch(failed);
        } catch (err) {
          failed(err);
        }
      });
      return next();
    }
    // changes: the entry is durable before the answer leaves (res.end waits for the append)
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    let held = false;
    (res as unknown as { end: (...args: unknown[]) => Response }).end = (...args: unknown[]) => {
      if (held) return end(...args);
      held = true;
      let pending: Promise<unknown>;
      try {
        pending = audit.append(entry());
      } catch (err) {
        pending = Promise.reject(err);
      }
      pending.catch(failed).finally(() => end(...args));
      return res;
    };
    next();
  };
}

const UUIDISH = /^[0-9a-f]{8}-[0-9a-f-]{27}$/i;

/** `GET /api/v1/messages/<uuid>/payload` → `api.get.messages.id.payload`, `/ui/…` → `ui.get.…` (ids folded so actions group). */
export function actionOf(method: string, path: string): string {
  const ui = /^\/ui(\/|$)/.test(path);
  const words = path
    .replace(/^\/api\/v1\/?|^\/ui\/?/, '')
    .split('/')
    .filter(Boolean)
    .map((w) => (UUIDISH.test(w) || /^\d+$/.test(w) || /^[0-9a-f]{128}$/.test(w) ? 'id' : w.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+/, '') || 'x'));
  return [ui ? 'ui' : 'api', method.toLowerCase().replace(/[^a-z]/g, '') || 'other', ...words].join('.');
}

/** The resource a path names: `message:<id>`, `vorgang:<id>`, `mailbox:<name>`, `municipality:<ags>`, else `api:<path>`. */
export function targetOf(path: string): string {
  const m = /^\/(?:api\/v1|ui)\/(messages|vorgaenge|mailboxes|attachments|admin\/municipalities)\/([^/]+)/.exec(path);
  const kinds: Record<string, string> = { messages: 'message', vorgaenge: 'vorgang', mailboxes: 'mailbox', attachments: 'attachment', 'admin/municipalities': 'municipality' };
  if (m && m[2]) return `${kinds[m[1]!]}:${safeDecode(m[2]).replace(/\s/g, '_').slice(0, 200) || '-'}`;
  return `api:${path.replace(/\s/g, '_') || '/'}`;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s; // broken escapes (hostile paths) are recorded as sent
  }
}
