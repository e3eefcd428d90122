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

/**
 * A Vorgang whose records the second retention stage may delete now (ADR 0049): every one of its
 * messages is final, its payload purged long enough ago, and not linked to FIT-Connect.
 */
export interface RecordDeletionCandidate {
  vorgangId: string;
  /** Its messages, in store order. */
  messageIds: string[];
  /** When the first stage purged the last of their payloads (ISO). */
  lastPurgedAt: string;
}

/** What deleting one Vorgang's records removed (rows per table). */
export interface RecordDeletionResult {
  vorgangId: string;
  messageIds: string[];
  rows: { messages: number; transitions: number; forms: number; outbox: number; mailbox: number; xtaFetches: number; vorgangEvents: number };
  at: string;
}
