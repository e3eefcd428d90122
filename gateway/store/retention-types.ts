import type { AttachmentRef } from '../model/index.js';

/** Retention (DSGVO) in store terms: see docs/adr/0013-retention.md. */

/**
 * Retention of one service, in store terms (built from the service's config, ADR 0013):
 * a Vorgang of the service (its messages carry one of `leika`) is closed once a message of
 * a `closedBy` type was delivered; `deleteAfterDays` after that its payloads go.
 */
export interface RetentionRule {
  service: string;
  leika: string[];
  closedBy: string[];
  deleteAfterDays: number;
}

/** A message whose payload retention may delete now. */
export interface RetentionCandidate {
  messageId: string;
  vorgangId: string;
  messageType: string;
  service: string;
  /** When the first `closedBy` message of the Vorgang was delivered (ISO). */
  closedAt: string;
  /** Payload size in bytes (plaintext). */
  size: number;
  attachments: AttachmentRef[];
}

/** What one purge removed. */
export interface PurgeResult {
  messageId: string;
  vorgangId: string;
  /** Payload bytes deleted (plaintext size). */
  bytes: number;
  /** Attachment hashes no unpurged message refers to any more: their files may go now. */
  attachmentsRemoved: string[];
  at: string;
}

/** One row of the retention log. */
export interface RetentionRecord extends PurgeResult {
  seq: number;
  reason: string;
  /** `payload`: the payload was purged (first stage); `records`: the message's rows were deleted, this row is its tombstone (second stage, ADR 0049). */
  stage: 'payload' | 'records';
}

/** A message whose records the second retention stage may delete now (ADR 0049). */
export interface RecordDeletionCandidate {
  messageId: string;
  vorgangId: string;
  messageType: string;
  /** When the first stage purged its payload (ISO). */
  payloadPurgedAt: string;
}

/** What deleting one message's records removed (rows per table). */
export interface RecordDeletionResult {
  messageId: string;
  vorgangId: string;
  rows: { messages: number; transitions: number; forms: number; outbox: number; mailbox: number; xtaFetches: number; vorgangEvents: number };
  /** True when it was the last message of its Vorgang: the Vorgang's case events went with it. */
  vorgangGone: boolean;
  at: string;
}
