import type { ParticipantConfig } from '../config/schema.js';
import type { DelegationLookup } from '../auth/ownership.js';
import type { FitSubmission } from '../store/fit-connect.js';
import type { FitDestination } from './destinations.js';

/**
 * Who may see a FIT-Connect submission and its case (ADR 0015 applied to ADR 0027):
 * - its sender (the EfA service that created it);
 * - the destination's participant (the municipality, its Fachverfahren or the ZSA);
 * - the ZSA as Verwaltungshelfer, for a municipality's destination, while every
 *   municipality of the destination's areas delegates the submission's service to it
 *   (any mode but `none`, as in force now).
 * Operators and admins see nothing here: FIT-Connect submissions are payload.
 */
export function isSender(p: ParticipantConfig, s: Pick<FitSubmission, 'author'>): boolean {
  return p.kind === 'efa-service' && p.id === s.author;
}

export function isSubscriber(p: ParticipantConfig, d: FitDestination, service: string | undefined, delegation: DelegationLookup): boolean {
  if (p.id === d.cfg.participant) return true;
  if (p.kind !== 'zsa' || service === undefined) return false;
  if (!d.cfg.services.some((s) => s.service === service)) return false;
  return [...d.ags].every((ags) => delegation(ags, service) !== 'none');
}

/** For listing a destination: subscriber for at least one of its services. */
export function subscribesTo(p: ParticipantConfig, d: FitDestination, delegation: DelegationLookup): boolean {
  return d.cfg.services.some((s) => isSubscriber(p, d, s.service, delegation));
}
