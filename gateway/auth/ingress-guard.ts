import type { GatewayConfig } from '../config/schema.js';
import type { MessageHeader } from '../model/index.js';
import type { MessageFilter } from '../store/types.js';
import { forbidden } from './policy.js';
import { agsOf, endpointsOf, fachverfahrenScope, serviceOfLeika, withdrawnAgs, type DelegationLookup } from './ownership.js';
import type { Principal } from './principal.js';

/**
 * The header check of one authenticated submission (SubmitMeta.checkHeader): once the
 * header is known — validated XML or pass-through routing headers — it refuses
 * (GW_FORBIDDEN, recorded by the pipeline's rejection log) a message whose `autor` kennung
 * is not the caller's — forged authors, and so forged releases — and an `efa-service` (or a
 * `zsa` restricted by `services`) submitting for another service. Everything else about
 * what that author may write (remit, case parties, route `from`, attachments) is decided for
 * every channel by the pipeline's RemitGuard (gateway/routing/remit.ts).
 */
export function ingressHeaderCheck(cfg: GatewayConfig, p: Principal): ((h: MessageHeader) => void) | undefined {
  const part = p.participant;
  if (!part) return undefined;
  return (h) => {
    if (h.author !== part.kennung) throw forbidden(p, 'ingress.author', `the message names author ${h.author}, but the caller is ${part.kennung}`);
    if (part.kind === 'efa-service' || (part.kind === 'zsa' && part.services)) {
      const service = serviceOfLeika(cfg, h.leika);
      if (!service || !(part.services ?? []).includes(service)) throw forbidden(p, 'ingress.service', `it may submit for ${(part.services ?? []).join(', ') || 'no service'}, not for ${service ?? `LeiKa ${h.leika || '(none)'}`}`);
    }
  };
}

/**
 * Narrows `GET /messages` to the caller's own messages. Operator and admin see all; an
 * `efa-service` its own submissions (author); a municipality its AGS, a Fachverfahren its AGS
 * and its service; the ZSA its queues, without the municipalities that do not delegate the
 * queue's service now. The handler drops whatever else ownsMessage refuses. A filter that asks for someone else's messages is GW_FORBIDDEN
 * (`list.own`), not silently emptied, so a misconfigured client learns why.
 */
export function scopeMessageFilter(cfg: GatewayConfig, p: Principal, f: MessageFilter, delegation: DelegationLookup): MessageFilter {
  const part = p.participant;
  if (!part || p.role === 'operator' || p.role === 'admin') return f;
  const pick = (field: 'author' | 'ags' | 'endpointId', own: string[]): MessageFilter => {
    const asked = f[field];
    if (asked !== undefined && !own.includes(asked)) throw forbidden(p, 'list.own', `${field} ${asked} is not its own (${own.join(', ') || 'none'})`);
    if (asked !== undefined) return f;
    if (own.length !== 1) throw forbidden(p, 'list.own', `name one of its own ${field === 'endpointId' ? 'endpoint' : field} values: ${own.join(', ') || 'none'}`);
    return { ...f, [field]: own[0] };
  };
  if (part.kind === 'efa-service') return pick('author', [part.kennung]);
  if (part.kind === 'zsa') {
    // A work queue of a service: without the municipalities that do not delegate it now (ownsMessage).
    const byEndpoint = pick('endpointId', endpointsOf(cfg, part));
    const withdrawn = withdrawnAgs(cfg, byEndpoint.endpointId, delegation);
    return withdrawn.length > 0 ? { ...byEndpoint, agsNotIn: withdrawn } : byEndpoint;
  }
  const byAgs = pick('ags', agsOf(cfg, part));
  if (part.kind !== 'fachverfahren') return byAgs;
  // A Fachverfahren's cases are those of its AGS and its service (ownsMessage): list those only.
  const services = new Set(fachverfahrenScope(cfg, part).filter((x) => x.ags === byAgs.ags).map((x) => x.service));
  return {
    ...byAgs,
    services: {
      leika: cfg.services.filter((s) => services.has(s.id)).flatMap((s) => s.leika),
      routeNames: cfg.routes.filter((r) => r.service !== undefined && services.has(r.service)).map((r) => r.name),
      knownLeika: cfg.services.flatMap((s) => s.leika),
    },
  };
}
