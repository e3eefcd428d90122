import type { JWK } from 'jose';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/schema.js';
import type { EndpointRuntime } from '../outbox/endpoint.js';
import type { BacklogReads } from '../store/contracts.js';
import { AlertEvaluator, type Alert, type AlertSink } from './alerts.js';
import { watchedCertificates } from './certificates.js';
import { endpointUp, GatewayMetrics } from './metrics.js';
import { AlertWebhook } from './webhook.js';

export { GatewayMetrics } from './metrics.js';
export { AlertEvaluator, type Alert } from './alerts.js';

export interface MonitoringDeps {
  cfg: GatewayConfig;
  store: Pick<BacklogReads, 'backlog'>;
  endpoints: ReadonlyMap<string, EndpointRuntime>;
  log: Logger;
  recipientKeys?: ReadonlyMap<string, JWK>;
  jweKeys?: readonly JWK[];
  /** Inbound channels with their live health (gateway/ingress/channels.ts), read on scrape. */
  channels?: () => ReadonlyArray<{ id: string; connector: string; health: { status: string } }>;
  /** The instance name sent with alert events (the base URL once the server listens). */
  instance: () => string;
  /** Options for tests: the webhook's first retry delay. */
  webhookRetryBaseMs?: number;
}

/** Metrics, alert evaluator and webhook of one gateway process (ADR 0029); built by gateway/compose/monitoring.ts. */
export interface Monitoring {
  metrics: GatewayMetrics;
  alerts: AlertEvaluator;
  /** Present when `monitoring.webhook` is configured. */
  webhook?: AlertWebhook;
  /** Starts the periodic evaluation (`monitoring.evaluateIntervalMs`). */
  start(): void;
  /** Stops evaluating, then the webhook (events still queued are logged). Idempotent. */
  close(): Promise<void>;
}

export function createMonitoring(d: MonitoringDeps): Monitoring {
  const log = d.log.child({ component: 'monitoring' });
  const certificates = () => watchedCertificates({ cfg: d.cfg, ...(d.recipientKeys ? { recipientKeys: d.recipientKeys } : {}), ...(d.jweKeys ? { jweKeys: d.jweKeys } : {}) });
  const hook = d.cfg.monitoring.webhook;
  const webhook = hook === undefined ? undefined : new AlertWebhook(hook, d.instance, log, d.webhookRetryBaseMs === undefined ? {} : { retryBaseMs: d.webhookRetryBaseMs });
  const sink: AlertSink = webhook ?? { raise: (_a: Alert) => undefined };
  const alerts = new AlertEvaluator(
    d.cfg.monitoring.alerts,
    {
      backlog: () => d.store.backlog(),
      endpointIds: [...d.endpoints.keys()],
      endpointUp: (id) => {
        const e = d.endpoints.get(id);
        return e !== undefined && endpointUp(e);
      },
      certificates,
    },
    sink,
    log,
    d.cfg.monitoring.recentAlerts,
  );
  const metrics = new GatewayMetrics(d.cfg, { backlog: () => d.store.backlog(), endpoints: d.endpoints, certificates, activeAlerts: () => alerts.active(), ...(d.channels && { channels: d.channels }) });
  let closing: Promise<void> | null = null;
  return {
    metrics,
    alerts,
    ...(webhook ? { webhook } : {}),
    start: () => alerts.start(d.cfg.monitoring.evaluateIntervalMs),
    close: () =>
      (closing ??= (async () => {
        await alerts.stop();
        await webhook?.close();
      })()),
  };
}
