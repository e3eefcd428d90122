import type { Logger } from 'pino';
import { CONNECTORS } from '../../connectors/index.js';
import type { GatewayConfig } from '../config/schema.js';
import type { PrivateKeyRing } from '../crypto/keyring.js';
import { AdmissionControl } from '../ingress/admission.js';
import { buildChannels, type ChannelRuntime } from '../ingress/channels.js';
import { IngressPipeline } from '../ingress/pipeline.js';
import { createIngressSteps } from '../ingress/steps/index.js';
import type { loadPipelineMapping } from '../ingress/mappings.js';
import { registerAdmissionMetrics } from '../monitoring/admission-metrics.js';
import type { GatewayMetrics } from '../monitoring/index.js';
import { Router } from '../routing/router.js';
import type { BacklogReads, DelegationStore, MessageReads, MessageWrites, StoreLifecycle, UploadLedger, VorgangEventReads } from '../store/contracts.js';
import type { MessageValidator } from '../validation/types.js';
import type { Part } from './parts.js';

/** What ingress uses of the store: the pipeline's writes and reads, the router's delegations, admission's figures. */
export type IngressStore = MessageWrites & MessageReads & VorgangEventReads & UploadLedger & DelegationStore & Pick<BacklogReads, 'outboxDepth'> & Pick<StoreLifecycle, 'pressure'>;

export interface IngressBuildOptions {
  cfg: GatewayConfig;
  log: Logger;
  store: IngressStore;
  validator: MessageValidator;
  mapping: Awaited<ReturnType<typeof loadPipelineMapping>>;
  jweKeys: PrivateKeyRing | undefined;
  /** Wakes the delivery worker after a commit. */
  wake: () => void;
  /** Counts the pipeline's outcomes; admission control's figures are registered on its registry. */
  metrics: GatewayMetrics;
}

export interface Ingress {
  router: Router;
  pipeline: IngressPipeline;
  admission: AdmissionControl;
  channels: ReadonlyMap<string, ChannelRuntime>;
  /** Admission control runs from the build on (its figures are read before the first request); closed after monitoring. */
  admissionPart: Part;
  /** Stops the ingress worker pool (ADR 0047) once HTTP has drained, before the validator closes. */
  stepsPart: Part;
  /** Starts the inbound channels once the gateway is ready; the first thing closed at shutdown. */
  channelsPart: Part;
}

/**
 * The router, the ingress pipeline, admission control (ADR 0036, started here: ingress is
 * refused with 503/429 instead of queueing when the store or the outbox falls behind) and
 * the inbound channels (ingress connectors, ADR 0037; built, not started).
 */
export async function buildIngress(o: IngressBuildOptions, own: (p: Part) => void): Promise<Ingress> {
  const router = new Router(o.cfg, o.store);
  // Validation and mappings of ingress in worker threads (ADR 0047; `ingress.workers`), each loaded before the gateway is ready.
  const steps = await createIngressSteps(o.cfg, o.validator, o.mapping, router);
  const stepsPart: Part = { name: 'ingress workers', close: () => steps.close() };
  own(stepsPart);
  const pipeline = new IngressPipeline(o.validator, router, o.store, o.log.child({ component: 'ingress' }), o.wake, o.jweKeys, o.mapping, o.metrics, steps);
  const admission = new AdmissionControl(o.cfg.ingress.admission, { pressure: () => o.store.pressure(), outboxDepth: () => o.store.outboxDepth() });
  const admissionPart: Part = { name: 'admission control', close: () => admission.stop() };
  own(admissionPart);
  await admission.start();
  registerAdmissionMetrics(o.metrics.registry, admission);
  const channels = buildChannels({ cfg: o.cfg, connectors: CONNECTORS, pipeline, store: o.store, log: o.log, admission });
  const channelsPart: Part = {
    name: 'inbound channels',
    start: () => {
      for (const c of channels.values()) c.start();
    },
    close: async () => {
      await Promise.all([...channels.values()].map((c) => c.close().catch((err: unknown) => o.log.warn({ channel: c.id, err: String(err) }, 'inbound channel close failed'))));
    },
  };
  own(channelsPart);
  return { router, pipeline, admission, channels, admissionPart, stepsPart, channelsPart };
}
