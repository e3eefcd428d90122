import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { buildTlsOptions } from './auth/tls.js';
import { createAuth } from './auth/index.js';
import { certificatesOf, CrlFile } from './auth/crl.js';
import { readFileSync } from 'node:fs';
import type { X509Certificate } from 'node:crypto';
import { SigningKey } from './crypto/signing-key.js';
import { openAuditLog } from './audit/open.js';
import { auditDbPath } from './audit/sqlite.js';
import { loadAtRestRing, loadJweRing, loadRecipientKeys } from './crypto/config-keys.js';
import { hostname } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { createGatewayLogger } from './logging.js';
import { CONNECTORS } from '../connectors/index.js';
import { createApp } from './api/app.js';
import { buildXta } from './xta/router.js';
import { overviewSources } from './ui/sources.js';
import type { GatewayServices } from './api/services.js';
import type { GatewayConfig } from './config/schema.js';
import { DeadlineWatcher } from './deadlines/watcher.js';
import { buildChannels, type ChannelRuntime } from './ingress/channels.js';
import { routingApiOf, startCallbacks } from './fitconnect/wiring.js';
import { loadCallbackTargets } from './fitconnect/callbacks.js';
import { loadPipelineMapping } from './ingress/mappings.js';
import { IngressPipeline } from './ingress/pipeline.js';
import { createIngressSteps } from './ingress/steps/index.js';
import { AdmissionControl } from './ingress/admission.js';
import { registerAdmissionMetrics } from './monitoring/admission-metrics.js';
import { CircuitBreaker } from './outbox/breaker.js';
import { EndpointRuntime } from './outbox/endpoint.js';
import { DeliveryWorker } from './outbox/worker.js';
import { createMonitoring, type GatewayMetrics, type Monitoring } from './monitoring/index.js';
import { PACKAGE_ROOT, schemaRootPath } from './paths.js';
import { Router } from './routing/router.js';
import { createFsAttachmentStore, withUploaders } from './store/attachments.js';
import { UploadBudget, withUploadBudget } from './store/upload-budget.js';
import { createStore, type DurabilityTrace } from './store/index.js';
import { FitDestinations } from './fitconnect/destinations.js';
import { loadValidator } from './validation/index.js';

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

/**
 * Builds and starts one gateway process from a validated configuration: store (migrated),
 * validator (schemas compiled), router, connectors, delivery worker and HTTP API.
 */
