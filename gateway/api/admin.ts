import { Router as ExpressRouter, json } from 'express';
import { GatewayError } from '../errors.js';
import { actor } from './messages.js';
import type { GatewayServices } from './services.js';

/** Municipalities and their delegations (switchable at runtime), endpoints, counters. */
export function adminApi(s: GatewayServices): ExpressRouter {
  const r = ExpressRouter();

  r.get('/admin/municipalities', async (_req, res) => {
    res.json({ items: await s.router.listDelegations() });
  });

  r.put('/admin/municipalities/:ags/delegations/:service', json({ limit: '16kb' }), async (req, res) => {
    const body = (req.body ?? {}) as { mode?: unknown; reason?: unknown };
    if (typeof body.mode !== 'string') throw new GatewayError('GW_BAD_REQUEST', 'body must be {"mode": "...", "reason": "..."}', { issues: [{ message: 'mode is required', path: '/mode' }] });
    const reason = typeof body.reason === 'string' && body.reason.trim() ? body.reason.trim().slice(0, 500) : 'no reason given';
    const change = await s.router.setDelegation(String(req.params['ags']), String(req.params['service']), body.mode, actor(req), reason);
    s.log.info({ change }, 'delegation switched');
    res.json(change);
  });

  r.get('/admin/delegations/history', async (req, res) => {
    const ags = typeof req.query['ags'] === 'string' ? req.query['ags'] : undefined;
    res.json({ items: await s.store.delegationHistory(ags) });
  });

  r.get('/admin/endpoints', async (_req, res) => {
    const depth = await s.store.outboxDepth();
    res.json({ items: [...s.endpoints.values()].map((e) => ({ ...e.status(), outboxDepth: depth[e.id] ?? 0 })) });
  });

  r.get('/admin/stats', async (_req, res) => {
    res.json({ messagesByState: await s.store.countByState(), outboxDepth: await s.store.outboxDepth() });
  });
  return r;
}
