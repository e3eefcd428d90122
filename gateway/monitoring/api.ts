import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';
import { auditTrail } from '../api/audit.js';
import { methodNotAllowed, route, type ApiRoute } from '../api/route.js';
import type { GatewayServices } from '../api/services.js';
import { OVERSIGHT, routeGuard, type AuthorizeDeps, type RoutePolicy } from '../auth/policy.js';
import type { Monitoring } from './index.js';

/**
 * Who may scrape `GET /metrics` (ADR 0029): operator and admin, as for the other
 * operations views. Prometheus authenticates as an operator participant — with a
 * client certificate (mTLS) or a Bearer token of the client credentials grant, ideally
 * with the read-only scope `operator:read`. Fails closed like every /api/v1 route.
 */
export const METRICS_POLICY: RoutePolicy = { roles: OVERSIGHT, check: 'none' };

/** `GET /api/v1/alerts`: the active alerts and the recently resolved ones (operator, admin). */
export function alertsApi(m: Monitoring): ApiRoute[] {
  return [
    route('GET', '/alerts', { roles: OVERSIGHT, check: 'none' }, (_req, res) => {
      res.json({ active: m.alerts.active(), recent: m.alerts.recent() });
    }),
  ];
}

/**
 * Mounts `GET /metrics` (Prometheus text format) outside /api/v1, with the same
 * authentication and a route guard built from METRICS_POLICY, so it is refused (401/403)
 * exactly like an API route; other methods get 405. Refused scrapes are audited; served
 * ones are not (aggregates only, every few seconds).
 */
export function mountMetrics(app: Express, s: Pick<GatewayServices, 'audit' | 'log'>, m: Monitoring, authenticate: RequestHandler, deps: AuthorizeDeps): void {
  if (s.audit) app.use('/metrics', auditTrail(s.audit, s.log, { onlyRefused: true }));
  app.use('/metrics', authenticate);
  const scrape = (_req: Request, res: Response, next: NextFunction): void => {
    m.metrics.scrape().then(({ contentType, body }) => {
      res.type(contentType).send(body);
    }, next);
  };
  app.route('/metrics').get(routeGuard('GET', '/metrics', METRICS_POLICY, deps), scrape).all(methodNotAllowed('/metrics', ['GET']));
}
