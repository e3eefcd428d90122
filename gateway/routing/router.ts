import { GatewayError } from '../errors.js';
import type { GatewayConfig, MunicipalityConfig, RouteConfig, ServiceConfig } from '../config/schema.js';
import type { Strictness } from '../validation/types.js';
import { routingAgs } from './region-key.js';
import type { DelegationStore, MessageReads } from '../store/contracts.js';
import { routeMatches } from './route-match.js';
import type { MessageHeader, StoredMessage } from '../store/types.js';

export interface RouteDecision {
  routeName: string;
  endpointId: string;
  /** The rule's symbolic target (`zsa`, `fachverfahren`, `origin`, `reader`, `endpoint:<id>`). */
  target: string;
  /** The mapping the deciding rule names for its target (`routes[].targets[].mapping`, ADR 0020). */
  mapping?: string;
  /** null for standards without LeiKa key whose route names no service. */
  service: string | null;
  /** The municipality's delegation of the service at decision time (null without service or AGS). */
  delegation: string | null;
  delegationSource: 'config' | 'runtime' | null;
  /** One line, kept in the message history. */
  reason: string;
  /** Step-by-step explanation (`zsa-gateway routes explain`). */
  steps: string[];
}

/**
 * What the router learnt while deciding, for the authorization that follows it
 * (gateway/routing/remit.ts): the route, the service and municipality, and for a follow-up
 * the message that opened its Vorgang.
 */
export interface DecisionContext {
  route: RouteConfig;
  service: ServiceConfig | undefined;
  municipality: MunicipalityConfig | undefined;
  /** The opening message of the Vorgang (follow-ups only; null for routes with startsVorgang). */
  opening: StoredMessage | null;
  /**
   * The Vorgang's messages as the router read them for this decision, oldest first (follow-ups
   * only; empty for routes with startsVorgang). The attachment and case checks of the same
   * submission use them instead of reading the Vorgang again: a message of the Vorgang stored
   * in between is not seen, which can only refuse more (an attachment or evidence it carried).
   */
  vorgang: readonly StoredMessage[];
}

/** What is known of a message before its Vorgang is looked up (Router.decideWithContext `onScope`). */
export interface RemitScope {
  route: RouteConfig;
  service: ServiceConfig | undefined;
  municipality: MunicipalityConfig | undefined;
  /** Current delegation of the service by the municipality; null without both. */
  delegation: string | null;
}

export interface EffectiveDelegation {
  ags: string;
  service: string;
  mode: string;
  source: 'config' | 'runtime';
}

/**
 * How long a runtime delegation switch made on another gateway instance may take to be seen
 * here (ADR 0043): the overrides are re-read from the store when older than this. A switch
 * on this instance takes effect for the next message at once.
 */
export const OVERRIDE_TTL_MS = 1000;

/**
 * Decides where a valid message goes. Pure configuration plus two facts from the store:
 * runtime delegation switches and, for `origin` targets, who opened the Vorgang.
 * Called once per inbound message, before it is stored; the decision is stored with it.
 */
export class Router {
  private readonly services: ReadonlyMap<string, ServiceConfig>;
  private readonly serviceByLeika: ReadonlyMap<string, ServiceConfig>;
  private readonly municipalities: ReadonlyMap<string, MunicipalityConfig>;
  private overrides: { at: number; values: Record<string, string> } | null = null;
  /** Counts local switches, so a read begun before a switch cannot put the older values back. */
  private switches = 0;
  /** Endpoints of the citizen's side (EfA services). */
  private readonly citizenEndpoints: ReadonlySet<string>;
  /** Participant kind by kennung (target rules with `when.author`). */
  private readonly kindByKennung: ReadonlyMap<string, string>;

  constructor(
    readonly cfg: GatewayConfig,
    private readonly store: DelegationStore & Pick<MessageReads, 'vorgang'>,
    private readonly now: () => number = Date.now,
  ) {
    this.services = new Map(cfg.services.map((s) => [s.id, s]));
    this.serviceByLeika = new Map(cfg.services.flatMap((s) => s.leika.map((k) => [k, s] as const)));
    this.municipalities = new Map(cfg.municipalities.map((m) => [m.ags, m]));
    this.citizenEndpoints = new Set(cfg.participants.flatMap((p) => (p.kind === 'efa-service' && p.endpoint ? [p.endpoint] : [])));
    this.kindByKennung = new Map(cfg.participants.map((p) => [p.kennung, p.kind]));
  }

