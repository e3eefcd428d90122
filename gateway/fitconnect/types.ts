import type { CallbackNotifier } from './callbacks.js';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/schema.js';
import type { SigningKey } from '../crypto/signing-key.js';
import type { Issue } from '../errors.js';
import type { IngressPipeline } from '../ingress/pipeline.js';
import type { AdmissionControl } from '../ingress/admission.js';
import type { RecipientKeys } from '../outbox/recipient-encryption.js';
import type { AttachmentStore } from '../store/attachments.js';
import type { DelegationStore, FitConnectStores, MailboxStore, MessageReads, MessageWrites } from '../store/contracts.js';
import type { FitDestinations } from './destinations.js';

/** What the FIT-Connect API needs from the gateway, built once by gateway/compose/fitconnect.ts. */
export interface FitConnectDeps {
  cfg: GatewayConfig;
  /**
   * Submissions (fitConnect), the stored messages and forms a reply carries, the destinations'
   * mailboxes, refused submits (recordRejection) and the runtime delegations (remit checks).
   */
  store: FitConnectStores & MessageReads & MailboxStore & Pick<MessageWrites, 'recordRejection'> & Pick<DelegationStore, 'delegationOverrides'>;
  attachments: AttachmentStore;
  pipeline: IngressPipeline;
  destinations: FitDestinations;
  /** The SET signing key and the issuer (`iss`) of the events. */
  signing: { key: SigningKey; issuer: () => string };
  /** Subscribers' public encryption keys by endpoint (participants[].encryptionKey). */
  recipientKeys?: RecipientKeys;
  /** Callbacks of the destinations (callbacks.ts, ADR 0028): told of each submission once it is stored. */
  callbacks?: Pick<CallbackNotifier, 'notifyNewSubmissions' | 'onDelivered' | 'setTarget' | 'targetUrl'>;
  /** Admission control of the writes (create, upload, submit; ADR 0036); absent: every request is taken. */
  admission?: AdmissionControl;
  log: Logger;
}

/** The services' submission schemas, compiled once: `check(file, value)` lists the findings. */
export interface ServiceSchemas {
  check(file: string, value: unknown): Issue[];
}
