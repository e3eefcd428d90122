import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { GatewayConfig, ParticipantConfig } from '../config/schema.js';
import { GatewayError } from '../errors.js';
import type { DelegationStore, MessageReads, UploadLedger } from '../store/contracts.js';
import type { BreakGlassGrants } from './break-glass.js';
import { isPartyOfVorgang } from '../routing/remit.js';
import { currentDelegations, mailboxesOf, ownsMessage, sentOrReceived } from './ownership.js';
import { principalOf, type Principal, type Role } from './principal.js';

/**
 * Who may call what (ADR 0012, ADR 0014, docs/api.md "Roles"). Every /api/v1 route is
 * declared together with its RoutePolicy (gateway/api/route.ts); `routeGuard` builds the
 * first handler of that route from it, so the decision is made on the route Express
 * selected and a route without a policy cannot be registered. Handlers contain no role
 * logic apart from narrowing list queries (scopeMessageFilter) and the author check at
 * ingress (gateway/auth/ingress-guard.ts).
 */

/**
 * - `none`: the role suffices.
 * - `mailbox`: the `:mailbox` is one of the participant's (operator/admin: list only, by their roles).
 * - `message`: the message is the participant's; `vorgang`: the participant is a party of the case
 *   (routing/remit.ts); operator and admin see all metadata.
 * - `payload`: like `message`, but operator and admin need a break-glass grant in force.
 * - `list`: allowed; the handler narrows the query to the participant's own messages.
 * - `proof`: the message is one the participant sent or received (`sentOrReceived`, ADR 0031);
 *   operator and admin: all (a proof carries metadata only).
 * - `attachment`: it uploaded the attachment or one of the messages that carry it is its own (operator and
 *   admin: not at all without a break-glass grant — attachments are payload).
 * - `fit-sender`: the FIT-Connect submission `:submissionId` is one the participant created; `fit-subscriber`:
 *   it subscribes to the submission's destination (the destination's participant, or the ZSA where delegated);
 *   `fit-case`: it is the sender or a subscriber of the FIT-Connect case `:caseId` (ADR 0027). An unknown id and
 *   a foreign one get the same FIT-Connect "not found" answer. `fit-reply`: the reply `:replyId` is on a case the
 *   participant sent and is still available to it (ADR 0033). `fit-destination`: the FIT-Connect destination
 *   `:destinationId` is the participant's own (`fitConnect.destinations[].participant`; not the ZSA by delegation):
 *   only its operator changes its callback (ADR 0041).
 */
export type OwnershipCheck = 'none' | 'mailbox' | 'message' | 'vorgang' | 'payload' | 'list' | 'attachment' | 'fit-sender' | 'fit-subscriber' | 'fit-case' | 'fit-reply' | 'fit-destination' | 'proof';

/** The remit decisions of the FIT-Connect API (gateway/fitconnect/service.ts); each throws its FIT-Connect not-found error to refuse. */
export interface FitConnectRemit {
  asSender(p: ParticipantConfig, submissionId: string): Promise<unknown>;
  asSubscriber(p: ParticipantConfig, submissionId: string): Promise<unknown>;
  asCaseParty(p: ParticipantConfig, caseId: string): Promise<unknown>;
  asReplyRecipient(p: ParticipantConfig, replyId: string): Promise<unknown>;
  /** True when the destination is the participant's own; an unknown destination throws its not-found error. */
  asDestinationOwner(p: ParticipantConfig, destinationId: string): Promise<boolean>;
}

/** The policy of one route: the roles that may call it and the ownership check on its path parameters. */
export interface RoutePolicy {
  roles: readonly [Role, ...Role[]];
  check: OwnershipCheck;
}

/** The HTTP methods /api/v1 declares. Read-only tokens (`<role>:read`) may call GET routes only (HEAD is served by GET). */
export type ApiMethod = 'GET' | 'POST' | 'PUT' | 'PATCH';

export const PARTIES = ['efa-service', 'municipality', 'fachverfahren', 'zsa'] as const satisfies readonly Role[];
export const ALL_ROLES = [...PARTIES, 'operator', 'admin'] as const satisfies readonly Role[];
export const OVERSIGHT = ['operator', 'admin'] as const satisfies readonly Role[];
export const ADMIN_ONLY = ['admin'] as const satisfies readonly Role[];

/** The 403 every refusal answers: names the role, the participant and the rule that refused. */
export function forbidden(p: Principal, rule: string, detail: string): GatewayError {
  return new GatewayError('GW_FORBIDDEN', `${p.role} ${p.participant?.id ?? p.label}: ${detail} (rule ${rule})`, { extra: { role: p.role, participant: p.participant?.id ?? null, rule } });
}

