import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { CrlFile } from './auth/crl.js';
import { createGatewayLogger } from './logging.js';
import type { GatewayServices } from './api/services.js';
import type { GatewayConfig } from './config/schema.js';
import type { DeadlineWatcher } from './deadlines/watcher.js';
import type { DeliveryWorker } from './outbox/worker.js';
import type { AdmissionControl } from './ingress/admission.js';
import type { GatewayMetrics, Monitoring } from './monitoring/index.js';
import type { ChannelRuntime } from './ingress/channels.js';
import type { DurabilityTrace } from './store/index.js';
import { buildXta } from './xta/router.js';
import { buildDeadlines } from './compose/deadlines.js';
import { buildDelivery, buildEndpoints } from './compose/delivery.js';
import { buildFitConnect } from './compose/fitconnect.js';
import { buildHttp, ServerAddress } from './compose/http.js';
import { buildIngress } from './compose/ingress.js';
import { buildKeys } from './compose/keys.js';
import { buildMonitoring } from './compose/monitoring.js';
import { Assembly, type Part } from './compose/parts.js';
import { buildAudit, buildGrants, buildStore } from './compose/store.js';
import { buildValidation } from './compose/validation.js';

export { serverTimeouts } from './compose/http.js';

export interface StartOptions {
  log?: Logger;
  /** Overrides `server.port` (0 = any free port). */
  port?: number;
  host?: string;
  /** Test aid: the store worker records each batch's COMMIT on this trace (gateway/store/durability-trace.ts). */
  durabilityTrace?: DurabilityTrace;
}

export interface GatewayHandle {
  url: string;
  port: number;
  services: GatewayServices;
  /** Graceful stop: no new requests, in-flight deliveries finish or are released, store closed. Idempotent. */
  close(): Promise<void>;
  /** Re-reads the CRL file (also on SIGHUP); keeps the old list when the new one is invalid. The file is also re-read when it changes. */
  reloadCrl(): void;
  /** The one revocation list in force (server.tls.crlFile), shared by mTLS and the recipient-key checks; undefined without a CRL. */
  revocation: CrlFile | undefined;
  /** The deadline watcher (ADR 0023); `tick(now)` runs one pass now. */
  deadlines: DeadlineWatcher;
  /** Metrics and alerts (ADR 0029); `monitoring.alerts.evaluate(now)` runs one evaluation now. */
  monitoring: Monitoring;
  /** Admission control of ingress (ADR 0036); `admission.state()` shows its figures. */
  admission: AdmissionControl;
}

/**
 * Builds and starts one gateway process from a validated configuration (ADR 0044): each
 * concern is built by its builder in gateway/compose/, then the parts start in the order
 * below and close in the reverse order. A builder or a start that fails closes what was
 * opened before the error reaches the caller.
 */
