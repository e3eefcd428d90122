import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { GatewayConfig } from '../config/schema.js';
import { GatewayError } from '../errors.js';
import type { MessageStore } from '../store/types.js';
import type { BreakGlassGrants } from './break-glass.js';
import { isPartyOfVorgang } from '../routing/remit.js';
import { mailboxesOf, ownsMessage } from './ownership.js';
import { principalOf, type Principal, type Role } from './principal.js';

/**
 * Who may call what (ADR 0012, docs/api.md "Roles"): one declarative table, route → roles
 * and one ownership check. `authorize` runs after authentication for every /api/v1 call;
 * handlers contain no role logic apart from narrowing list queries (scopeMessageFilter)
 * and the author check at ingress (gateway/auth/ingress-guard.ts).
 */

/**
 * - `none`: the role suffices.
 * - `mailbox`: the `:mailbox` is one of the participant's (operator/admin: list only, by their roles).
 * - `message`: the message is the participant's; `vorgang`: the participant is a party of the case
 *   (routing/remit.ts); operator and admin see all metadata.
 * - `payload`: like `message`, but operator and admin need a break-glass grant in force.
 * - `list`: allowed; the handler narrows the query to the participant's own messages.
 * - `attachment`: it uploaded the attachment or one of the messages that carry it is its own (operator and
 *   admin: not at all without a break-glass grant — attachments are payload).
 */
export type OwnershipCheck = 'none' | 'mailbox' | 'message' | 'vorgang' | 'payload' | 'list' | 'attachment';

export interface RouteRule {
  method: 'GET' | 'POST' | 'PUT';
  /** Express-style path below /api/v1. */
  path: string;
  roles: readonly Role[];
  check: OwnershipCheck;
}

const PARTIES = ['efa-service', 'municipality', 'fachverfahren', 'zsa'] as const satisfies readonly Role[];
const ALL = [...PARTIES, 'operator', 'admin'] as const satisfies readonly Role[];
const OVERSIGHT = ['operator', 'admin'] as const satisfies readonly Role[];
const MAILBOX_OWNERS = PARTIES;

export const ROUTE_RULES: readonly RouteRule[] = [
  { method: 'POST', path: '/messages', roles: PARTIES, check: 'none' },
  { method: 'GET', path: '/messages', roles: ALL, check: 'list' },
  { method: 'GET', path: '/messages/:id', roles: ALL, check: 'message' },
  { method: 'GET', path: '/messages/:id/payload', roles: ALL, check: 'payload' },
  { method: 'GET', path: '/messages/:id/receipt', roles: ALL, check: 'message' },
  { method: 'GET', path: '/messages/:id/events', roles: ALL, check: 'message' },
  { method: 'POST', path: '/messages/:id/replay', roles: ['admin'], check: 'none' },
  { method: 'POST', path: '/replay', roles: ['admin'], check: 'none' },
  { method: 'GET', path: '/vorgaenge/:id', roles: ALL, check: 'vorgang' },
  { method: 'POST', path: '/attachments', roles: PARTIES, check: 'none' },
  { method: 'GET', path: '/attachments/:sha512', roles: PARTIES, check: 'attachment' },
  { method: 'GET', path: '/rejections', roles: OVERSIGHT, check: 'none' },
  { method: 'POST', path: '/routes/explain', roles: ['admin'], check: 'none' },
  { method: 'GET', path: '/mailboxes/:mailbox/messages', roles: [...MAILBOX_OWNERS, ...OVERSIGHT], check: 'mailbox' },
  { method: 'POST', path: '/mailboxes/:mailbox/fetch', roles: MAILBOX_OWNERS, check: 'mailbox' },
  { method: 'POST', path: '/mailboxes/:mailbox/messages/:item/ack', roles: MAILBOX_OWNERS, check: 'mailbox' },
  { method: 'GET', path: '/admin/municipalities', roles: OVERSIGHT, check: 'none' },
  { method: 'PUT', path: '/admin/municipalities/:ags/delegations/:service', roles: ['admin'], check: 'none' },
  { method: 'GET', path: '/admin/delegations/history', roles: OVERSIGHT, check: 'none' },
  { method: 'GET', path: '/admin/endpoints', roles: OVERSIGHT, check: 'none' },
  { method: 'GET', path: '/admin/stats', roles: OVERSIGHT, check: 'none' },
  { method: 'GET', path: '/admin/participants', roles: ['admin'], check: 'none' },
  { method: 'GET', path: '/admin/break-glass', roles: OVERSIGHT, check: 'none' },
  { method: 'POST', path: '/admin/break-glass', roles: ['admin'], check: 'none' },
];