export interface AuthorizeDeps {
  cfg: GatewayConfig;
  store: MessageReads & UploadLedger & Pick<DelegationStore, 'delegationOverrides'>;
  grants: BreakGlassGrants;
  log: { warn(obj: object, msg: string): void };
  /** The FIT-Connect remit; without it the `fit-*` checks refuse (fail closed). */
  fitConnect?: FitConnectRemit;
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
      const delegation = await currentDelegations(d.cfg, d.store);
      if (!carriers.some((m) => ownsMessage(d.cfg, part, m, delegation)) && !(await d.store.uploadedBy(sha, part.kennung))) {
        throw forbidden(p, 'attachment.own', 'the attachment is neither its upload nor part of one of its messages');
      }
      return;
    }
    case 'fit-sender':
    case 'fit-subscriber':
    case 'fit-case':
    case 'fit-reply':
    case 'fit-destination': {
      if (d.fitConnect === undefined) throw forbidden(p, 'fit-connect.off', 'the FIT-Connect API is not configured');
      if (check === 'fit-destination') {
        if (!(await d.fitConnect.asDestinationOwner(part, params['destinationId']!))) throw forbidden(p, 'fit-connect.destination-owner', `destination ${String(params['destinationId']).slice(0, 64)} is not its own`);
      } else if (check === 'fit-sender') await d.fitConnect.asSender(part, params['submissionId']!);
      else if (check === 'fit-subscriber') await d.fitConnect.asSubscriber(part, params['submissionId']!);
      else if (check === 'fit-reply') await d.fitConnect.asReplyRecipient(part, params['replyId']!);
      else await d.fitConnect.asCaseParty(part, params['caseId']!);
      return;
    }
    case 'vorgang': {
      if (oversight) return;
      // Only the parties of the case read it (routing/remit.ts), whoever else wrote into it. An
      // unknown Vorgang gets the same answer: ids are chosen by senders (file numbers in some
      // standards), so a 404 would tell a non-party which cases exist.
      const opening = (await d.store.vorgang(params['id']!))[0];
      if (!opening || !(await isPartyOfVorgang(d.cfg, d.store, part, opening))) throw forbidden(p, 'vorgang.party', `Vorgang ${params['id']} is not a case it is a party of`);
      return;
    }
    case 'proof': {
      const m = await d.store.getMessage(params['id']!);
      if (!m || oversight) return; // the handler answers 404
      if (!sentOrReceived(d.cfg, part, m, await currentDelegations(d.cfg, d.store))) throw forbidden(p, 'proof.own', `message ${m.id} is not one it sent or received`);
      return;
    }
    case 'message':
    case 'payload': {
      const m = await d.store.getMessage(params['id']!);
      if (!m) return; // the handler answers 404
      if (!oversight) {
        if (!ownsMessage(d.cfg, part, m, await currentDelegations(d.cfg, d.store))) throw forbidden(p, 'message.own', `message ${m.id} is neither its own nor addressed to it`);
        return;
      }
      if (check === 'message') return;
      const grant = await d.grants.find(part.id, m.id, m.vorgangId);
      if (!grant) throw forbidden(p, 'payload.break-glass', `payloads are readable by ${p.role} only under a break-glass grant (POST /api/v1/admin/break-glass)`);
      // the grant's free-text reason stays in the grant and the audit log, not in the process log
      d.log.warn({ participant: part.id, messageId: m.id, grant: grant.id }, 'break-glass payload access');
    }
  }
}

/** A route guard: the request handler built from a RoutePolicy, with the policy it enforces. */
export type RouteGuard = RequestHandler & { readonly policy: RoutePolicy; readonly route: string };

/**
 * Builds the first handler of the route `method path` (path below /api/v1), called once
 * per route when the API router is built. At request time, after authentication: the
 * local admin of `auth.mode: off` passes untouched; otherwise read-only tokens only on
 * GET routes, the role must be one of `policy.roles`, then the ownership check on the
 * parameters Express decoded for this route. Refusals are 403 GW_FORBIDDEN naming role
 * and rule; a request without a Principal (authentication not mounted) is 401.
 */
export function routeGuard(method: ApiMethod, path: string, policy: RoutePolicy, d: AuthorizeDeps): RouteGuard {
  const route = `${method} ${path}`;
  const guard = (req: Request, res: Response, next: NextFunction): void => {
    const p = principalOf(res);
    if (!p) return next(new GatewayError('GW_UNAUTHENTICATED', 'no authenticated participant'));
    if (p.via === 'local') return next();
    if (p.readOnly && method !== 'GET') return next(forbidden(p, 'scope.read-only', `the token's scope is ${p.role}:read; ${method} needs scope ${p.role}`));
    if (!policy.roles.includes(p.role)) return next(forbidden(p, 'route.roles', `${route} is for ${policy.roles.join(', ')}`));
    checkOwnership(d, p, policy.check, req.params as Record<string, string>).then(() => next(), next);
  };
  return Object.assign(guard, { policy, route });
}