export async function startGateway(cfg: GatewayConfig, opts: StartOptions = {}): Promise<GatewayHandle> {
  const log = opts.log ?? createGatewayLogger();
  const dataDir = resolve(cfg.store.dataDir);
  const parts = new Assembly(log);
  const own = (p: Part) => void parts.own(p);
  const address = new ServerAddress();
  const lifecycle = { ready: false, shuttingDown: false };
  return parts.build(async () => {
    // Keys, certificates, secrets, schemas and mappings are read before the store is opened: a bad configuration stops here.
    const keys = await buildKeys(cfg, dataDir, log, own);
    const validation = await buildValidation(cfg, own);
    // Metrics are built once the endpoints exist; the store's commit timings reach them from the first commit on.
    let metrics: GatewayMetrics | undefined;
    const stores = await buildStore({ cfg, dataDir, atRest: keys.atRest, state: keys.state, log, onCommitted: (seconds) => metrics?.commit(seconds), ...(opts.durabilityTrace ? { durabilityTrace: opts.durabilityTrace } : {}) }, own);
    const { store, attachments } = stores;
    let worker: DeliveryWorker | undefined;
    const wake = () => worker?.wake();
    const endpoints = buildEndpoints(cfg, log, store, wake, own);
    let channels: ReadonlyMap<string, ChannelRuntime> = new Map();
    const monitoring = buildMonitoring({ cfg, log, store, endpoints: endpoints.endpoints, channels: () => channels, recipientKeys: keys.recipientKeys, jweKeys: keys.jweKeys?.publicJwks().keys, instance: () => `${hostname()}${address.baseUrl === '' ? '' : ` ${address.baseUrl}`}` }, own);
    metrics = monitoring.monitoring.metrics;
    const delivery = buildDelivery({ cfg, log, store, endpoints: endpoints.endpoints, owner: stores.owner, recipientKeys: keys.recipientKeys, mapping: validation.mapping.step, observer: metrics }, own);
    worker = delivery.worker;
    const ingress = await buildIngress({ cfg, log, store, validator: validation.validator, mapping: validation.mapping, jweKeys: keys.jweKeys, wake, metrics }, own);
    channels = ingress.channels;
    const audit = await buildAudit(keys.state, dataDir, own);
    const grants = await buildGrants(keys.state, own);
    const signing = { key: keys.signingKey, issuer: () => cfg.crypto.issuer ?? `${address.baseUrl}/` };
    const fit = await buildFitConnect({ cfg, dataDir, log, keys, gateway: { store, attachments, pipeline: ingress.pipeline, admission: ingress.admission }, signing }, own);
    const { router, pipeline, admission } = ingress;
    const services: GatewayServices = { cfg, store, attachments, validator: validation.validator, router, pipeline, worker: delivery.worker, endpoints: endpoints.endpoints, log, lifecycle, audit: audit.audit, recipientKeys: keys.recipientKeys, monitoring: monitoring.monitoring, channels, admission };
    if (fit.callbacks) services.fitConnectCallbacks = fit.callbacks;
    if (fit.deps) services.fitConnect = fit.deps;
    if (fit.routing) services.fitConnectRouting = fit.routing;
    services.xta = await buildXta(services);
    const http = buildHttp({ cfg, log, services, keys, grants: grants.grants, signing, address, ...(opts.port !== undefined ? { port: opts.port } : {}), ...(opts.host !== undefined ? { host: opts.host } : {}) }, own);
    const deadlines = buildDeadlines({ cfg, log, store, router, validator: validation.validator, wake }, own);
    const readiness: Part = {
      name: 'readiness',
      start: () => {
        lifecycle.ready = true;
        log.info({ port: address.port, store: store.kind, dataDir, messageTypes: validation.validator.messageTypes().length, endpoints: endpoints.endpoints.size }, 'zsa-gateway ready');
      },
      close: () => {
        lifecycle.shuttingDown = true;
      },
    };
    own(readiness);

    // Start order; shutdown runs it backwards: readiness, SIGHUP, channels, deadlines, callbacks, monitoring, admission,
    // HTTP stops listening, worker, connectors (bounded by the grace), HTTP connections, validator, audit, store, destinations.
    await parts.start([
      keys.destinations,
      stores.part,
      grants.part,
      audit.part,
      validation.part,
      ingress.stepsPart,
      http.drain,
      endpoints.part,
      delivery.part,
      http.listener,
      ingress.admissionPart,
      monitoring.part,
      fit.part,
      deadlines.part,
      ingress.channelsPart,
      keys.crlReload,
      readiness,
    ]);

    let closing: Promise<void> | undefined;
    const close = () => (closing ??= parts.close().finally(() => log.info('zsa-gateway stopped')));
    const tls = cfg.server.tls;
    return { url: `${tls ? 'https' : 'http'}://127.0.0.1:${address.port}`, port: address.port, services, close, reloadCrl: keys.reloadCrl, revocation: keys.crl, deadlines: deadlines.deadlines, monitoring: monitoring.monitoring, admission };
  });
}
