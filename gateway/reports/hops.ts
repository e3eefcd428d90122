import type { GatewayConfig, ServiceConfig } from '../config/schema.js';
import type { CaseDefinition, ReportMessage, VorgangMessageTime } from '../store/types.js';

/**
 * The hops of a case the figures measure (ADR 0031, docs/reports.md). Each is defined by
 * message roles taken from the configuration, never by a service's name:
 * - `ingress`: an opening message (route with `startsVorgang`): the sender's header creation
 *   time → stored by the gateway (sender's clock; negative values count as 0);
 * - `toZsa`: a message to the service's ZSA work queue (`zsaEndpoint`): stored → delivered
 *   (for a pull mailbox: the ZSA acknowledged its fetch);
 * - `delivery`: every message of the service: stored → delivered;
 * - `release`: a release (`services[].releases[].release`): the Vorgang's first draft
 *   (`…draft`) delivered to the municipality → the release stored;
 * - `toCitizen`: a release: stored → delivered (it goes to the citizen's online service);
 * - `endToEnd`: a closing message (`services[].retention.closedBy`): the Vorgang's opening
 *   message stored → the closing message delivered.
 * A sample belongs to the period in which the gateway stored the message whose hop ends it
 * (the release, the closing message, …) and counts only once that hop has ended.
 */
export const HOPS = ['ingress', 'toZsa', 'delivery', 'release', 'toCitizen', 'endToEnd'] as const;
export type Hop = (typeof HOPS)[number];

/** Routes that open a Vorgang and message types that close one, across all services. */
export function caseDefinition(cfg: GatewayConfig): CaseDefinition {
  return {
    openingRoutes: cfg.routes.filter((r) => r.startsVorgang).map((r) => r.name),
    closingTypes: [...new Set(cfg.services.flatMap((s) => s.retention?.closedBy ?? []))],
  };
}

export interface HopContext {
  service: ServiceConfig;
  openingRoutes: ReadonlySet<string>;
  /** First draft per Vorgang (for `release`). */
  drafts: ReadonlyMap<string, VorgangMessageTime>;
  /** Opening message per Vorgang (for `endToEnd`). */
  openings: ReadonlyMap<string, VorgangMessageTime>;
}

/** The hop samples (ms) one stored message contributes, by hop. */
export function samplesOf(m: ReportMessage, c: HopContext): Array<[Hop, number]> {
  const out: Array<[Hop, number]> = [];
  const delivered = m.deliveredAt;
  if (c.openingRoutes.has(m.routeName)) {
    const created = Date.parse(m.headerCreatedAt);
    if (!Number.isNaN(created)) out.push(['ingress', Math.max(0, m.receivedAt - created)]);
  }
  if (delivered !== null) {
    out.push(['delivery', delivered - m.receivedAt]);
    if (m.endpointId === c.service.zsaEndpoint) out.push(['toZsa', delivered - m.receivedAt]);
  }
  if (c.service.releases.some((r) => r.release === m.messageType)) {
    const draft = c.drafts.get(m.vorgangId);
    if (draft?.deliveredAt != null && draft.deliveredAt <= m.receivedAt) out.push(['release', m.receivedAt - draft.deliveredAt]);
    if (delivered !== null) out.push(['toCitizen', delivered - m.receivedAt]);
  }
  if (delivered !== null && (c.service.retention?.closedBy ?? []).includes(m.messageType)) {
    const opening = c.openings.get(m.vorgangId);
    if (opening) out.push(['endToEnd', delivered - opening.receivedAt]);
  }
  return out;
}
