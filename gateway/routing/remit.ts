import type { AuthorParty, GatewayConfig, MunicipalityConfig, ParticipantConfig, RouteAuthorConfig, RouteConfig, ServiceConfig } from '../config/schema.js';
import { agsOf, currentDelegations, serviceOfMessage } from '../auth/ownership.js';

export { serviceOfMessage };
import { LOCAL_UPLOADER } from '../store/attachments.js';
import type { DelegationStore, UploadLedger } from '../store/contracts.js';
import type { AttachmentRef, MessageHeader, StoredMessage } from '../store/types.js';
import { delegationMatches, type DecisionContext, type RemitScope, type RouteDecision, type Router } from './router.js';
import { GatewayError } from '../errors.js';

/**
 * Who may write what, and into which case (docs/security.md, ADR 0015). One decision for
 * every ingress channel (HTTP, AMQP reply queue, CLI), taken by the ingress pipeline in three
 * steps: RemitGuard.author before routing, RemitGuard.checkScope from inside the router before
 * the Vorgang is looked up, RemitGuard.authorize after routing and before the message is
 * stored. Fail-closed: an author that is no configured participant, a message outside the author's
 * remit, a follow-up from someone who is no party of the Vorgang, or an author the route's
 * `from` does not name is refused with GW_FORBIDDEN (extra `rule`); an opening message with
 * a Vorgang id that already exists with GW_VORGANG_EXISTS.
 */

/** Participant kinds that may author messages at all; operators, admins and the gateway may not. */
const AUTHOR_KINDS: ReadonlySet<string> = new Set(['efa-service', 'municipality', 'fachverfahren', 'zsa']);

/** The facts of one case (or one opening message) the parties are computed from. */
export interface CaseFacts {
  service: ServiceConfig | undefined;
  municipality: MunicipalityConfig | undefined;
  /** The municipality's current delegation of the service; null without service or municipality. */
  delegation: string | null;
  /** Kennung of the author of the Vorgang's opening message; null for an opening message. */
  origin: string | null;
}

/**
 * The parties `p` is for a message about `c` (AuthorParty): `origin` when it opened the
 * Vorgang, `efa-service` for its own services, `municipality` for its AGS, `fachverfahren`
 * for its municipality's service, `zsa` only where that service is delegated (any mode but
 * none) and, when the ZSA participant names `services`, one of them.
 */
export function partiesOf(p: ParticipantConfig, c: CaseFacts): Set<AuthorParty> {
  const out = new Set<AuthorParty>();
  const s = c.service;
  const m = c.municipality;
  if (c.origin !== null && c.origin === p.kennung) out.add('origin');
  if (p.kind === 'efa-service' && s && (p.services ?? []).includes(s.id)) out.add('efa-service');
  if (p.kind === 'municipality' && m && m.participant === p.id) out.add('municipality');
  if (p.kind === 'fachverfahren' && s && m && p.endpoint !== undefined && m.fachverfahren[s.id] === p.endpoint) out.add('fachverfahren');
  if (p.kind === 'zsa' && s && m && c.delegation !== null && c.delegation !== 'none' && (!p.services || p.services.includes(s.id))) out.add('zsa');
  return out;
}

/**
 * Whether `p` is a party of the case whose opening message is `opening`: its origin, the
 * municipality of its AGS, that municipality's Fachverfahren for the service, the ZSA
 * where the service is currently delegated, or (standards without AGS and service) the
 * participant the opening message was delivered to. Governs follow-ups and reads of a Vorgang.
 */
export function isCaseParty(p: ParticipantConfig, opening: Pick<StoredMessage, 'endpointId'>, c: CaseFacts): boolean {
  const roles = partiesOf(p, c);
  if (roles.has('origin') || roles.has('municipality') || roles.has('fachverfahren') || roles.has('zsa')) return true;
  return p.kind !== 'zsa' && p.kind !== 'efa-service' && p.endpoint !== undefined && p.endpoint === opening.endpointId;
}

/**
 * The facts of the case opened by `opening`, under the delegation `delegationOf` reports
 * now (Router.delegation, or the store's overrides for the read check).
 */
export async function caseFactsOf(cfg: GatewayConfig, opening: StoredMessage, delegationOf: (ags: string, service: string) => Promise<string>): Promise<CaseFacts> {
  const service = serviceOfMessage(cfg, opening);
  const municipality = cfg.municipalities.find((m) => m.ags === opening.ags);
  const delegation = service && municipality ? await delegationOf(municipality.ags, service.id) : null;
  return { service, municipality, delegation, origin: opening.author };
}

/**
 * Whether `p` is a party of the Vorgang opened by `opening`, under the delegation in force
 * now (configuration and runtime switches). Used for reads of a Vorgang (GET /vorgaenge/:id).
 */
export async function isPartyOfVorgang(cfg: GatewayConfig, store: Pick<DelegationStore, 'delegationOverrides'>, p: ParticipantConfig, opening: StoredMessage): Promise<boolean> {
  const delegation = await currentDelegations(cfg, store);
  const facts = await caseFactsOf(cfg, opening, async (ags, service) => delegation(ags, service));
  return isCaseParty(p, opening, facts);
}

