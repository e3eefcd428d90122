import type { EndpointConfig } from '../config/schema.js';
import { GatewayError } from '../errors.js';
import type { CompiledMapping, MappingRegistry } from '../mapping/types.js';
import type { MessageHeader, NewForm } from '../model/index.js';
import type { RouteDecision } from '../routing/router.js';

/** The outcome of the delivery mapping of one message (ADR 0020). */
export type DeliveryMapping =
  /** No mapping applies: the payload is delivered as it came (routed → queued). */
  | { kind: 'none' }
  /** Mapped: the form is stored with the message and delivered instead (routed → mapped → queued). */
  | { kind: 'mapped'; mapping: string; form: NewForm }
  /** The mapping failed on a valid message, a gateway bug: stored `dead` with `reason` (mapping, rule, path; never a value). */
  | { kind: 'failed'; mapping: string; reason: string };

/** Prefix of a version mapping still to be found (see MappingStep.mappingFor). */
const VERSION_MARKER = 'version:';

/** What a mapping error names: mapping, rule, path (never a value of the message). */
export function mappingErrorText(name: string, err: unknown): string {
  if (err instanceof GatewayError) {
    const rule = typeof err.extra['rule'] === 'string' ? err.extra['rule'] : err.issues[0]?.rule;
    const path = typeof err.extra['path'] === 'string' ? err.extra['path'] : err.issues[0]?.path;
    return `mapping ${name} failed (${err.code}) at rule ${rule ?? '(unknown)'}, path ${path ?? '(unknown)'}`;
  }
  return `mapping ${name} failed with an unexpected ${err instanceof Error ? err.name : typeof err}`;
}

/**
 * The mapping step of the pipeline: which mapping a target needs and running it. Called by
 * ingress after routing (the form is stored in the same transaction as the message) and by
 * the delivery worker when a replayed message has no form yet.
 */
export class MappingStep {
  private readonly endpoints: ReadonlyMap<string, Pick<EndpointConfig, 'id' | 'accepts'>>;

  /** `cfg`: the endpoints' `accepts` is all it reads (the gateway configuration, or the ingress workers' StepsInit). */
  constructor(
    cfg: { endpoints: ReadonlyArray<Pick<EndpointConfig, 'id' | 'accepts'>> },
    private readonly registry: MappingRegistry,
  ) {
    this.endpoints = new Map(cfg.endpoints.map((e) => [e.id, e]));
  }

  /**
   * The mapping for the decided target, if any: the mapping named on the route rule that
   * decided (the router's decision carries it: the route is decided once); else, when the endpoint declares `accepts` and the message's version is not
   * among them, the version mapping to an accepted version. When no such mapping is loaded
   * the answer is a `version:<standard>:<versions>` marker: running it fails visibly, and a
   * replay after the mapping was added finds it (`deliver`).
   */
  mappingFor(decision: RouteDecision, h: MessageHeader): string | undefined {
    if (decision.mapping !== undefined) return decision.mapping;
    const accepts = this.endpoints.get(decision.endpointId)?.accepts;
    if (accepts === undefined || h.standard === '') return undefined;
    const wanted = accepts.filter((a) => a.standard === h.standard).map((a) => a.version);
    if (wanted.length === 0 || wanted.includes(h.version)) return undefined;
    return this.versionMapping(h, wanted)?.name ?? `${VERSION_MARKER}${h.standard}:${wanted.join('|')}`;
  }

  /** A registered XML mapping producing `messageType` of the same standard in one of `versions`, reading this version. */
  private versionMapping(h: Pick<MessageHeader, 'standard' | 'version' | 'messageType'>, versions: string[]): CompiledMapping | undefined {
    const candidates = this.registry
      .names()
      .map((n) => this.registry.get(n))
      .filter((m): m is CompiledMapping => m !== undefined && m.from.format === 'xml' && m.to.format === 'xml')
      .filter((m) => m.to.standard === h.standard && m.to.version !== undefined && versions.includes(m.to.version) && (m.to.messageType === undefined || m.to.messageType === h.messageType));
    // a version mapping says in its source description which version it reads (e.g. "XZSA 1.0 hund.anmeldung.0101")
    return candidates.find((m) => m.from.describe.includes(`${h.standard} ${h.version}`)) ?? (candidates.length === 1 ? candidates[0] : undefined);
  }

  /**
   * Runs a delivery mapping (a name, or a version marker of `mappingFor`, resolved again
   * against the loaded mappings); every failure (unknown mapping included) becomes `failed`
   * with mapping, rule and path.
   */
  async deliver(name: string, payload: Buffer, h: Pick<MessageHeader, 'standard' | 'version' | 'messageType'>): Promise<DeliveryMapping> {
    let m = this.registry.get(name);
    if (m === undefined && name.startsWith(VERSION_MARKER)) {
      const [standard = '', versions = ''] = name.slice(VERSION_MARKER.length).split(':');
      m = this.versionMapping({ ...h, standard }, versions.split('|'));
      if (m === undefined) return { kind: 'failed', mapping: name, reason: `no mapping from ${standard} ${h.version} ${h.messageType} to a version the receiver accepts (${versions}) is loaded (mappings.dirs)` };
    }
    if (m === undefined) return { kind: 'failed', mapping: name, reason: `mapping ${name} is not loaded (mappings.dirs)` };
    name = m.name;
    // A mapping that reads another version of the message's standard (the route's dialect
    // mapping reads XZSA 1.0, the message came as 1.1) gets the message in its version first.
    const reads = sourceVersion(m, h.standard);
    const via = reads !== undefined && reads !== h.version ? this.versionMapping(h, [reads]) : undefined;
    if (reads !== undefined && reads !== h.version && via === undefined) {
      return { kind: 'failed', mapping: name, reason: `mapping ${name} reads ${h.standard} ${reads}, and no mapping from ${h.standard} ${h.version} ${h.messageType} to ${reads} is loaded (mappings.dirs)` };
    }
    let step = via ?? m;
    try {
      const input = via === undefined ? payload : (await via.run(payload)).body;
      step = m;
      const out = await m.run(input);
      const chain = via === undefined ? name : `${via.name} + ${name}`;
      return { kind: 'mapped', mapping: name, form: { name, role: 'delivery', mapping: chain, format: out.format, mediaType: out.mediaType, body: out.body } };
    } catch (err) {
      return { kind: 'failed', mapping: step.name, reason: mappingErrorText(step.name, err) };
    }
  }
}

/** The version of `standard` a mapping reads, from its source description (`XZSA 1.0 hund.anmeldung.0101`); undefined when it names none. */
function sourceVersion(m: CompiledMapping, standard: string): string | undefined {
  if (standard === '' || m.from.format !== 'xml') return undefined;
  const escaped = standard.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?:^|\\s)${escaped}\\s+(\\d+(?:\\.\\d+)*)(?:\\s|$)`).exec(m.from.describe)?.[1];
}
