/**
 * What the FIT-Connect-compatible Submission API keeps (ADR 0027): submissions from
 * `POST /v1/submissions` to the subscriber's accept or reject, their uploaded attachments
 * (compact JWEs as uploaded, encrypted to the destination's key) and the case's event log
 * (signed SETs, signed once when the event happens). The message a submission became is an
 * ordinary message of the store (`messageId`).
 */
export const FIT_SUBMISSION_STATUSES = ['created', 'submitted', 'accepted', 'rejected', 'deleted'] as const;
export type FitSubmissionStatus = (typeof FIT_SUBMISSION_STATUSES)[number];

export interface NewFitSubmission {
  submissionId: string;
  caseId: string;
  destinationId: string;
  /** The sending participant's id (`local` when auth is off). */
  author: string;
  leika: string;
  announced: readonly string[];
}

export interface FitSubmission extends NewFitSubmission {
  status: FitSubmissionStatus;
  /** The gateway message the submission became (set by submit). */
  messageId: string | null;
  /** The compact JWEs as the sender submitted them (encrypted to the destination's key). */
  encryptedMetadata: string | null;
  encryptedData: string | null;
  /** The reply key the sender named in its metadata (`replyChannel.fitConnect`), public JWK as JSON; null when none (ADR 0033). */
  replyKey: string | null;
  createdAt: string;
  updatedAt: string;
}

/** One signed event of a case's event log. */
export interface FitEventRecord {
  /** The event name (`create-submission`, …), for filtering without parsing the token. */
  event: string;
  /** The SET (compact JWS, PS512). */
  token: string;
}

export interface FitEvent extends FitEventRecord {
  seq: number;
  caseId: string;
  submissionId: string;
  at: string;
}

export interface SubmittedParts {
  messageId: string;
  encryptedMetadata: string;
  encryptedData: string;
  replyKey?: string | null;
}

export const FIT_REPLY_STATUSES = ['available', 'accepted'] as const;
export type FitReplyStatus = (typeof FIT_REPLY_STATUSES)[number];

/** An open mailbox item of a case's message (FitConnectStore.caseMailboxItems). */
export interface CaseMailboxItem {
  id: number;
  mailbox: string;
  messageId: string;
  messageType: string;
}

/** A reply on a case (ADR 0033): a message of the case in the sender's mailbox, under a stable reply id. */
export interface FitReply {
  replyId: string;
  caseId: string;
  submissionId: string;
  messageId: string;
  mailboxItem: number;
  status: FitReplyStatus;
  createdAt: string;
}

/** The store's FIT-Connect port; every write is one transaction together with its events. */
export interface FitConnectStore {
  /** Creates the submission with its create-submission event. */
  create(s: NewFitSubmission, event: FitEventRecord): Promise<void>;
  get(submissionId: string): Promise<FitSubmission | null>;
  /** Stores (or replaces, as FIT-Connect allows) one uploaded attachment of a `created` submission; false when the submission is not `created`. */
  putAttachment(submissionId: string, attachmentId: string, jwe: string): Promise<boolean>;
  /** The uploaded attachments (JWE text) by attachment id. */
  attachments(submissionId: string): Promise<Map<string, string>>;
  /**
   * Moves a submission from one of `from` to `to` with its events (and, for `submitted`, the
   * submitted parts); false when it is not in one of `from` (nothing written). `purge`: the
   * encrypted parts and uploaded attachments are deleted in the same transaction (after an
   * accept or reject; the metadata row and the event log stay).
   */
  transition(submissionId: string, from: readonly FitSubmissionStatus[], to: FitSubmissionStatus, events: readonly FitEventRecord[], opts?: { parts?: SubmittedParts; purge?: boolean }): Promise<boolean>;
  /** Records `event` for the submission unless an event of that name is already logged for it; true when this call recorded it. */
  addEventOnce(submissionId: string, event: FitEventRecord): Promise<boolean>;
  /** Submissions of a destination in `status`, oldest first; with `leikas` only those of these services (a subscriber's share). */
  listByDestination(destinationId: string, status: FitSubmissionStatus, limit: number, offset: number, leikas?: readonly string[]): Promise<FitSubmission[]>;
  /** How many listByDestination would find without paging (FIT-Connect's `totalCount`). */
  countByDestination(destinationId: string, status: FitSubmissionStatus, leikas?: readonly string[]): Promise<number>;
  /** How many events the case's log holds (`totalCount` of the event log). */
  countCaseEvents(caseId: string): Promise<number>;
  /** The submissions of a case (one per case here), oldest first. */
  caseSubmissions(caseId: string): Promise<FitSubmission[]>;
  /**
   * The reply for `messageId`, created with its event when there is none yet (one reply per
   * message, however often it is listed or by how many instances at once).
   */
  ensureReply(r: Omit<FitReply, 'status' | 'createdAt'>, event: FitEventRecord): Promise<FitReply>;
  getReply(replyId: string): Promise<FitReply | null>;
  /**
   * The open items of a case's messages in the given mailboxes (not acknowledged, lease free or
   * expired), oldest first: what may become or still is a reply. Read by the case's messages, so a
   * busy mailbox does not hide a case's items behind others.
   */
  caseMailboxItems(caseId: string, mailboxes: readonly string[]): Promise<CaseMailboxItem[]>;
  /** The reply a message became, if it became one. */
  replyOfMessage(messageId: string): Promise<FitReply | null>;
  /** Marks an available reply accepted with its events; false when it is not available (nothing written). */
  acceptReply(replyId: string, events: readonly FitEventRecord[]): Promise<boolean>;
  /** The event log of a case, oldest first. */
  caseEvents(caseId: string, limit: number, offset: number): Promise<FitEvent[]>;
}
