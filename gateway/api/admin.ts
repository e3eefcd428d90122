import { json } from 'express';
import type { BreakGlassGrants } from '../auth/break-glass.js';
import { ADMIN_ONLY, OVERSIGHT } from '../auth/policy.js';
import { principalOf } from '../auth/principal.js';
import { GatewayError } from '../errors.js';
import { requireAgs } from '../routing/region-key.js';
import { actor } from './messages.js';
import { route, type ApiRoute } from './route.js';
import { reply } from './contract-types.js';
import type { ServicesWith } from './services.js';
import type { BacklogReads, DelegationStore } from '../store/contracts.js';

/** The admin API: delegation switches and history, state counts and outbox depth (ADR 0044). */
export type AdminServices = ServicesWith<DelegationStore & BacklogReads>;

/** Municipalities and their delegations (switchable at runtime), endpoints, counters, participants, break-glass grants. */
export function adminApi(s: AdminServices, grants: BreakGlassGrants): ApiRoute[] {
  const oversight = { roles: OVERSIGHT, check: 'none' } as const;
  const adminOnly = { roles: ADMIN_ONLY, check: 'none' } as const;
  return [

    route('GET', '/admin/municipalities', oversight, async (_req, res) => {
      reply(res, 'listMunicipalities', 200, { items: await s.router.listDelegations() });
    }),

    route('PUT', '/admin/municipalities/:ags/delegations/:service', adminOnly, json({ limit: '16kb' }), async (req, res) => {
      const body = (req.body ?? {}) as { mode?: unknown; reason?: unknown };
      if (typeof body.mode !== 'string') throw new GatewayError('GW_BAD_REQUEST', 'body must be {"mode": "...", "reason": "..."}', { issues: [{ message: 'mode is required', path: '/mode' }] });
      const reason = typeof body.reason === 'string' && body.reason.trim() ? body.reason.trim().slice(0, 500) : 'no reason given';
      const change = await s.router.setDelegation(String(req.params['ags']), String(req.params['service']), body.mode, actor(req), reason);
      s.log.info({ change }, 'delegation switched');
      reply(res, 'setDelegation', 200, change);
    }),

    route('GET', '/admin/delegations/history', oversight, async (req, res) => {
      const ags = typeof req.query['ags'] === 'string' ? requireAgs(req.query['ags'], 'query.ags') : undefined;
      reply(res, 'delegationHistory', 200, { items: await s.store.delegationHistory(ags) });
    }),

    route('GET', '/admin/endpoints', oversight, async (_req, res) => {
      const depth = await s.store.outboxDepth();
      reply(res, 'listEndpoints', 200, { items: [...s.endpoints.values()].map((e) => ({ ...e.status(), outboxDepth: depth[e.id] ?? 0 })) });
    }),

    route('GET', '/admin/stats', oversight, async (_req, res) => {
      reply(res, 'stats', 200, { messagesByState: await s.store.countByState(), outboxDepth: await s.store.outboxDepth(), ...(s.admission ? { admission: s.admission.state() } : {}) });
    }),

    /** Configured participants and how they authenticate; secrets and hashes never leave the gateway. */
    route('GET', '/admin/participants', adminOnly, (_req, res) => {
      reply(res, 'listParticipants', 200, {
        authMode: s.cfg.auth.mode,
        items: s.cfg.participants.map((p) => ({ id: p.id, kind: p.kind, kennung: p.kennung, name: p.name, endpoint: p.endpoint ?? null, services: p.services ?? null, oauthClientId: p.oauth?.clientId ?? null, scopes: p.oauth ? (p.oauth.scopes ?? [p.kind]) : null, pinnedCertificates: p.certFingerprints?.length ?? 0 })),
      });
    }),

    route('GET', '/admin/break-glass', oversight, async (_req, res) => {
      reply(res, 'listBreakGlass', 200, { items: await grants.list() });
    }),

    /** Records a break-glass grant: operators may read the payloads of one message or Vorgang for `minutes`. */
    route('POST', '/admin/break-glass', adminOnly, json({ limit: '16kb' }), async (req, res) => {
      const b = (req.body ?? {}) as Record<string, unknown>;
      const bad = (path: string, message: string) => new GatewayError('GW_BAD_REQUEST', `break-glass: ${message}`, { issues: [{ path, message }] });
      const reason = typeof b['reason'] === 'string' ? b['reason'].trim() : '';
      if (reason.length < 10) throw bad('/reason', 'a reason of at least 10 characters is required');
      const messageId = typeof b['messageId'] === 'string' && b['messageId'] ? b['messageId'] : null;
      const vorgangId = typeof b['vorgangId'] === 'string' && b['vorgangId'] ? b['vorgangId'] : null;
      if ((messageId === null) === (vorgangId === null)) throw bad('/messageId', 'name exactly one of messageId or vorgangId');
      const minutes = b['minutes'];
      const max = s.cfg.auth.breakGlassMaxMinutes;
      if (typeof minutes !== 'number' || !Number.isInteger(minutes) || minutes < 1 || minutes > max) throw bad('/minutes', `minutes must be an integer from 1 to ${max}`);
      const grantee = typeof b['grantee'] === 'string' ? b['grantee'] : null;
      if (grantee !== null && !s.cfg.participants.some((p) => p.id === grantee && (p.kind === 'operator' || p.kind === 'admin'))) throw bad('/grantee', `${grantee} is no operator or admin participant`);
      const grant = await grants.add({ grantedBy: principalOf(res)?.label ?? actor(req), grantee, reason: reason.slice(0, 1000), messageId, vorgangId }, minutes);
      s.log.warn({ grant }, 'break-glass grant recorded');
      reply(res, 'grantBreakGlass', 201, grant);
    }),
  ];
}
