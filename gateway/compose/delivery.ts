import type { Logger } from 'pino';
import { CONNECTORS } from '../../connectors/index.js';
import type { GatewayConfig } from '../config/schema.js';
import type { MappingStep } from '../ingress/mapping-step.js';
import { CircuitBreaker } from '../outbox/breaker.js';
import { EndpointRuntime } from '../outbox/endpoint.js';
import type { RecipientKeys } from '../outbox/recipient-encryption.js';
import { DeliveryWorker, type DeliveryObserver } from '../outbox/worker.js';
import type { MailboxStore, OutboxStore } from '../store/contracts.js';
import type { Part } from './parts.js';

export interface Endpoints {
  endpoints: Map<string, EndpointRuntime>;
  /** Closes the connectors, bounded by the grace period: a peer that holds requests open must not hold the shutdown. */
  part: Part;
}

/**
 * One egress connector per configured endpoint, each behind its circuit breaker. Nothing
 * connects yet: the delivery worker's start does. `wake` is called when an endpoint connects.
 */
export function buildEndpoints(cfg: GatewayConfig, log: Logger, mailboxes: MailboxStore, wake: () => void, own: (p: Part) => void): Endpoints {
  const endpoints = new Map<string, EndpointRuntime>();
  for (const e of cfg.endpoints) {
    const spec = CONNECTORS[e.connector];
    if (spec?.create === undefined) throw new Error(`connector ${e.connector} vanished after config validation`);
    const elog = log.child({ endpoint: e.id, connector: spec.name });
    const egress = spec.create(spec.configSchema.parse(e.config), { endpointId: e.id, log: elog, mailboxes });
    const breaker = new CircuitBreaker(cfg.delivery.circuitBreaker.failureThreshold, cfg.delivery.circuitBreaker.cooldownMs);
    endpoints.set(e.id, new EndpointRuntime(e.id, spec.name, egress, e.maxInFlight ?? spec.maxInFlight, breaker, elog, wake));
  }
  const part: Part = {
    name: 'connectors',
    close: async () => {
      const closes = Promise.all([...endpoints.values()].map((e) => e.close().catch((err: unknown) => log.warn({ endpoint: e.id, err: String(err) }, 'connector close failed'))));
      const graceOver = new Promise<'timeout'>((ok) => setTimeout(() => ok('timeout'), cfg.delivery.shutdownGraceMs).unref());
      if ((await Promise.race([closes, graceOver])) === 'timeout') log.warn('connectors did not close within the grace period; stopping anyway');
    },
  };
  own(part);
  return { endpoints, part };
}

export interface DeliveryBuildOptions {
  cfg: GatewayConfig;
  log: Logger;
  store: OutboxStore;
  endpoints: ReadonlyMap<string, EndpointRuntime>;
  owner: string;
  recipientKeys: RecipientKeys;
  mapping: MappingStep;
  observer: DeliveryObserver;
}

export interface Delivery {
  worker: DeliveryWorker;
  /** Starts the outbox loop; its close lets in-flight deliveries finish (grace) and gives every lease back. */
  part: Part;
}

/** The delivery worker over the outbox. */
export function buildDelivery(o: DeliveryBuildOptions, own: (p: Part) => void): Delivery {
  const worker = new DeliveryWorker({ store: o.store, endpoints: o.endpoints, delivery: o.cfg.delivery, log: o.log.child({ component: 'outbox' }), owner: o.owner, recipientKeys: o.recipientKeys, mapping: o.mapping, observer: o.observer });
  const part: Part = { name: 'delivery worker', start: () => worker.start(), close: () => worker.stop() };
  own(part);
  return { worker, part };
}
