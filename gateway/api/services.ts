import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Monitoring } from '../monitoring/index.js';
import type { AuditLog } from '../audit/types.js';
import type { RecipientKeys } from '../outbox/recipient-encryption.js';
import type { GatewayConfig } from '../config/schema.js';
import type { IngressPipeline } from '../ingress/pipeline.js';
import type { ChannelRuntime } from '../ingress/channels.js';
import type { AdmissionControl } from '../ingress/admission.js';
import type { EndpointRuntime } from '../outbox/endpoint.js';
import type { DeliveryWorker } from '../outbox/worker.js';
import type { Router } from '../routing/router.js';
import type { AttachmentStore } from '../store/attachments.js';
import type { MessageStore } from '../store/types.js';
import type { MessageValidator } from '../validation/types.js';
import type { CallbackNotifier } from '../fitconnect/callbacks.js';
import type { FitConnectDeps } from '../fitconnect/types.js';
import type { XtaRuntime } from '../xta/router.js';

/** Everything the HTTP API needs, built once by the composition root (gateway/compose/). */
export interface GatewayServices {
  cfg: GatewayConfig;
  /** The whole store: only the composition root and createApp hold it; each route module declares the contracts it uses (`ServicesWith`). */
  store: MessageStore;
  attachments: AttachmentStore;
  validator: MessageValidator;
  router: Router;
  pipeline: IngressPipeline;
  worker: DeliveryWorker;
  endpoints: ReadonlyMap<string, EndpointRuntime>;
  /** Inbound channels (ingress connectors, gateway/ingress/channels.ts); absent in unit setups. */
  channels?: ReadonlyMap<string, ChannelRuntime>;
  log: Logger;
  /** Every API access is recorded here (gateway/api/audit.ts); absent only in unit setups. */
  audit?: AuditLog;
  /** Public encryption keys of receiving participants by endpoint id (mailbox fetches are encrypted to them). */
  recipientKeys?: RecipientKeys;
  /** The FIT-Connect-compatible API (ADR 0027), when `fitConnect.enabled`; mounted at `fitConnect.basePath`. */
  fitConnect?: FitConnectDeps;
  lifecycle: { ready: boolean; shuttingDown: boolean };
  /** FIT-Connect callbacks (`fitConnect.enabled`): the submission side calls `notifyNewSubmissions` after a submit is stored. */
  fitConnectCallbacks?: CallbackNotifier;
  /** The FIT-Connect Routing API (gateway/fitconnect/routing.ts, `fitConnect.enabled`): public, mounted at `<fitConnect.basePath>/routing`. */
  fitConnectRouting?: RequestHandler;
  /** The XTA 2 web service (ADR 0040), when `xta.enabled`; mounted by createApp at `xta.basePath`. */
  xta?: XtaRuntime;
  /** Metrics and alerts (gateway/monitoring, ADR 0029); absent in unit setups: then /metrics and /api/v1/alerts are not served. */
  monitoring?: Monitoring;
  /** Admission control of ingress (ADR 0036); absent in unit setups: every request is taken. */
  admission?: AdmissionControl;
}

/**
 * The services with only the store contracts a module uses (gateway/store/contracts.ts, ADR
 * 0044), e.g. `ServicesWith<MessageReads & ReplayStore>`: the module's signature tells what of
 * the store it depends on, and the full GatewayServices is still what callers pass.
 */
export type ServicesWith<S> = Omit<GatewayServices, 'store'> & { store: S };
