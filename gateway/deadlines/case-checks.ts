import type { ParticipantConfig } from '../config/schema.js';
import { GatewayError } from '../errors.js';
import type { AttachmentRef, MessageHeader, PayloadFormat } from '../model/index.js';
import { partiesOf } from '../routing/remit.js';
import type { DecisionContext, RouteDecision } from '../routing/router.js';
import type { MessageReads, VorgangEventReads } from '../store/contracts.js';
import { checkCaseMatches } from '../validation/case-match.js';
import { checkEvidence, evidenceKey, type EvidenceRead } from '../validation/evidence.js';

/**
 * The case checks of the ingress pipeline that need the Vorgang (ADR 0023), called after
 * routing and the remit check, before the message is stored:
 * - a Vorgang a deadline closed as incomplete takes follow-ups only from its municipality
 *   and that municipality's Fachverfahren for the service (GW_VORGANG_CLOSED);
 * - the evidence list (`services[].evidence`) must name attachments of this message or of
 *   earlier messages of the Vorgang (GW_EVIDENCE_MISMATCH);
 * - values named by `services[].caseMatches` must be those an earlier message of the Vorgang
 *   gave (GW_CASE_MISMATCH, ADR 0024). A pass-through JWE is not read.
 */
export async function checkCase(
  store: VorgangEventReads & Pick<MessageReads, 'getPayload'>,
  author: ParticipantConfig,
  h: MessageHeader,
  decision: RouteDecision,
  context: DecisionContext,
  /** `evidence`: the message's evidence lists as an ingress worker read them (by `evidenceKey`); a list not there is read from `bytes`. */
  payload: { bytes: Buffer; format: PayloadFormat; attachments: readonly AttachmentRef[]; evidence?: Readonly<Record<string, EvidenceRead>> | undefined },
): Promise<void> {
  const opening = context.opening;
  if (opening !== null) {
    const closed = (await store.vorgangEvents(h.vorgangId)).find((e) => e.kind === 'closed');
    if (closed !== undefined) {
      const roles = partiesOf(author, { service: context.service, municipality: context.municipality, delegation: decision.delegation, origin: opening.author });
      if (!roles.has('municipality') && !roles.has('fachverfahren')) {
        throw new GatewayError('GW_VORGANG_CLOSED', `Vorgang ${h.vorgangId} was closed as incomplete (deadline ${closed.deadline}); only its municipality may still send follow-ups`, {
          issues: [{ message: 'the Vorgang is closed', path: 'nachrichtenkopf/vorgang/vorgangsID', layer: 'routing', rule: 'vorgang.closed' }],
          extra: { rule: 'vorgang.closed', deadline: closed.deadline },
        });
      }
    }
  }
  const evidence = context.service?.evidence;
  const matches = context.service?.caseMatches ?? [];
  if (payload.format !== 'xml' || (evidence === undefined && !matches.some((m) => m.message === h.messageType))) return;
  const vorgang = context.vorgang; // as the router read it for this decision
  if (evidence !== undefined) checkEvidence(payload.evidence?.[evidenceKey(evidence)] ?? payload.bytes, evidence, payload.attachments, vorgang.flatMap((m) => m.attachments));
  await checkCaseMatches(payload.bytes, h.messageType, matches, async (type) => {
    const latest = vorgang.filter((m) => m.messageType === type && m.payloadFormat === 'xml' && m.payloadPurgedAt === undefined).at(-1);
    return latest === undefined ? undefined : (await store.getPayload(latest.id)) ?? undefined;
  });
}