interface Compiled extends RouteRule {
  re: RegExp;
  names: string[];
}
const COMPILED: readonly Compiled[] = ROUTE_RULES.map((r) => {
  const names: string[] = [];
  const re = new RegExp(`^${r.path.replace(/:([A-Za-z0-9_]+)/g, (_m, n: string) => (names.push(n), '([^/]+)'))}/?$`);
  return { ...r, re, names };
});

/** The rule for a request below /api/v1 and its path parameters; undefined → no such route (the 404 handler answers). */
export function ruleFor(method: string, path: string): { rule: RouteRule; params: Record<string, string> } | undefined {
  for (const c of COMPILED) {
    if (c.method !== method) continue;
    const m = c.re.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    c.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1]!)));
    return { rule: c, params };
  }
  return undefined;
}

/** The 403 every refusal answers: names the role, the participant and the rule that refused. */
export function forbidden(p: Principal, rule: string, detail: string): GatewayError {
  return new GatewayError('GW_FORBIDDEN', `${p.role} ${p.participant?.id ?? p.label}: ${detail} (rule ${rule})`, { extra: { role: p.role, participant: p.participant?.id ?? null, rule } });
}

export interface AuthorizeDeps {
  cfg: GatewayConfig;
  store: MessageStore;
  grants: BreakGlassGrants;
  log: { warn(obj: object, msg: string): void };
}

async function checkOwnership(d: AuthorizeDeps, p: Principal, check: OwnershipCheck, params: Record<string, string>): Promise<void> {
  const part = p.participant!;
  const oversight = p.role === 'operator' || p.role === 'admin';
  switch (check) {
    case 'none':
    case 'list':
      return;
    case 'mailbox':
      if (!oversight && !mailboxesOf(d.cfg, part).includes(params['mailbox']!)) throw forbidden(p, 'mailbox.own', `mailbox ${params['mailbox']} is not one of its mailboxes (${mailboxesOf(d.cfg, part).join(', ') || 'none'})`);
      return;
    case 'attachment': {
      const sha = String(params['sha512']).toLowerCase();
      const carriers = await d.store.listMessages({ attachmentSha512: sha, limit: 1000 });
      // Its own upload, or an attachment of one of its messages; unknown hashes get the same answer.
      if (!carriers.some((m) => ownsMessage(d.cfg, part, m)) && !(await d.store.uploadedBy(sha, part.kennung))) {
        throw forbidden(p, 'attachment.own', 'the attachment is neither its upload nor part of one of its messages');
      }
      return;
    }
    case 'vorgang': {
      if (oversight) return;
      // Only the parties of the case read it (routing/remit.ts), whoever else wrote into it.
      const opening = (await d.store.vorgang(params['id']!))[0];
      if (opening && !(await isPartyOfVorgang(d.cfg, d.store, part, opening))) throw forbidden(p, 'vorgang.party', `Vorgang ${params['id']} is not a case it is a party of`);
      return;
    }
    case 'message':
    case 'payload': {
      const m = await d.store.getMessage(params['id']!);
      if (!m) return; // the handler answers 404
      if (!oversight) {
        if (!ownsMessage(d.cfg, part, m)) throw forbidden(p, 'message.own', `message ${m.id} is neither its own nor addressed to it`);
        return;
      }
      if (check === 'message') return;
      const grant = d.grants.find(part.id, m.id, m.vorgangId);
      if (!grant) throw forbidden(p, 'payload.break-glass', `payloads are readable by ${p.role} only under a break-glass grant (POST /api/v1/admin/break-glass)`);
      d.log.warn({ participant: part.id, messageId: m.id, grant: grant.id, reason: grant.reason }, 'break-glass payload access');
    }
  }
}

/**
 * Express middleware for /api/v1, after authentication. The local admin of `auth.mode:
 * off` passes untouched. Otherwise: read-only tokens only for GET; the role must be in the
 * route's roles (`route.roles`); then the route's ownership check. Refusals are 403
 * GW_FORBIDDEN (gateway/errors.ts) naming role and rule.
 */
export function authorize(d: AuthorizeDeps): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    const p = principalOf(res);
    if (!p) return next(new GatewayError('GW_UNAUTHENTICATED', 'no authenticated participant'));
    if (p.via === 'local') return next();
    const found = ruleFor(req.method === 'HEAD' ? 'GET' : req.method, req.path);
    if (!found) return next();
    if (p.readOnly && req.method !== 'GET' && req.method !== 'HEAD') return next(forbidden(p, 'scope.read-only', `the token's scope is ${p.role}:read; ${req.method} needs scope ${p.role}`));
    if (!found.rule.roles.includes(p.role)) return next(forbidden(p, 'route.roles', `${req.method} ${found.rule.path} is for ${found.rule.roles.join(', ')}`));
    checkOwnership(d, p, found.rule.check, found.params).then(() => next(), next);
  };
}