  private async overrideValues(): Promise<Record<string, string>> {
    if (this.overrides && this.now() - this.overrides.at < OVERRIDE_TTL_MS) return this.overrides.values;
    const at = this.now();
    const seen = this.switches;
    const values = await this.store.delegationOverrides();
    if (seen === this.switches) this.overrides = { at, values };
    return values;
  }

  async delegation(ags: string, service: string): Promise<EffectiveDelegation> {
    const runtime = (await this.overrideValues())[`${ags}/${service}`];
    if (runtime !== undefined) return { ags, service, mode: runtime, source: 'runtime' };
    return { ags, service, mode: this.municipalities.get(ags)?.delegations[service] ?? 'none', source: 'config' };
  }

  /** All municipalities with their effective delegation per configured service. */
  async listDelegations(): Promise<Array<{ ags: string; name: string; delegations: EffectiveDelegation[] }>> {
    const out = [];
    for (const m of this.cfg.municipalities) {
      const delegations = [];
      for (const s of this.cfg.services) delegations.push(await this.delegation(m.ags, s.id));
      out.push({ ags: m.ags, name: m.name, delegations });
    }
    return out;
  }

  /** Switches a delegation at runtime; recorded with actor and reason; effective for the next message. */
  async setDelegation(agsOrArs: string, service: string, mode: string, actor: string, reason: string) {
    const ags = routingAgs(agsOrArs);
    const m = this.municipalities.get(ags);
    if (!m) throw new GatewayError('GW_NOT_FOUND', `no municipality with AGS ${ags} is configured`);
    if (!this.services.has(service)) throw new GatewayError('GW_NOT_FOUND', `no service "${service}" is configured`);
    if (!/^(none|e2e|backoffice|prozessschritt:[a-z0-9-]+)$/.test(mode)) {
      throw new GatewayError('GW_BAD_REQUEST', `delegation "${mode}" is not none, e2e, backoffice or prozessschritt:<step>`, { issues: [{ message: 'invalid delegation mode', path: '/mode' }] });
    }
    const change = await this.store.setDelegation({ ags, service, mode, actor, reason }, m.delegations[service] ?? 'none');
    this.switches++;
    this.overrides = null;
    return change;
  }

  /** Whether a route's `match` fits the header: every given criterion must hold. */
  /** The first route whose `match` fits (sync: used by validation to pick the route's strictness). */
  routeFor(h: MessageHeader): RouteConfig | undefined {
    return this.cfg.routes.find((r) => routeMatches(r, h));
  }

  /** Throws GW_ROUTE_NO_MATCH (with the explanation) or GW_VORGANG_UNKNOWN. */
  async decide(h: MessageHeader): Promise<RouteDecision> {
    return (await this.decideWithContext(h)).decision;
  }

