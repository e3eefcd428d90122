import type { z } from 'zod';
import type { Logger } from 'pino';
import type { AttachmentRef, MessageHeader } from '../gateway/model/index.js';
import type { MailboxStore } from '../gateway/store/contracts.js';

/** The message as a connector sees it when it leaves the gateway: the routing facts of its header (gateway/model) plus delivery facts. */
export interface OutboundMessage extends Pick<MessageHeader, 'messageUuid' | 'messageType' | 'vorgangId' | 'author' | 'reader' | 'leika' | 'ags' | 'test'> {
  gatewayId: string;
  /** 1 for the first attempt. */
  attempt: number;
  /**
   * `application/xml` (the XÖV payload), `application/jose` (a compact JWE: the participant's
   * encryption key, or a pass-through route), or the media type of a mapped form (`form` set:
   * e.g. `application/json`, `text/csv; charset=utf-8`). `sha512` is always that of `payload` as delivered.
   */
  contentType: string;
  /** Set when `payload` is a mapped form (ADR 0020): the name of the mapping that produced it. */
  form?: string;
  payload: Buffer;
  sha512: string;
  attachments: AttachmentRef[];
}

export interface DeliveryReceipt {
  /**
   * `delivered`: the peer acknowledged (HTTP 2xx, AMQP publisher confirm).
   * `in_mailbox`: stored in a pull mailbox; it counts as delivered only when the
   * receiver acknowledges it there.
   */
  outcome: 'delivered' | 'in_mailbox';
  /** Short human-readable detail kept in the message history (status code, queue, …). */
  detail: string;
  /** For `in_mailbox`: the mailbox name. */
  mailbox?: string;
}

export type ConnectorStatus = 'connecting' | 'up' | 'down' | 'closed';

export interface ConnectorHealth {
  status: ConnectorStatus;
  detail?: string;
  /** ISO time of the last status change. */
  since: string;
}

export interface Egress {
  /** Connects; the core retries with backoff when it throws. */
  connect(signal: AbortSignal): Promise<void>;
  /**
   * Resolves only after the other side acknowledged the message. Never retries itself:
   * throws RetryableError, PermanentError or NotConnectedError (connectors/errors.ts).
   */
  deliver(msg: OutboundMessage, signal: AbortSignal): Promise<DeliveryReceipt>;
  health(): ConnectorHealth;
  /** Idempotent: returns the same promise on every call. */
  close(): Promise<void>;
}

export interface ConnectorContext {
  /** Endpoint id from the configuration, for logs and names. */
  endpointId: string;
  log: Logger;
  /**
   * The gateway's pull mailboxes (the store-backed mailbox connector, an XTA 2 message box):
   * the narrow port, never the whole MessageStore. Connectors that talk to a remote peer ignore it.
   */
  mailboxes: MailboxStore;
}

// ---------------------------------------------------------------------------------------------
// Two-sided contract (issue 12). A connector is egress, ingress or both; each side gets only the
// narrow interface it needs. The ingress side hands what it received to an IngressSink and
// acknowledges/moves/deletes the item at its peer only after the sink said the gateway decided.
// ---------------------------------------------------------------------------------------------

export type ConnectorDirection = 'egress' | 'ingress' | 'both';

/**
 * One connector type: one folder under connectors/, listed in connectors/index.ts. `direction`
 * says which sides it has: `egress` has `create`, `ingress` has `createIngress`, `both` has both
 * (connectors/connectors.index.test.ts checks it). `configSchema` validates an endpoint's `config`
 * (egress); `ingressConfigSchema` an inbound channel's `config` (`ingress.connectors[]`) where the
 * ingress side needs other settings (AMQP: a queue to consume instead of an exchange to publish
 * to) — absent, `configSchema` serves both sides.
 */
export interface ConnectorSpec<S extends z.ZodType = z.ZodType, I extends z.ZodType = S> {
  /** With protocol version where it matters: 'amqp091'. */
  name: string;
  summary: string;
  direction: ConnectorDirection;
  /** One schema: validation, defaults and the reference docs of the endpoint's `config`. */
  configSchema: S;
  /** The inbound channel's `config` schema when it differs from `configSchema`. */
  ingressConfigSchema?: I;
  /**
   * Egress: default per-endpoint concurrency (endpoint config `maxInFlight` overrides it). An
   * ingress side bounds its submits by its own config (prefetch, parallel files; checked by the
   * ingress conformance suite); an ingress-only connector gives that setting's default here.
   */
  maxInFlight: number;
  /** The egress side (direction `egress` or `both`). */
  create?(config: z.output<S>, ctx: ConnectorContext): Egress;
  /** The ingress side (direction `ingress` or `both`). Takes no item before `start`. */
  createIngress?(config: z.output<I>, ctx: IngressContext): Ingress;
}

/** What an ingress connector received, as it received it. */
export interface InboundItem {
  /** The bytes as received: XÖV XML, a Fachverfahren dialect (CSV, JSON, legacy XML) or a compact JWE. */
  payload: Buffer;
  /**
   * Media type as the channel knows it (`application/xml`, `text/csv; charset=utf-8`, `application/json`,
   * `application/jose`); the gateway picks the dialect mapping from it and the author's configured
   * dialects (gateway/ingress/dialect-select.ts).
   */
  contentType: string;
  /** Where it came from, for logs and the rejection log: `<connector>:<id>/<item>` (a file name, a delivery tag). Never citizen data. */
  remote: string;
}

export type IngressOutcome =
  /** Durably stored (committed and fsync'd) — or already stored earlier (same author and message UUID). */
  | { outcome: 'accepted' | 'duplicate'; gatewayId: string }
  /** Refused for good and recorded in the rejection log (bad XML, out of remit, poison …): the item must not be offered again. */
  | { outcome: 'refused'; code: string };

export interface IngressSink {
  /**
   * Resolves only after the gateway decided: the message is durably stored, or refused for good and
   * recorded. Rejects when it could not decide now (store unavailable, overload, shutdown): the
   * connector leaves the item at its peer and offers it again later. An item that fails unexpectedly
   * again and again is taken as poison by the sink (recorded, answered as `refused`).
   */
  submit(item: InboundItem, signal: AbortSignal): Promise<IngressOutcome>;
}

export interface IngressContext {
  /** Id of this inbound channel from the configuration, for logs and names. */
  connectorId: string;
  log: Logger;
  sink: IngressSink;
}

export interface Ingress {
  /** Starts taking items; resolves once running. The core retries with backoff when it throws. */
  start(signal: AbortSignal): Promise<void>;
  health(): ConnectorHealth;
  /** Stops taking new items, lets running submits finish, releases everything. Same promise on every call. */
  close(): Promise<void>;
}

/** The pull mailbox as a connector (or the XTA 2 message box) needs it — not the whole MessageStore (gateway/store/contracts.ts). */
export type { MailboxStore };
