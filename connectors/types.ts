import type { z } from 'zod';
import type { Logger } from 'pino';
import type { AttachmentRef, MessageHeader } from '../gateway/model/index.js';
import type { MessageStore } from '../gateway/store/types.js';

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
  /** The gateway's store (used by the store-backed mailbox connector). */
  store: MessageStore;
}

export interface ConnectorSpec<S extends z.ZodType = z.ZodType> {
  /** With protocol version where it matters: 'amqp091'. */
  name: string;
  summary: string;
  /** One schema: validation, defaults and the reference docs of the endpoint's `config`. */
  configSchema: S;
  /** Default per-endpoint concurrency (endpoint config `maxInFlight` overrides it). */
  maxInFlight: number;
  create(config: z.output<S>, ctx: ConnectorContext): Egress;
}
