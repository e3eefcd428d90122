import express, { type Express, type RequestHandler } from 'express';
import { GatewayError } from '../errors.js';
import { adminApi } from './admin.js';
import { receiptsApi } from './receipts.js';
import type { SigningKey } from '../crypto/signing-key.js';
import { mailboxApi } from './mailboxes.js';
import { messagesApi } from './messages.js';
import { notFound, problemHandler } from './problem.js';
import type { GatewayServices } from './services.js';

/** The HTTP face of the gateway: /health, /ready and /api/v1 (docs/api.md). */
export interface AppOptions {
  /** Runs before every /api/v1 handler (client-certificate authentication when mTLS is on). */
  authenticate?: RequestHandler;
  /** The receipt/event signing key and the issuer URL (`iss`) of the SETs. */
  signing?: { key: SigningKey; issuer: () => string };
}

export function createApp(s: GatewayServices, opts: AppOptions = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);

  app.get('/health', (_req, res) => {
    res.json({ status: s.lifecycle.shuttingDown ? 'stopping' : 'ok' });
  });

  app.get('/ready', async (_req, res) => {
    if (!s.lifecycle.ready || s.lifecycle.shuttingDown) throw new GatewayError('GW_NOT_READY', s.lifecycle.shuttingDown ? 'shutting down' : 'starting');
    try {
      await s.store.ping();
    } catch (cause) {
      throw new GatewayError('GW_NOT_READY', 'store is not reachable', { cause });
    }
    res.json({
      status: 'ready',
      store: s.store.kind,
      messageTypes: s.validator.messageTypes().length,
      endpoints: [...s.endpoints.values()].map((e) => ({ id: e.id, status: e.status().health.status, breaker: e.breaker.state })),
    });
  });

  const receipts = opts.signing ? receiptsApi(s, opts.signing.key, opts.signing.issuer) : null;
  if (receipts) app.use(receipts.wellKnown);
  if (opts.authenticate) app.use('/api/v1', opts.authenticate);
  app.use('/api/v1', messagesApi(s), mailboxApi(s), adminApi(s), ...(receipts ? [receipts.api] : []));
  app.use((req) => notFound(req));
  app.use(problemHandler(s.log));
  return app;
}
