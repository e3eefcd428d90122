import type { JWK } from 'jose';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/schema.js';
import type { ChannelRuntime } from '../ingress/channels.js';
import { createMonitoring, type Monitoring } from '../monitoring/index.js';
import type { EndpointRuntime } from '../outbox/endpoint.js';
import type { BacklogReads } from '../store/contracts.js';
import type { Part } from './parts.js';

export interface MonitoringBuildOptions {
  cfg: GatewayConfig;
  log: Logger;
  store: BacklogReads;
  endpoints: ReadonlyMap<string, EndpointRuntime>;
  /** The inbound channels, built after monitoring (their sinks count into its metrics): read on scrape. */
  channels: () => ReadonlyMap<string, ChannelRuntime>;
  recipientKeys: ReadonlyMap<string, JWK>;
  jweKeys: readonly JWK[] | undefined;
  /** The instance name sent with alert events (the base URL once the server listens). */
  instance: () => string;
}

/** Metrics and alerts (ADR 0029): counters fed by the pipeline, the worker and mailbox acks; gauges read on scrape. Its start evaluates alerts periodically. */
export function buildMonitoring(o: MonitoringBuildOptions, own: (p: Part) => void): { monitoring: Monitoring; part: Part } {
  const monitoring = createMonitoring({
    cfg: o.cfg,
    store: o.store,
    endpoints: o.endpoints,
    channels: () => [...o.channels().values()].map((c) => c.status()),
    log: o.log,
    recipientKeys: o.recipientKeys,
    ...(o.jweKeys ? { jweKeys: o.jweKeys } : {}),
    instance: o.instance,
  });
  const part: Part = { name: 'monitoring', start: () => monitoring.start(), close: () => monitoring.close() };
  own(part);
  return { monitoring, part };
}