/** A refusal of the remit check: 403 GW_FORBIDDEN naming the rule, never payload content. */
export function remitRefusal(rule: string, detail: string, author: string, p?: ParticipantConfig): GatewayError {
  return new GatewayError('GW_FORBIDDEN', `${detail} (rule ${rule})`, {
    extra: { rule, author, role: p?.kind ?? null, participant: p?.id ?? null },
    issues: [{ message: detail, layer: 'authorization', rule, path: 'nachrichtenkopf/autor/kennung' }],
  });
}

/**
 * The refusal of an attachment reference the author may not use. The same answer whether
 * the bytes are unknown or belong to someone else, so it reveals nothing about other
 * participants' attachments.
 */
export function attachmentRefusal(sha512: string, author: string, p?: ParticipantConfig): GatewayError {
  return remitRefusal('attachment.uploader', `attachment ${sha512.slice(0, 16)}… is neither an upload of ${author} nor an attachment of this Vorgang`, author, p);
}

function fromApplies(entry: RouteAuthorConfig, roles: ReadonlySet<AuthorParty>, delegation: string | null): boolean {
  const modes = entry.when?.delegation;
  if (modes && !delegationMatches(modes, delegation)) return false;
  return entry.party.some((r) => roles.has(r));
}

/** Refuses (`route.from`) an author the route's `from` does not admit; routes without `from` admit every author. */
function checkFrom(p: ParticipantConfig, h: MessageHeader, route: RouteConfig, facts: CaseFacts): void {
  const from = route.from;
  if (!from || from.some((e) => fromApplies(e, partiesOf(p, facts), facts.delegation))) return;
  throw remitRefusal('route.from', `route ${route.name} accepts ${h.messageType} from ${describeFrom(from)}; ${p.id} is none of them under delegation ${facts.delegation ?? '(none)'}`, h.author, p);
}

function describeFrom(from: readonly RouteAuthorConfig[]): string {
  return from.map((e) => `${e.party.join('/')}${e.when ? ` when delegation is ${e.when.delegation.join(' or ')}` : ''}`).join('; ');
}

export class RemitGuard {
  private readonly byKennung: ReadonlyMap<string, ParticipantConfig>;
  /** Kennungen and endpoints of the citizen's side (EfA services). */
  private readonly citizenKennungen: ReadonlySet<string>;
  private readonly citizenEndpoints: ReadonlySet<string>;

  constructor(
    private readonly router: Router,
    private readonly store: UploadLedger,
  ) {
    const cfg = router.cfg;
    this.byKennung = new Map(cfg.participants.map((p) => [p.kennung, p]));
    const efa = cfg.participants.filter((p) => p.kind === 'efa-service');
    this.citizenKennungen = new Set(efa.map((p) => p.kennung));
    this.citizenEndpoints = new Set(efa.flatMap((p) => (p.endpoint ? [p.endpoint] : [])));
  }

  /**
   * Called by the ingress pipeline before the message is routed, so that neither an unknown
   * author nor a `gateway.*` type learns anything from routing (unknown Vorgang, no route):
   * returns the author's participant, or throws GW_FORBIDDEN (`remit.gateway-type`,
   * `remit.author`).
   */
  author(h: MessageHeader): ParticipantConfig {
    if (h.messageType.toLowerCase().startsWith('gateway.')) throw remitRefusal('remit.gateway-type', `${h.messageType} is written by the gateway only, never accepted from a participant`, h.author);
    const p = this.byKennung.get(h.author);
    if (!p || !AUTHOR_KINDS.has(p.kind)) throw remitRefusal('remit.author', `author ${h.author} is no configured participant that may submit messages`, h.author);
    return p;
  }

  /**
   * Whether `p` is a party of the case opened by `opening`, from the case's own facts (its
   * AGS, service and the delegation in force now). Asked by the router as soon as it finds
   * the Vorgang of a follow-up (Router.decideWithContext `isParty`): to anyone else the case
   * is unknown, so a non-party learns neither that it exists nor its AGS or service.
   */
  async isParty(p: ParticipantConfig, opening: StoredMessage): Promise<boolean> {
    const facts = await caseFactsOf(this.router.cfg, opening, async (ags, service) => (await this.router.delegation(ags, service)).mode);
    return isCaseParty(p, opening, facts);
  }

