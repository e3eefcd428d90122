/**
 * The message validator: runs the layers of types.ts in order on one message, over the
 * schema sets compiled at load. Synchronous, so concurrent callers in one thread never
 * interleave inside it; every libxml2 document is disposed before `check` returns or throws.
 */
import type { XmlDocument, XmlElement } from 'libxml2-wasm';
import { GatewayError } from '../errors.js';
import type { MessageHeader } from '../model/index.js';
import { routingAgs } from '../routing/region-key.js';
import { rejectDoctype } from './doctype.js';
import { LibxmlPathResolver } from './element-path.js';
import { formatWarning, layerError } from './findings.js';
import type { RoutingKey } from './descriptor.js';
import type { HeaderRead } from './header.js';
import { NO_INPUTS, withInputs } from './input-guard.js';
import { compileLimitChecks, parseMessage, type LimitChecks } from './parse.js';
import type { SchemaSet } from './schema-set.js';
import {
  STRICT_LAYERS, type CheckedMessage, type EffectiveStrictness, type Finding, type LayerMode, type MessageValidator, type StrictLayer, type Strictness,
  type StrictnessPolicy, type XmlLimits,
} from './types.js';
import { redactSchemaMessage, shownToken } from './redact.js';
import { validateSchema } from './xsd-validate.js';
import { openScope, type XPathScope } from './xpath-scope.js';
import { canonicalId } from '../model/patterns.js';

const MAX_XSD_ISSUES = 50;

/** What one loaded standard version offers, for the CLI, logs and the benchmark. */
export interface StandardInfo {
  standard: string;
  version: string;
  title: string | undefined;
  namespace: string;
  file: string;
  messageTypes: string[];
  /** Genericode lists held: listURI, version, number of codes. */
  codeLists: Array<{ uri: string; version: string; codes: number }>;
  rules: number;
  strictness: Record<StrictLayer, LayerMode>;
  /** Rule settings that differ from their layer's default (the gateway's rule defaults and the descriptor's `byRule`). */
  ruleStrictness: Record<string, LayerMode>;
  compileMs: number;
}

/** A MessageValidator that can also describe the standards it loaded. */
export interface GatewayValidator extends MessageValidator {
  standards(): StandardInfo[];
}

export class XsdMessageValidator implements GatewayValidator {
  private readonly byNamespace: Map<string, SchemaSet>;
  private readonly limitChecks: LimitChecks;
  private closed = false;

  /** Takes ownership of `sets` (`close` disposes them) unless `ownsSets` is false. */
  constructor(sets: readonly SchemaSet[], private readonly limits: XmlLimits, private readonly ownsSets = true) {
    this.byNamespace = new Map(sets.map((s) => [s.descriptor.namespace, s]));
    this.limitChecks = compileLimitChecks(limits);
  }

  check(xml: Buffer, policy?: StrictnessPolicy): CheckedMessage {
    if (this.closed) throw new GatewayError('GW_NOT_READY', 'the message validator has been closed');
    try {
      if (xml.length > this.limits.maxBytes) {
        throw new GatewayError('GW_PAYLOAD_TOO_LARGE', `message has ${xml.length} bytes; the limit is ${this.limits.maxBytes}`, {
          extra: { size: xml.length, limit: this.limits.maxBytes },
        });
      }
      rejectDoctype(xml);
      return withInputs(NO_INPUTS, () => {
        const doc = parseMessage(xml);
        try {
          return this.checkDocument(doc, xml.length, policy);
        } finally {
          doc.dispose();
        }
      });
    } catch (err) {
      if (err instanceof GatewayError) throw err;
      throw new GatewayError('GW_INTERNAL', 'message validation failed unexpectedly', { cause: err });
    }
  }

  messageTypes(): string[] {
    const all = new Set<string>();
    for (const s of this.byNamespace.values()) s.messageTypes.forEach((t) => all.add(t));
    return [...all].sort();
  }

  standards(): StandardInfo[] {
    return [...this.byNamespace.values()].map((s) => ({
      standard: s.descriptor.standard,
      version: s.descriptor.version,
      title: s.descriptor.title,
      namespace: s.descriptor.namespace,
      file: s.file,
      messageTypes: [...s.messageTypes].sort(),
      codeLists: s.codeLists.lists.map((l) => ({ uri: l.uri, version: l.version, codes: l.codes.size })),
      rules: s.rules.size,
      strictness: { ...s.strictness.layers },
      ruleStrictness: { ...s.strictness.byRule },
      compileMs: s.compileMs,
    }));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.limitChecks.dispose();
    if (this.ownsSets) for (const s of this.byNamespace.values()) s.dispose();
  }

