/**
 * The CPU-heavy steps of ingress (ADR 0047): parsing with the layered validation, the
 * ingress mapping of form and dialect submissions, and the delivery mapping. The pipeline
 * (gateway/ingress/pipeline.ts) asks an `IngressSteps` for them and keeps HTTP, routing, the
 * authorization and the store hand-off on the main thread; `LocalSteps` runs them on the
 * calling thread (`ingress.workers: inline`), `PooledSteps` in worker threads.
 *
 * Results hold exactly what the pipeline needs (header, warnings, the mapped XML and the
 * original form's description, the delivery form); errors are GatewayErrors with their code,
 * issues and extra, whichever thread ran the step.
 */
import type { EndpointConfig, IngressMediaType, MappingsConfig } from '../../config/schema.js';
import type { MessageHeader, NewForm } from '../../model/index.js';
import type { RouteMatch } from '../../routing/route-match.js';
import type { EvidenceConfig } from '../../config/service-rules.js';
import type { EvidenceRead } from '../../validation/evidence.js';
import type { CheckedMessage } from '../../validation/types.js';
import type { DeliveryMapping } from '../mapping-step.js';
import type { Submitter } from '../form-ingress.js';

/** The validator's verdict as the pipeline keeps it: the header and one line per warning. */
export type Verdict = Pick<CheckedMessage, 'header' | 'warnings'> & {
  /** The evidence lists of the message, read where it was validated, by `evidenceKey` of each configured policy (absent: read later from the XML). */
  evidence?: Record<string, EvidenceRead>;
};

/** A form or dialect submission mapped to XÖV: the XML, its hash, the original form (without its body: the caller holds it) and the authors it may name. */
export interface MappedXml {
  xml: Buffer;
  /** SHA-512 (hex) of `xml`: the hash the message is kept under. */
  sha512: string;
  original: Omit<NewForm, 'body'>;
  /** Kennungs the mapped message may name as its author (the ingress mapping's `authors`); absent: any. */
  authors?: string[];
}

/**
 * The outcome of one ingress step. A refusal is returned, not thrown, so that it can say
 * which bytes it refers to: `sha512` of the mapped XML when a mapping produced it before
 * validation refused (the rejection log keeps that hash, as it did before the pool).
 */
export type Prepared =
  | { ok: true; verdict: Verdict; mapped?: MappedXml }
  | { ok: false; error: unknown; sha512?: string };

export interface IngressSteps {
  /** Layered validation of an XÖV message under the strictness of the route that will take it. */
  check(xml: Buffer): Promise<Prepared>;
  /** Maps a submission of `mediaType` (JSON, CSV, dialect XML) with its ingress mapping, then validates the XML (FormIngress.toXml). */
  fromForm(body: Buffer, mediaType: IngressMediaType, submitter: Submitter): Promise<Prepared>;
  /** The delivery mapping `name` (or a version marker) of a valid message (MappingStep.deliver): never throws for the message's sake. */
  deliver(name: string, payload: Buffer, h: Pick<MessageHeader, 'standard' | 'version' | 'messageType'>): Promise<DeliveryMapping>;
  /** Ends the worker threads (pool only); idempotent. */
  close(): Promise<void>;
}

/**
 * What a worker thread loads once at its start (structured-cloned as `workerData`): the same
 * schema sets and mappings as the main thread, the routes' match and strictness, and the few
 * participant and endpoint facts the mappings read. No secrets, no connector configuration.
 */
export interface StepsInit {
  schemaRoots: string[];
  /** Absolute mapping folders (empty: no mappings). */
  mappingDirs: string[];
  mappings: MappingsConfig;
  routes: RouteMatch[];
  /** Participant id → kennung (author check of mapped messages). */
  kennungs: Array<[string, string]>;
  endpoints: Array<Pick<EndpointConfig, 'id' | 'accepts'>>;
  /** The evidence policies of the services (`services[].evidence`, distinct): each valid message's lists are read in the worker, so the case check on the main thread does not parse the message again. */
  evidence: EvidenceConfig[];
}