  /**
   * Called by the ingress pipeline for every new message once its route is decided
   * (idempotent repeats were answered before; checkScope passed), with the participant
   * author() returned. Resolves when `h.author` may write this
   * message with these attachments; throws GW_FORBIDDEN (extra.rule) or GW_VORGANG_EXISTS
   * otherwise.
   */
  async authorize(p: ParticipantConfig, h: MessageHeader, d: RouteDecision, ctx: DecisionContext, attachments: readonly AttachmentRef[]): Promise<void> {
    const deny = (rule: string, detail: string): never => {
      throw remitRefusal(rule, detail, h.author, p);
    };
    const { service, municipality } = ctx;
    const facts: CaseFacts = { service, municipality, delegation: d.delegation, origin: ctx.opening?.author ?? null };
    if (p.kind === 'zsa' && this.citizenEndpoints.has(d.endpointId) && d.delegation !== 'e2e') {
      deny('remit.citizen-contact', `the ZSA may contact the citizen's side only under delegation e2e; ${municipality?.name} delegated ${service?.id}: ${d.delegation}`);
    }

    // An opening message whose Vorgang id is taken is refused by the store in the accept
    // transaction itself (GW_VORGANG_EXISTS, NewMessage.opensVorgang): no read here, which
    // could only race with it.
    if (!ctx.route.startsVorgang && ctx.opening) {
      const o = ctx.opening;
      if (o.ags !== h.ags) deny('vorgang.ags', `Vorgang ${h.vorgangId} is a case of AGS ${o.ags || '(none)'}; a follow-up cannot name AGS ${h.ags || '(none)'}`);
      if (serviceOfMessage(this.router.cfg, o)?.id !== service?.id) deny('vorgang.service', `Vorgang ${h.vorgangId} is a case of service ${serviceOfMessage(this.router.cfg, o)?.id ?? '(none)'}, not of ${service?.id ?? '(none)'}`);
      if (!isCaseParty(p, o, facts)) deny('vorgang.party', `${p.id} is no party of Vorgang ${h.vorgangId}`);
    }

    if (!ctx.route.startsVorgang) checkFrom(p, h, ctx.route, facts);
    await this.checkAttachments(p, h, ctx, attachments);
  }

  /**
   * Each referenced attachment must be an upload of the author (with `auth.mode: off`, also
   * of the local admin) or already carried by a message of the same Vorgang, whose party
   * the author was found to be.
   */
  private async checkAttachments(p: ParticipantConfig, h: MessageHeader, ctx: DecisionContext, attachments: readonly AttachmentRef[]): Promise<void> {
    if (attachments.length === 0) return;
    const carried = new Set(ctx.vorgang.flatMap((m) => m.attachments.map((a) => a.sha512)));
    const local = this.router.cfg.auth.mode === 'off';
    for (const a of attachments) {
      // a hash the attachment store does not hold (marked by ingress) is refused like another participant's
      if (a.unknown !== true && (carried.has(a.sha512) || (await this.store.uploadedBy(a.sha512, h.author)))) continue;
      if (local && (await this.store.uploadedBy(a.sha512, LOCAL_UPLOADER))) continue;
      throw attachmentRefusal(a.sha512, h.author, p);
    }
  }

  /**
   * Own AGS, own services, and the Verwaltungshelfer limits of the ZSA (delegation, reader
   * on the citizen's side). Called by the router (Router.decideWithContext `onScope`) as
   * soon as service, municipality and delegation are known and before any Vorgang is looked
   * up, so that nobody outside its remit learns whether a Vorgang id exists. Throws GW_FORBIDDEN.
   */
  checkScope(p: ParticipantConfig, h: MessageHeader, scope: RemitScope): void {
    const deny = (rule: string, detail: string): never => {
      throw remitRefusal(rule, detail, h.author, p);
    };
    const s = scope.service;
    const m = scope.municipality;
    if (p.kind === 'municipality' || p.kind === 'fachverfahren') {
      // A message without AGS (foreign standards) names no municipality to act for.
      const own = agsOf(this.router.cfg, p);
      if (h.ags && !own.includes(h.ags)) deny('remit.ags', `${p.id} writes for AGS ${own.join(', ') || '(none)'} only, not for ${h.ags}`);
      if (p.kind === 'fachverfahren' && s && m && m.fachverfahren[s.id] !== p.endpoint) deny('remit.service', `${p.id} is not the Fachverfahren of ${m.name} for service ${s.id}`);
    }
    if (p.kind === 'efa-service' && (!s || !(p.services ?? []).includes(s.id))) {
      deny('remit.service', `${p.id} may write for ${(p.services ?? []).join(', ') || 'no service'}, not for ${s?.id ?? `LeiKa ${h.leika || '(none)'}`}`);
    }
    if (p.kind === 'zsa') {
      if (!s || (p.services && !p.services.includes(s.id))) deny('remit.service', `${p.id} works ${p.services?.join(', ') ?? 'delegated services'} only, not ${s?.id ?? `LeiKa ${h.leika || '(none)'}`}`);
      if (!m || scope.delegation === null || scope.delegation === 'none') {
        deny('remit.delegation', `the ZSA acts only for municipalities that delegated the service; ${m ? `${m.name} delegated ${s?.id}: none` : 'the message names no municipality'}`);
      }
      if (this.citizenKennungen.has(h.reader) && scope.delegation !== 'e2e') {
        deny('remit.citizen-contact', `the ZSA may contact the citizen's side only under delegation e2e; ${m?.name} delegated ${s?.id}: ${scope.delegation}`);
      }
    }
    // An opening message has no origin yet: its route's authors are known now.
    if (scope.route.startsVorgang) checkFrom(p, h, scope.route, { service: s, municipality: m, delegation: scope.delegation, origin: null });
  }
}