  private checkDocument(doc: XmlDocument, size: number, policy: StrictnessPolicy | undefined): CheckedMessage {
    this.limitChecks.check(doc, size);
    const root = doc.root;
    const rootName = root.name;
    const set = this.schemaSetFor(rootName, root.namespaceUri, root.line);
    const scope = openScope(doc, set.header.profile.namespaces);
    try {
      return this.checkLayers(doc, root, set, scope, policy);
    } finally {
      scope.close();
    }
  }

  /** Layers 2–6 on the parsed message of `set`, every XPath of header, code lists and rules evaluated in `scope`. */
  private checkLayers(doc: XmlDocument, root: XmlElement, set: SchemaSet, scope: XPathScope, policy: StrictnessPolicy | undefined): CheckedMessage {
    const rootName = root.name;
    const read = set.header.read(root, scope);
    const optional = set.optionalKeys.get(rootName) ?? [];
    const missing = set.header.missing(read.values, rootName, optional);
    if (missing.keys.length > 0) {
      throw new GatewayError('GW_ROUTING_KEY_MISSING', `${rootName}: routing key(s) missing: ${missing.keys.join(', ')}`, {
        issues: missing.issues, extra: { missing: missing.keys },
      });
    }
    const header = messageHeader(set, rootName, read);
    const strictness = effectiveStrictness(set, policy?.(header));
    const label = `${set.descriptor.standard} ${set.descriptor.version}`;
    const warnings: Finding[] = [];
    let xsdTotal = 0;
    const layers: Array<[StrictLayer, () => Finding[]]> = [
      ['xsd', () => {
        const r = xsdFindings(doc, set);
        xsdTotal = r.total;
        return r.findings;
      }],
      ['identity', () => identityFindings(set, root, read)],
      ['codelist', () => set.codeCheck?.check(root, scope) ?? []],
      ['header', () => [...optionalKeyFindings(set, root, read, optional), ...set.sanity.check(root, read, scope)]],
      ['rules', () => set.rules.check(root, rootName, scope)],
    ];
    for (const [layer, run] of layers) {
      const found = run();
      if (found.length === 0) continue;
      const mode = (f: Finding): LayerMode => strictness.byRule[f.rule] ?? strictness.layers[layer];
      const refusing = found.filter((f) => mode(f) === 'reject');
      warnings.push(...found.filter((f) => mode(f) === 'warn'));
      if (refusing.length > 0) {
        const detail = layer === 'xsd' ? `${xsdTotal} schema error(s) against ${label}: ${refusing[0]?.message ?? ''}` : undefined;
        const err = layerError(layer, refusing, label, warnings, detail);
        if (layer === 'xsd') err.extra['schemaErrors'] = xsdTotal;
        // who sent what, for the rejection log (the sender knows these already)
        err.extra['message'] = { author: header.author, messageUuid: header.messageUuid, messageType: header.messageType };
        throw err;
      }
    }
    return { header, warnings: warnings.map(formatWarning), findings: warnings };
  }

  /** Selects the schema set by the root's namespace; the root name must be a registered message type. */
  private schemaSetFor(rootName: string, ns: string, line: number): SchemaSet {
    const set = this.byNamespace.get(ns);
    const path = `/${rootName}`;
    if (!set) {
      const known = [...this.byNamespace.keys()].join(', ');
      const message = ns === ''
        ? `root element ${rootName} has no namespace; registered namespaces: ${known}`
        : `namespace ${ns} is not registered (unknown standard or version); registered: ${known}`;
      throw new GatewayError('GW_UNKNOWN_MESSAGE_TYPE', message, {
        issues: [{ message, path, line, layer: 'routing', rule: 'routing.namespace' }], extra: { namespace: ns },
      });
    }
    if (!set.messageTypes.has(rootName)) {
      const d = set.descriptor;
      const message = `${rootName} is not a message type of ${d.standard} ${d.version}`;
      throw new GatewayError('GW_UNKNOWN_MESSAGE_TYPE', message, {
        issues: [{ message, path, line, layer: 'routing', rule: 'routing.message-type' }], extra: { namespace: ns },
      });
    }
    return set;
  }
}