  /**
   * Like decide(), and also returns what the authorization of the author needs
   * (DecisionContext). `onScope` is called once route, service, municipality and delegation
   * are known and before the Vorgang is looked up; it throws to refuse the message.
   * `isParty` is asked as soon as the Vorgang's opening message is found: for an author who
   * is no party of the case, the Vorgang is unknown — the same GW_VORGANG_UNKNOWN, before
   * anything about the case (its AGS, service, whether it holds a draft) shapes the answer.
   */
  async decideWithContext(
    h: MessageHeader,
    onScope?: (scope: RemitScope) => void,
    isParty?: (opening: StoredMessage) => Promise<boolean>,
  ): Promise<{ decision: RouteDecision; context: DecisionContext }> {
    const steps: string[] = [];
    const fail = (detail: string): never => {
      throw new GatewayError('GW_ROUTE_NO_MATCH', detail, { extra: { explanation: [...steps, detail] } });
    };
    const route = this.routeFor(h);
    if (!route) return fail(`no route handles message type ${h.messageType} (${[h.standard, h.version].filter(Boolean).join(' ') || 'standard (none)'}, reader ${shown(h.reader)}) for AGS ${shown(h.ags)}`);
    steps.push(`route "${route.name}" handles ${h.messageType}`);
    // The service comes from the LeiKa key; standards without one name it on the route.
    let service: ServiceConfig | undefined;
    if (h.leika) {
      service = this.serviceByLeika.get(h.leika) ?? (route.service ? undefined : fail(`LeiKa key ${h.leika} belongs to no configured service`));
      if (service) steps.push(`LeiKa ${h.leika} belongs to service "${service.id}"`);
    }
    if (!service && route.service) {
      service = this.services.get(route.service);
      steps.push(`service "${route.service}" named by the route`);
    }
    let municipality: MunicipalityConfig | undefined;
    if (h.ags) {
      const ags = routingAgs(h.ags); // the validator already maps an ARS; headers built elsewhere (routes explain) may still carry one
      municipality = this.municipalities.get(ags) ?? fail(`AGS ${h.ags} is not a configured municipality`);
    }
    let d: EffectiveDelegation | null = null;
    if (service && municipality) {
      d = await this.delegation(municipality.ags, service.id);
      steps.push(`${municipality.name} (${municipality.ags}) delegation of "${service.id}": ${d.mode} (${d.source === 'runtime' ? 'switched at runtime' : 'from configuration'})`);
    }
    onScope?.({ route, service, municipality, delegation: d?.mode ?? null });

    let vorgangOrigin: string | null = null;
    let vorgangTypes: string[] = [];
    let opening: StoredMessage | null = null;
    let vorgang: StoredMessage[] = [];
    if (!route.startsVorgang) {
      const messages = await this.store.vorgang(h.vorgangId);
      vorgangTypes = messages.map((m) => m.messageType);
      const first = messages[0];
      if (!first || (isParty !== undefined && !(await isParty(first)))) {
        const detail = `Vorgang ${shown(h.vorgangId)} is unknown: ${h.messageType} must follow a message that opened it`;
        throw new GatewayError('GW_VORGANG_UNKNOWN', detail, {
          issues: [{ message: 'unknown vorgangsID', path: 'nachrichtenkopf/vorgang/vorgangsID', layer: 'routing' }],
          extra: { explanation: [...steps, detail] },
        });
      }
      vorgangOrigin = first.author;
      opening = first;
      vorgang = messages;
      steps.push(`belongs to Vorgang ${shown(h.vorgangId)}, opened by ${first.author}`);
    }

    const authorKind = this.kindByKennung.get(h.author);
    const rule = route.targets.find((t) => {
      if (t.when?.test !== undefined && t.when.test !== h.test) return false;
      if (t.when?.author && (authorKind === undefined || !t.when.author.some((k) => k === authorKind))) return false;
      const modes = t.when?.delegation;
      return !modes || delegationMatches(modes, d?.mode ?? null);
    });
    if (!rule) return fail(`no rule of route "${route.name}" applies${d ? ` to delegation ${d.mode}` : ' (no service and municipality to read a delegation from)'}`);
    steps.push(rule.when ? `rule "${describeWhen(rule.when)} → ${rule.to}" applies` : `default rule → ${rule.to}`);

    const endpointId = this.resolveTarget(rule.to, { service, municipality, reader: h.reader, origin: vorgangOrigin }, fail);
    steps.push(`target ${rule.to} is endpoint "${endpointId}"`);
    if (service) this.enforceRelease(h, service, municipality, d?.mode ?? 'none', endpointId, vorgangTypes, steps);
    const delegationText = service && d ? `delegation ${service.id}=${d.mode}` : 'no delegation';
    const decision: RouteDecision = {
      routeName: route.name,
      endpointId,
      target: rule.to,
      ...(rule.mapping !== undefined && { mapping: rule.mapping }),
      service: service?.id ?? null,
      delegation: d?.mode ?? null,
      delegationSource: d?.source ?? null,
      reason: `route ${route.name}: ${delegationText} → ${rule.to} → ${endpointId}`,
      steps,
    };
    return { decision, context: { route, service, municipality, opening, vorgang } };
  }

  /** The strictness of the route that will handle this message (sync; used by the validator's later layers). */
  strictnessFor(h: MessageHeader): Strictness | undefined {
    return this.routeFor(h)?.strictness;
  }

