import type { MessageForm } from '../model/index.js';
import type { StoredMessage, Transition } from './types.js';
import type { VorgangEvent } from './vorgang-events.js';

/**
 * What the service figures and usage reports (gateway/reports/, ADR 0031) ask the store
 * for. Every period is half-open, [from, to), in epoch terms of `received_at` (the time
 * the gateway durably stored a message).
 */
export interface ReportPeriod {
  from: Date;
  to: Date;
  /** Only messages of these AGS; absent = all. */
  ags?: readonly string[];
}

/** One message stored within a period, with the facts the hop figures need (no payload, no header content beyond keys). */
export interface ReportMessage {
  id: string;
  vorgangId: string;
  messageType: string;
  leika: string;
  routeName: string;
  ags: string;
  endpointId: string;
  /** Payload bytes. */
  size: number;
  /** Sum of the sizes of the attachments the message refers to. */
  attachmentBytes: number;
  /** The sender's creation time from the header (its clock), as sent. */
  headerCreatedAt: string;
  /** Epoch ms: stored by the gateway. */
  receivedAt: number;
  /** Epoch ms of the first transition to `delivered`; null while not delivered. */
  deliveredAt: number | null;
}

/** Per (AGS, LeiKa, route) of opening messages: Vorgänge opened before `to` that were not closed before `to`. */
export interface OpenCaseCount {
  ags: string;
  leika: string;
  routeName: string;
  open: number;
}

/** Which messages `reportFirstOf` looks at: of these types or these routes. */
export interface FirstOf {
  messageTypes?: readonly string[];
  routeNames?: readonly string[];
}

/** The first message of a kind per Vorgang (e.g. the opening application, a ZSA draft). */
export interface VorgangMessageTime {
  vorgangId: string;
  messageType: string;
  receivedAt: number;
  deliveredAt: number | null;
}

/** A Vorgang closed as incomplete by a deadline (vorgang_events kind `closed`) within a period. */
export interface ClosedIncomplete {
  vorgangId: string;
  /** AGS, LeiKa and route of the Vorgang's first message. */
  ags: string;
  leika: string;
  routeName: string;
  at: number;
}

/** Usage per (AGS, LeiKa, route): messages stored in the period and their bytes (SQL aggregate). */
export interface UsageAggregate {
  ags: string;
  leika: string;
  routeName: string;
  messages: number;
  payloadBytes: number;
  attachmentBytes: number;
}

/** Which messages open and close a Vorgang, as the configuration says (routes with `startsVorgang`, `retention.closedBy`). */
export interface CaseDefinition {
  openingRoutes: readonly string[];
  closingTypes: readonly string[];
}

/** What a proof bundle (gateway/reports/proof-bundle.ts, ADR 0031) is about: one message or one Vorgang. */
export interface ProofSubject {
  kind: 'message' | 'vorgang';
  id: string;
}

/** One message of a proof snapshot with everything the bundle says about it, read at the same instant. */
export interface ProofSnapshotMessage {
  message: StoredMessage;
  /** Its transitions, oldest first: the last one's `to` equals `message.state`. */
  history: Transition[];
  /** Its stored forms (ADR 0020), metadata only, oldest first. */
  forms: MessageForm[];
}

/**
 * The store's facts for one proof bundle, read in ONE read transaction (one snapshot), so a
 * message's state, its history, its forms and the case events never mix a moment before and
 * a moment after a concurrent state change (ADR 0049).
 */
export interface ProofSnapshot {
  /** The message (kind `message`) or every message of the Vorgang (kind `vorgang`), oldest first; empty when unknown. */
  messages: ProofSnapshotMessage[];
  /** The Vorgang's case events (ADR 0023), oldest first; empty for a message subject. */
  vorgangEvents: VorgangEvent[];
}