/**
 * The standard's defaults, overridden by the policy's answer: per layer, and per rule
 * (`byRule`, which beats any layer setting). Values other than `reject`/`warn` are ignored.
 */
function effectiveStrictness(set: SchemaSet, override: Strictness | undefined): EffectiveStrictness {
  if (override === undefined) return set.strictness;
  const layers = { ...set.strictness.layers };
  for (const layer of STRICT_LAYERS) {
    const m = override[layer];
    if (m === 'reject' || m === 'warn') layers[layer] = m;
  }
  const byRule = { ...set.strictness.byRule };
  for (const [rule, m] of Object.entries(override.byRule ?? {})) if (m === 'reject' || m === 'warn') byRule[rule] = m;
  return { layers, byRule };
}

/** Layer 5: each routing key the message type may leave empty (`optionalHeader`) and did, as finding header.key-missing. */
function optionalKeyFindings(set: SchemaSet, root: XmlElement, read: HeaderRead, optional: readonly RoutingKey[]): Finding[] {
  return optional.filter((k) => read.values[k] === '').map((k) => {
    const line = set.header.lineOf(root, k);
    return {
      message: `routing key ${k} is empty; ${root.name} may leave it out, so routes that need it cannot take the message`,
      ...(line ? { line } : {}), path: set.header.pathOf(k, root.name), layer: 'header', rule: 'header.key-missing',
    };
  });
}

/** The MessageHeader. Standard and version are those of the namespace: it selected the schema set. */
function messageHeader(set: SchemaSet, rootName: string, read: HeaderRead): MessageHeader {
  const d = set.descriptor;
  const v = read.values;
  return {
    messageUuid: canonicalId(v.messageUuid), // a UUID in one spelling (gateway/model/patterns.ts)
    messageType: rootName,
    namespace: d.namespace,
    standard: d.standard,
    version: d.version,
    createdAt: v.createdAt,
    author: v.author,
    reader: v.reader,
    vorgangId: canonicalId(v.vorgangId),
    leika: v.leika,
    ags: routingAgs(v.ags), // an ARS is routed by its AGS (ADR 0021)
    test: read.test,
  };
}

/** Layer 3: the root suffix `.NNNN` against the type code; root attributes standard and version against the namespace. */
function identityFindings(set: SchemaSet, root: XmlElement, read: HeaderRead): Finding[] {
  const d = set.descriptor;
  const rootName = root.name;
  const findings: Finding[] = [];
  const suffix = /\.(\d+)$/.exec(rootName)?.[1];
  const code = read.values.messageTypeCode;
  if (suffix !== code) {
    const line = set.header.lineOf(root, 'messageTypeCode');
    findings.push({
      message: `root element ${rootName} carries the nachrichtentyp code ${shownToken(code)} (expected ${suffix ?? 'a numeric suffix'})`,
      ...(line ? { line } : {}), path: set.header.pathOf('messageTypeCode', rootName), layer: 'identity', rule: 'identity.type-code',
    });
  }
  const attrs = d.rootAttributes;
  for (const [attr, said, want] of [[attrs.standard, read.standard, d.standard], [attrs.version, read.version, d.version]] as const) {
    if (said === '' || said === want) continue;
    findings.push({
      message: `root attribute ${attr} (${shownToken(said)}) contradicts the namespace ${d.namespace}, which is ${d.standard} ${d.version}`,
      line: root.line, path: `/${rootName}/@${attr}`, layer: 'identity', rule: attr === attrs.standard ? 'identity.standard' : 'identity.version',
    });
  }
  return findings;
}

/** Layer 2: the first schema errors with line, column (when libxml2 knows it) and element path. */
function xsdFindings(doc: XmlDocument, set: SchemaSet): { findings: Finding[]; total: number } {
  const { details, total } = validateSchema(set.xsd, doc, MAX_XSD_ISSUES);
  if (total === 0) return { findings: [], total };
  const paths = new LibxmlPathResolver(doc);
  const findings: Finding[] = details.map((e) => {
    const f: Finding = { message: redactSchemaMessage(e.message), layer: 'xsd', rule: 'xsd.schema' };
    if (e.line) f.line = e.line;
    if (e.col) f.column = e.col;
    const path = paths.resolve(e.xpath);
    if (path) f.path = path;
    return f;
  });
  if (total > details.length) findings.push({ message: `${total - details.length} more schema errors not listed`, layer: 'xsd', rule: 'xsd.schema' });
  return { findings, total };
}
