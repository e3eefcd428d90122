import type { GatewayConfig, ParticipantConfig, ServiceConfig } from '../config/schema.js';
import type { DelegationStore } from '../store/contracts.js';
import type { StoredMessage } from '../store/types.js';

/**
 * What belongs to a participant, derived from the configuration alone (ADR 0012). Called
 * by the authorization middleware for every request that names a mailbox, message or
 * Vorgang; pure functions, so the role matrix can be reasoned about from config.
 */

function mailboxOf(cfg: GatewayConfig, endpointId: string): string | undefined {
  const e = cfg.endpoints.find((x) => x.id === endpointId);
  const name = e?.connector === 'mailbox' ? e.config['mailbox'] : undefined;
  return typeof name === 'string' ? name : undefined;
}

/** Municipalities (AGS) a participant acts for: a municipality's own, or the one whose Fachverfahren it is. */
export function agsOf(cfg: GatewayConfig, p: ParticipantConfig): string[] {
  if (p.kind === 'municipality') return cfg.municipalities.filter((m) => m.participant === p.id).map((m) => m.ags);
  if (p.kind === 'fachverfahren' && p.endpoint) return cfg.municipalities.filter((m) => Object.values(m.fachverfahren).includes(p.endpoint!)).map((m) => m.ags);
  return [];
}

/**
 * Endpoints whose traffic is the participant's: its own endpoint; for a municipality also
 * its Fachverfahren endpoints; for the ZSA the work queues of its services (all services
 * when `services` is not configured).
 */
export function endpointsOf(cfg: GatewayConfig, p: ParticipantConfig): string[] {
  const out = new Set<string>(p.endpoint ? [p.endpoint] : []);
  if (p.kind === 'municipality') for (const m of cfg.municipalities) if (m.participant === p.id) Object.values(m.fachverfahren).forEach((e) => out.add(e));
  if (p.kind === 'zsa') for (const s of cfg.services) if (!p.services || p.services.includes(s.id)) out.add(s.zsaEndpoint);
  return [...out];
}

/** Pull mailboxes the participant may list, fetch from and acknowledge: the mailboxes of its endpoints. */
export function mailboxesOf(cfg: GatewayConfig, p: ParticipantConfig): string[] {
  return endpointsOf(cfg, p).flatMap((e) => mailboxOf(cfg, e) ?? []);
}

/** The service a message belongs to by its LeiKa key (undefined for foreign standards without one). */
export function serviceOfLeika(cfg: GatewayConfig, leika: string | undefined): string | undefined {
  return leika ? cfg.services.find((s) => s.leika.includes(leika))?.id : undefined;
}

/** The service of a stored message: by its LeiKa key, else the one its route names. */
export function serviceOfMessage(cfg: GatewayConfig, m: Pick<StoredMessage, 'leika' | 'routeName'>): ServiceConfig | undefined {
  const byLeika = m.leika ? cfg.services.find((s) => s.leika.includes(m.leika)) : undefined;
  if (byLeika) return byLeika;
  const named = cfg.routes.find((r) => r.name === m.routeName)?.service;
  return named === undefined ? undefined : cfg.services.find((s) => s.id === named);
}

/**
 * The (AGS, service) pairs a Fachverfahren is the specialist software of: a Fachverfahren
 * acts for one municipality's service, not for everything of that AGS (docs/security.md).
 */
export function fachverfahrenScope(cfg: GatewayConfig, p: ParticipantConfig): Array<{ ags: string; service: string }> {
  if (p.kind !== 'fachverfahren' || p.endpoint === undefined) return [];
  return cfg.municipalities.flatMap((m) => Object.entries(m.fachverfahren).filter(([, e]) => e === p.endpoint).map(([service]) => ({ ags: m.ags, service })));
}

/**
 * The municipalities (AGS) whose messages the ZSA may no longer read in the work queue
 * `endpointId`: those that do not delegate the queue's service now. Empty for other endpoints.
 */
export function withdrawnAgs(cfg: GatewayConfig, endpointId: string | undefined, delegation: DelegationLookup): string[] {
  const services = cfg.services.filter((x) => x.zsaEndpoint === endpointId).map((x) => x.id);
  return services.length === 0 ? [] : cfg.municipalities.filter((m) => services.some((sv) => delegation(m.ags, sv) === 'none')).map((m) => m.ags);
}

/** The endpoint whose pull mailbox is `mailbox`. */
export function endpointOfMailbox(cfg: GatewayConfig, mailbox: string): string | undefined {
  return cfg.endpoints.find((e) => mailboxOf(cfg, e.id) === mailbox)?.id;
}

/** The delegation of a municipality's service in force now: `none`, `e2e`, `backoffice`, `prozessschritt:<step>`. */
export type DelegationLookup = (ags: string, service: string) => string;

/** The current delegations: runtime switches (the store), else the configuration, else `none`. */
export async function currentDelegations(cfg: GatewayConfig, store: Pick<DelegationStore, 'delegationOverrides'>): Promise<DelegationLookup> {
  const overrides: Record<string, string> = await store.delegationOverrides();
  return (ags, service) => overrides[`${ags}/${service}`] ?? cfg.municipalities.find((m) => m.ags === ags)?.delegations[service] ?? 'none';
}

/**
 * A message is the participant's when it wrote it, is its reader, it went to one of its
 * endpoints, or it is about the participant's own cases: a municipality's AGS; for a
 * Fachverfahren its AGS *and* its service (the Hund Fachverfahren does not read Wohngeld).
 * The ZSA, as Verwaltungshelfer, reads a municipality's messages of a service only while
 * that service is delegated to it (`delegation`, in force now), however it came by them.
 */
export function ownsMessage(cfg: GatewayConfig, p: ParticipantConfig, m: Pick<StoredMessage, 'author' | 'reader' | 'endpointId' | 'ags' | 'leika' | 'routeName'>, delegation: DelegationLookup): boolean {
  if (p.kind === 'zsa') {
    const service = serviceOfMessage(cfg, m);
    if (service && cfg.municipalities.some((x) => x.ags === m.ags) && delegation(m.ags, service.id) === 'none') return false;
  }
  if (m.author === p.kennung || m.reader === p.kennung) return true;
  if (endpointsOf(cfg, p).includes(m.endpointId)) return true;
  if (p.kind === 'fachverfahren') {
    const service = serviceOfMessage(cfg, m)?.id;
    return service !== undefined && fachverfahrenScope(cfg, p).some((x) => x.ags === m.ags && x.service === service);
  }
  return agsOf(cfg, p).includes(m.ags);
}

/**
 * The narrower remit of proofs of delivery (ADR 0031): a message the participant wrote, is
 * the named reader of, or that went to one of its endpoints (for a municipality also its
 * Fachverfahren; for the ZSA its work queues) — and that it may read now (`ownsMessage`).
 * A municipality does not get proof for a message about its AGS that it neither sent nor received.
 */
export function sentOrReceived(cfg: GatewayConfig, p: ParticipantConfig, m: Pick<StoredMessage, 'author' | 'reader' | 'endpointId' | 'ags' | 'leika' | 'routeName'>, delegation: DelegationLookup): boolean {
  const party = m.author === p.kennung || m.reader === p.kennung || endpointsOf(cfg, p).includes(m.endpointId);
  return party && ownsMessage(cfg, p, m, delegation);
}
