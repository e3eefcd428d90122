import express, { type Express, type RequestHandler } from 'express';
import { GatewayError } from '../errors.js';
import { adminApi } from './admin.js';
import { auditTrail } from './audit.js';
import { receiptsApi } from './receipts.js';
import { proofApi, reportsApi } from '../reports/api.js';
import type { SigningKey } from '../crypto/signing-key.js';
import { createAuth, type AuthRuntime } from '../auth/index.js';
import { formsApi } from './forms.js';
import { mailboxApi } from './mailboxes.js';
import { messagesApi } from './messages.js';
import { notFound, problemHandler } from './problem.js';
import { apiRouter } from './route.js';
import { reply } from './contract-types.js';
import { Contract, contractChecks } from './contract.js';
import { contractDocs } from './docs.js';
import { alertsApi, mountMetrics } from '../monitoring/api.js';
import { mountUi, type OverviewSources } from '../ui/index.js';
import type { GatewayServices } from './services.js';
import { fitConnectRouter } from '../fitconnect/routes.js';
import { FitConnectService } from '../fitconnect/service.js';
import { mountXta } from '../xta/router.js';

/** The HTTP face of the gateway: /health, /ready, POST /token, the JWKS, the API contract with its docs, /metrics, /api/v1 and the monitoring UI at /ui (docs/api.md, gateway/api/openapi.yaml). */
export interface AppOptions {
  /** Authentication (mTLS and/or Bearer tokens), the token endpoint and break-glass grants (gateway/auth). Default: built from `s.cfg` without mTLS. */
  auth?: AuthRuntime;
  /** Replaces `auth.authenticate` (tests that mount one middleware of their own). */
  authenticate?: RequestHandler;
  /** The receipt/event signing key and the issuer URL (`iss`) of the SETs. */
  signing?: { key: SigningKey; issuer: () => string };
  /** Data sources the monitoring UI's overview shows when present (alerts, service figures; gateway/ui). */
  ui?: OverviewSources;
}

export function createApp(s: GatewayServices, opts: AppOptions = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  // Exact paths only (ADR 0014): `/API/v1/…`, `/health/` are no routes. Set before the first route creates the app router.
  app.enable('case sensitive routing');
  app.enable('strict routing');

  app.get('/health', (_req, res) => {
    reply(res, 'health', 200, { status: s.lifecycle.shuttingDown ? 'stopping' : 'ok' });
  });

  // Says ready or not, nothing more: it is unauthenticated. Store, endpoints, breakers and admission control are at /api/v1/admin/endpoints and /admin/stats.
  // Not ready while admission control refuses new messages (ADR 0036), so a load balancer sends them elsewhere.
  app.get('/ready', async (_req, res) => {
    if (!s.lifecycle.ready || s.lifecycle.shuttingDown) throw new GatewayError('GW_NOT_READY', s.lifecycle.shuttingDown ? 'shutting down' : 'starting');
    if (s.admission?.overloaded() === true) throw new GatewayError('GW_NOT_READY', 'not ready', { extra: { retryAfterSeconds: s.cfg.ingress.admission.retryAfterSeconds } });
    try {
      await s.store.ping();
    } catch (cause) {
      s.log.warn({ err: cause instanceof Error ? cause.message : String(cause) }, 'not ready: the store does not answer');
      throw new GatewayError('GW_NOT_READY', 'not ready', { cause });
    }
    reply(res, 'ready', 200, { status: 'ready' });
  });

  const receipts = opts.signing ? receiptsApi(s, opts.signing.key, opts.signing.issuer) : null;
  if (receipts) app.use(receipts.wellKnown);
  if (s.fitConnectRouting) app.use(`${s.cfg.fitConnect.basePath}/routing`, s.fitConnectRouting);
  const auth = opts.auth ?? createAuth(s.cfg, { log: s.log });
  app.use(auth.tokenRouter);
  // The contract and /api/docs are public, like the JWKS (ADR 0026); /api/v1 requests are checked against the contract.
  const contract = Contract.load();
  app.use(contractDocs(contract));
  // Every /api/v1 call is audited (allowed or refused), then: who is it (401 otherwise), then the route Express selects
  // runs its own policy first (403 otherwise; gateway/api/route.ts); no route: 404, another method: 405.
  if (s.audit) app.use('/api/v1', auditTrail(s.audit, s.log));
  const routes = [...messagesApi(s), ...formsApi(s), ...mailboxApi(s), ...adminApi(s, auth.grants), ...reportsApi(s), ...(receipts ? receipts.api : []), ...(opts.signing ? proofApi(s, opts.signing.key, opts.signing.issuer) : []), ...(s.monitoring ? alertsApi(s.monitoring) : [])];
  const deps = { cfg: s.cfg, store: s.store, grants: auth.grants, log: s.log };
  // Prometheus scrape (ADR 0029): outside /api/v1 by convention, but authenticated and guarded by its own policy like an API route.
  if (s.monitoring) mountMetrics(app, s, s.monitoring, opts.authenticate ?? auth.authenticate, deps);
  app.use('/api/v1', opts.authenticate ?? auth.authenticate, apiRouter(routes, deps, contractChecks('/api/v1', contract)));
  if (s.fitConnect && s.cfg.fitConnect.enabled) {
    const fitService = new FitConnectService(s.fitConnect);
    const fit = fitConnectRouter(fitService, s.fitConnect, opts.authenticate ?? auth.authenticate, { ...deps, fitConnect: fitService }, receipts?.wellKnown);
    app.use(s.cfg.fitConnect.basePath, ...(s.audit ? [auditTrail(s.audit, s.log)] : []), fit);
  }
  // The XTA 2 web service (ADR 0040): SOAP 1.2 ports, authenticated and audited like /api/v1; the WSDL is public.
  if (s.xta) mountXta(app, s.xta, opts.authenticate ?? auth.authenticate, s.audit ? [auditTrail(s.audit, s.log)] : [], deps, s.log);
  // The monitoring UI (ADR 0030): its routes carry their policies like the API's.
  mountUi(app, s, auth, opts.ui, opts.signing);
  app.use((req) => notFound(req));
  app.use(problemHandler(s.log));
  return app;
}
