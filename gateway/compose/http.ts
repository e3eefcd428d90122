import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Logger } from 'pino';
import { createApp } from '../api/app.js';
import type { GatewayServices } from '../api/services.js';
import { createAuth } from '../auth/index.js';
import type { GrantStore } from '../auth/break-glass.js';
import { buildTlsOptions } from '../auth/tls.js';
import type { GatewayConfig } from '../config/schema.js';
import type { SigningKey } from '../crypto/signing-key.js';
import { overviewSources } from '../ui/sources.js';
import type { Keys } from './keys.js';
import type { Part } from './parts.js';

/**
 * Slow-client limits of the HTTP(S) server (ADR 0016). Node checks them every
 * `connectionsCheckingInterval`, so that interval is a quarter of the header timeout
 * (at most 5 s): a client dribbling its headers is cut off soon after the timeout.
 */
export function serverTimeouts(s: GatewayConfig['server']): { headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number } {
  return {
    headersTimeout: s.headersTimeoutMs,
    requestTimeout: s.requestTimeoutMs,
    connectionsCheckingInterval: Math.max(100, Math.min(5000, Math.floor(s.headersTimeoutMs / 4))),
  };
}

/** Where the server listens, known once it does: the issuer URL and the alert events name it. */
export class ServerAddress {
  /** `http(s)://host:port` as the gateway names itself; empty before the server listens. */
  baseUrl = '';
  /** The port it listens on; 0 before. */
  port = 0;
}

export interface HttpBuildOptions {
  cfg: GatewayConfig;
  log: Logger;
  services: GatewayServices;
  keys: Pick<Keys, 'crl'>;
  /** Where break-glass grants are kept (buildGrants). */
  grants: GrantStore;
  signing: { key: SigningKey; issuer: () => string };
  address: ServerAddress;
  /** Overrides `server.port` (0 = any free port) and `server.host`. */
  port?: number;
  host?: string;
}

export interface Http {
  server: Server;
  /** Starts listening (sets `address`); its close stops taking connections and closes the idle ones. */
  listener: Part;
  /** Closes the connections still open (after the delivery worker and the connectors) and waits until the server closed. */
  drain: Part;
}

/** The HTTP(S) server with the API, the monitoring UI, the FIT-Connect and XTA mounts (createApp), authentication and roles (ADR 0012). */
export function buildHttp(o: HttpBuildOptions, own: (p: Part) => void): Http {
  const { cfg, log } = o;
  const tls = cfg.server.tls;
  const mtls = tls !== undefined && tls.clientAuth === 'required';
  const auth = createAuth(cfg, { log, mtls, grants: o.grants, ...(o.keys.crl ? { crl: o.keys.crl } : {}) });
  // The monitoring UI's overview shows the live alerts and this month's service figures (ADR 0030).
  const app = createApp(o.services, { signing: o.signing, auth, ui: overviewSources(o.services) });
  const timeouts = serverTimeouts(cfg.server);
  // The CRL was read (and checked) by buildKeys: buildTlsOptions gets no crlFile, so no second copy exists.
  const server: Server = tls
    ? createHttpsServer({ ...buildTlsOptions({ certFile: tls.certFile, keyFile: tls.keyFile, caFile: tls.caFile, requestClientCert: mtls }), ...timeouts }, app)
    : createHttpServer(timeouts, app);
  server.keepAliveTimeout = cfg.server.keepAliveTimeoutMs;
  let closed: Promise<void> | undefined;
  const stopListening = () => (closed ??= new Promise<void>((ok) => server.close(() => ok())));
  const listener: Part = {
    name: 'http server',
    start: () =>
      new Promise<void>((ok, fail) => {
        server.once('error', fail);
        server.listen(o.port ?? cfg.server.port, o.host ?? cfg.server.host, () => {
          server.off('error', fail);
          const addr = server.address();
          o.address.port = typeof addr === 'object' && addr ? addr.port : cfg.server.port;
          o.address.baseUrl = `${tls ? 'https' : 'http'}://${cfg.server.host === '0.0.0.0' ? '127.0.0.1' : cfg.server.host}:${o.address.port}`;
          ok();
        });
      }),
    close: () => {
      void stopListening();
      server.closeIdleConnections();
    },
  };
  const drain: Part = {
    name: 'http connections',
    close: async () => {
      const done = stopListening();
      server.closeAllConnections();
      await done;
    },
  };
  own(drain);
  own(listener);
  return { server, listener, drain };
}