  /**
   * Verwaltungshelfer rule (services[].releases): a ZSA draft never goes to the citizen's
   * side; a release must come from the municipality responsible for the AGS (or its
   * Fachverfahren for the service) and, while the service is delegated, belong to a
   * Vorgang that holds the draft. A municipality that has not delegated the service
   * (`none`) decides its cases itself: its release message is its own Bescheid and needs
   * no ZSA draft (ADR 0019).
   */
  private enforceRelease(h: MessageHeader, service: ServiceConfig, municipality: MunicipalityConfig | undefined, mode: string, endpointId: string, vorgangTypes: string[], steps: string[]): void {
    const refuse = (code: 'GW_RELEASE_REQUIRED' | 'GW_RELEASE_NOT_AUTHORISED', detail: string): never => {
      throw new GatewayError(code, detail, { extra: { explanation: [...steps, detail] }, issues: [{ message: detail, layer: 'routing', path: 'nachrichtenkopf/autor/kennung' }] });
    };
    for (const r of service.releases) {
      if (r.draft === h.messageType && this.citizenEndpoints.has(endpointId)) {
        refuse('GW_RELEASE_REQUIRED', `${h.messageType} is a draft of the ZSA: it may reach the citizen's side (endpoint "${endpointId}") only through ${r.release} from ${municipality?.name ?? 'the municipality'}`);
      }
      if (r.release === h.messageType) {
        if (!municipality) return refuse('GW_RELEASE_NOT_AUTHORISED', `${h.messageType} names no municipality (AGS): nobody may release it`);
        const allowed = this.releasers(municipality, service.id);
        if (!allowed.has(h.author)) {
          refuse('GW_RELEASE_NOT_AUTHORISED', `${h.messageType} for AGS ${h.ags} must come from ${municipality.name} (${[...allowed].join(', ') || 'no participant configured'}), not from ${h.author}`);
        }
        const hasDraft = vorgangTypes.includes(r.draft);
        if (!hasDraft && mode !== 'none') {
          refuse('GW_RELEASE_REQUIRED', `Vorgang ${shown(h.vorgangId)} holds no ${r.draft}: there is no draft to release (${municipality.name} delegated ${service.id}: ${mode})`);
        }
        steps.push(hasDraft ? `release by ${h.author} for ${municipality.name} of a draft in this Vorgang: allowed` : `${municipality.name} has not delegated ${service.id}: its own decision, no ZSA draft needed`);
      }
    }
  }

  /** Kennungen that may release drafts for a municipality's service: the municipality itself and its Fachverfahren for the service. */
  private releasers(m: MunicipalityConfig, service: string): Set<string> {
    const fvEndpoint = m.fachverfahren[service];
    return new Set(
      this.cfg.participants
        .filter((p) => (p.kind === 'municipality' && p.id === m.participant) || (p.kind === 'fachverfahren' && fvEndpoint !== undefined && p.endpoint === fvEndpoint))
        .map((p) => p.kennung),
    );
  }

  private resolveTarget(
    to: string,
    c: { service: ServiceConfig | undefined; municipality: MunicipalityConfig | undefined; reader: string; origin: string | null },
    fail: (d: string) => never,
  ): string {
    const endpointOf = (kennung: string, role: string) => {
      const p = this.cfg.participants.find((x) => x.kennung === kennung);
      if (!p) return fail(`${role} ${shown(kennung)} is no configured participant`);
      if (!p.endpoint) return fail(`${role} ${shown(kennung)} (${p.id}) has no endpoint`);
      return p.endpoint;
    };
    if (to === 'zsa') return c.service ? c.service.zsaEndpoint : fail('target zsa needs a service (LeiKa key or route.service)');
    if (to === 'fachverfahren') {
      if (!c.service || !c.municipality) return fail('target fachverfahren needs a service and a municipality (AGS)');
      return c.municipality.fachverfahren[c.service.id] ?? fail(`${c.municipality.name} has no Fachverfahren endpoint for "${c.service.id}"`);
    }
    if (to === 'reader') return endpointOf(c.reader, 'reader');
    if (to === 'origin') return c.origin ? endpointOf(c.origin, 'Vorgang origin') : fail('target origin needs a Vorgang opened by an earlier message');
    return to.slice('endpoint:'.length);
  }

}

/**
 * Whether a `when.delegation` condition (of a route target or a route's `from`) holds for
 * the current mode: one of the modes, or `any` for every mode but none. Without a service
 * and municipality (mode null) no delegation condition holds.
 */
export function delegationMatches(modes: readonly string[], mode: string | null): boolean {
  if (mode === null) return false;
  return modes.includes(mode) || (modes.includes('any') && mode !== 'none');
}

function describeWhen(w: { delegation?: string[] | undefined; test?: boolean | undefined; author?: string[] | undefined }): string {
  const parts: string[] = [];
  if (w.delegation) parts.push(`delegation is ${w.delegation.join(' or ')}`);
  if (w.author) parts.push(`the author is a ${w.author.join(' or ')}`);
  if (w.test !== undefined) parts.push(w.test ? 'test traffic' : 'production traffic');
  return `when ${parts.join(' and ')}`;
}

/** A header value in a message: `(none)` instead of an empty fragment ("reader )"). */
function shown(v: string | undefined): string {
  return v ? v : '(none)';
}