export async function startGateway(cfg: GatewayConfig, opts: StartOptions = {}): Promise<GatewayHandle> {
  const log = opts.log ?? createGatewayLogger();
  const dataDir = resolve(cfg.store.dataDir);
  // Encryption keys (ADR 0009): at rest (generated development key by default), the gateway's JWE keys, participants' keys.
  const atRest = loadAtRestRing(cfg.crypto.atRest, dataDir, (file) =>
    log.warn({ file }, 'generated a DEVELOPMENT at-rest key for payloads and attachments; configure crypto.atRest in production'),
  );
  const jweKeys = await loadJweRing(cfg.crypto.jwe?.keys);
  // FIT-Connect callback secrets (ADR 0028) are read now, so a missing one stops the start before anything is opened.
  const callbackTargets = cfg.fitConnect.enabled ? loadCallbackTargets(cfg) : undefined;
  // FIT-Connect destinations (ADR 0027): configured keys are checked now, before anything is opened; development keys are made on first use.
  const fitDestinations = cfg.fitConnect.enabled
    ? FitDestinations.load(cfg, dataDir, (file) => log.warn({ file }, 'generated a DEVELOPMENT encryption key for a FIT-Connect destination; configure crypto.jwe.keys in production'))
    : undefined;
  // Recipient keys must chain to the participant CA when one is configured (and must not be revoked).
  const tls = cfg.server.tls;
  const trustAnchors = tls ? certificatesOf(readFileSync(tls.caFile, 'utf8')) : undefined;
  // One revocation list for the whole process: what a reload (file change or SIGHUP) reads is what every check uses.
  const crl = tls?.crlFile
    ? new CrlFile(tls.crlFile, tls.caFile, {
        ...(tls.crlCheckIntervalMs !== undefined ? { checkIntervalMs: tls.crlCheckIntervalMs } : {}),
        onReload: (lists) => log.info({ crlFile: tls.crlFile, revoked: lists.reduce((n, l) => n + l.revoked.size, 0) }, 'certificate revocation list changed on disk and was reloaded'),
        onReloadError: (err) => log.error({ crlFile: tls.crlFile, err: err.message }, 'changed CRL file is not usable; the previous list stays in force'),
      })
    : undefined;
  const recipientKeys = loadRecipientKeys(cfg.participants, {
    ...(trustAnchors ? { trustAnchors } : {}),
    ...(crl ? { isRevoked: (c: X509Certificate) => crl.isRevoked(c) } : {}),
  });
  const validator = await loadValidator(cfg.schemas.roots.map(schemaRootPath));
  // Mappings (ADR 0020): compiled once; every mapping the routes and JSON ingress name must exist (before anything is opened).
  const mapping = await loadPipelineMapping(cfg, validator).catch((err: unknown) => {
    validator.close();
    throw err;
  });
  // Metrics are built once the endpoints exist; the store's commit timings reach them from the first commit on.
  let metrics: GatewayMetrics | undefined;
  // The store runs in its worker thread (ADR 0034): no SQLite work, fsync or at-rest sealing on this event loop.
  const store = await createStore({
    kind: 'sqlite',
    thread: 'worker',
    path: join(dataDir, 'gateway.db'),
    atRest,
    onCommit: (seconds, _operations, committed) => {
      if (committed) metrics?.commit(seconds);
    },
    ...(opts.durabilityTrace ? { trace: opts.durabilityTrace } : {}),
  });
  await store.migrate();
  const attachments = withUploadBudget(withUploaders(createFsAttachmentStore(dataDir, atRest), store), new UploadBudget(cfg.server.uploadBudgetBytesPerHour, 3_600_000));
  const router = new Router(cfg, store);

  // One process owns an embedded SQLite file, so leases left by a crashed predecessor are
  // released at once; with a shared database each process has its own owner id (ADR 0011).
  const owner = store.kind === 'sqlite' ? 'embedded' : `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const released = await store.releaseOwner(owner);
  if (released > 0) log.warn({ released }, 'released outbox leases left by an earlier run');

  let worker: DeliveryWorker | null = null;
  const endpoints = new Map<string, EndpointRuntime>();
  for (const e of cfg.endpoints) {
    const spec = CONNECTORS[e.connector];
    if (spec?.create === undefined) throw new Error(`connector ${e.connector} vanished after config validation`);
    const elog = log.child({ endpoint: e.id, connector: spec.name });
    const egress = spec.create(spec.configSchema.parse(e.config), { endpointId: e.id, log: elog, mailboxes: store });
    const breaker = new CircuitBreaker(cfg.delivery.circuitBreaker.failureThreshold, cfg.delivery.circuitBreaker.cooldownMs);
    endpoints.set(e.id, new EndpointRuntime(e.id, spec.name, egress, e.maxInFlight ?? spec.maxInFlight, breaker, elog, () => worker?.wake()));
  }
  let baseUrl = '';
  // Inbound channels are built once the pipeline exists (below); metrics read their health on scrape.
  let channels: ReadonlyMap<string, ChannelRuntime> = new Map();
  // Metrics and alerts (ADR 0029): counters fed by the pipeline, the worker and mailbox acks; gauges read on scrape.
  const monitoring = createMonitoring({ cfg, store, endpoints, channels: () => [...channels.values()].map((c) => c.status()), log, recipientKeys, ...(jweKeys ? { jweKeys: jweKeys.publicJwks().keys } : {}), instance: () => `${hostname()}${baseUrl === '' ? '' : ` ${baseUrl}`}` });
  metrics = monitoring.metrics;
  worker = new DeliveryWorker({ store, endpoints, delivery: cfg.delivery, log: log.child({ component: 'outbox' }), owner, recipientKeys, mapping: mapping.step, observer: monitoring.metrics });
  const w = worker;
  // Validation and mappings of ingress in worker threads (ADR 0047; `ingress.workers`), each loaded before the gateway is ready.
  const steps = await createIngressSteps(cfg, validator, mapping, router);
  const pipeline = new IngressPipeline(validator, router, store, log.child({ component: 'ingress' }), () => w.wake(), jweKeys, mapping, monitoring.metrics, steps);
  // Admission control (ADR 0036): ingress is refused (503/429) instead of queueing when the store or the outbox falls behind.
  const admission = new AdmissionControl(cfg.ingress.admission, { pressure: () => store.pressure(), outboxDepth: () => store.outboxDepth() });
  await admission.start();
  registerAdmissionMetrics(monitoring.metrics.registry, admission);
  // Inbound channels (ingress connectors, ADR 0037): built now, started once the gateway is ready.
  channels = buildChannels({ cfg, connectors: CONNECTORS, pipeline, store, log, admission });
  const lifecycle = { ready: false, shuttingDown: false };
  // In the store worker thread beside the message store (ADR 0034): its group commit and hash chain off the event loop.
  const audit = await openAuditLog({ path: auditDbPath(dataDir), thread: 'worker' });
  const callbacks = callbackTargets ? startCallbacks(cfg, dataDir, log, callbackTargets) : undefined;
  const services: GatewayServices = { cfg, store, attachments, validator, router, pipeline, worker, endpoints, log, lifecycle, audit, recipientKeys, monitoring, channels, admission, ...(callbacks ? { fitConnectCallbacks: callbacks.notifier } : {}) };

  const mtls = tls !== undefined && tls.clientAuth === 'required';
  const signingKey = new SigningKey(cfg.crypto.signingKeyFile ?? join(dataDir, 'keys', 'gateway-sig.private.jwk.json'), cfg.crypto.signingKeyFile === undefined, (file) =>
    log.warn({ file }, 'generated a DEVELOPMENT signing key for receipts; configure crypto.signingKeyFile in production'),
  );
  const signing = { key: signingKey, issuer: () => cfg.crypto.issuer ?? `${baseUrl}/` };
  // Authentication (mTLS and/or OAuth2 Bearer tokens) and roles: gateway/auth, ADR 0012.
  const auth = createAuth(cfg, { log, mtls, ...(crl ? { crl } : {}) });
  // The FIT-Connect-compatible API (ADR 0027), mounted by createApp at fitConnect.basePath.
  if (fitDestinations) services.fitConnect = { cfg, store, attachments, pipeline, admission, log: log.child({ component: 'fit-connect' }), signing, recipientKeys, destinations: fitDestinations, ...(callbacks ? { callbacks: callbacks.notifier } : {}) };
  if (fitDestinations) services.fitConnectRouting = routingApiOf(cfg, dataDir, fitDestinations, () => (cfg.crypto.issuer ?? `${baseUrl}/`).replace(/\/+$/, ''), log);
  // The monitoring UI's overview shows the live alerts and this month's service figures (ADR 0030).
  services.xta = await buildXta(services);
  const app = createApp(services, { signing, auth, ui: overviewSources(services) });
  const timeouts = serverTimeouts(cfg.server);
  // The CRL was read (and checked) above: buildTlsOptions gets no crlFile, so no second copy exists.
  const server: Server = tls
    ? createHttpsServer({ ...buildTlsOptions({ certFile: tls.certFile, keyFile: tls.keyFile, caFile: tls.caFile, requestClientCert: mtls }), ...timeouts }, app)
    : createHttpServer(timeouts, app);
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? cfg.server.port, opts.host ?? cfg.server.host, () => {
      server.off('error', fail);
      ok();
    });
  });
  const reloadCrl = () => {
    try {
      crl?.reload();
      log.info({ crlFile: tls?.crlFile }, 'certificate revocation list reloaded');
    } catch (err) {
      log.error({ crlFile: tls?.crlFile, err: err instanceof Error ? err.message : String(err) }, 'CRL reload failed; the previous list stays in force');
    }
  };
  if (crl) process.on('SIGHUP', reloadCrl);
  server.keepAliveTimeout = cfg.server.keepAliveTimeoutMs;
  worker.start();
  const deadlines = new DeadlineWatcher({ cfg, store, router, validator, log: log.child({ component: 'deadlines' }), onAccepted: () => w.wake() });
  deadlines.start();
  for (const c of channels.values()) c.start();
  monitoring.start();
  lifecycle.ready = true;
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : cfg.server.port;
  baseUrl = `${tls ? 'https' : 'http'}://${cfg.server.host === '0.0.0.0' ? '127.0.0.1' : cfg.server.host}:${port}`;
  log.info({ port, store: store.kind, dataDir, messageTypes: validator.messageTypes().length, endpoints: endpoints.size }, 'zsa-gateway ready');

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      lifecycle.shuttingDown = true;
      if (crl) process.off('SIGHUP', reloadCrl);
      await Promise.all([...channels.values()].map((c) => c.close().catch((err: unknown) => log.warn({ channel: c.id, err: String(err) }, 'inbound channel close failed'))));
      await deadlines.stop();
      await callbacks?.close();
      await monitoring.close();
      admission.stop();
      const httpClosed = new Promise<void>((ok) => server.close(() => ok()));
      server.closeIdleConnections();
      await w.stop();
      // Connector close is bounded by the grace period too: a peer that holds requests open must not hold the shutdown.
      const closes = Promise.all([...endpoints.values()].map((e) => e.close().catch((err: unknown) => log.warn({ endpoint: e.id, err: String(err) }, 'connector close failed'))));
      const graceOver = new Promise<'timeout'>((ok) => setTimeout(() => ok('timeout'), cfg.delivery.shutdownGraceMs).unref());
      if ((await Promise.race([closes, graceOver])) === 'timeout') log.warn('connectors did not close within the grace period; stopping anyway');
      server.closeAllConnections();
      await httpClosed;
      await steps.close();
      validator.close();
      await audit.close();
      await store.close();
      await fitDestinations?.close();
      log.info('zsa-gateway stopped');
    })());
  return { url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`, port, services, close, reloadCrl, revocation: crl, deadlines, monitoring, admission };
}
