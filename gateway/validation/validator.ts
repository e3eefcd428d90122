/**
 * The message validator: runs the layers of types.ts in order on one message, over the
 * schema sets compiled at load. Synchronous, so concurrent callers in one thread never
 * interleave inside it; every libxml2 document is disposed before `check` returns or throws.
 */
import type { XmlDocument } from 'libxml2-wasm';
import { GatewayError, type Issue } from '../errors.js';
import type { MessageHeader } from '../store/types.js';
import { rejectDoctype } from './doctype.js';
import { LibxmlPathResolver } from './element-path.js';
import type { HeaderRead, HeaderValues } from './header.js';
import { NO_INPUTS, withInputs } from './input-guard.js';
import { compileLimitChecks, parseMessage, type LimitChecks } from './parse.js';
import type { SchemaSet } from './schema-set.js';
import type { CheckedMessage, MessageValidator, XmlLimits } from './types.js';
import { validateSchema } from './xsd-validate.js';

const MAX_XSD_ISSUES = 50;

/** What one loaded standard version offers, for the CLI, logs and the benchmark. */
export interface StandardInfo {
  standard: string;
  version: string;
  namespace: string;
  messageTypes: string[];
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

  /** Takes ownership of `sets`: `close` disposes them. */
  constructor(sets: readonly SchemaSet[], private readonly limits: XmlLimits) {
    this.byNamespace = new Map(sets.map((s) => [s.descriptor.namespace, s]));
    this.limitChecks = compileLimitChecks(limits);
  }

  check(xml: Buffer): CheckedMessage {
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
          return this.checkDocument(doc, xml.length);
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
      namespace: s.descriptor.namespace,
      messageTypes: [...s.messageTypes].sort(),
      compileMs: s.compileMs,
    }));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.limitChecks.dispose();
    for (const s of this.byNamespace.values()) s.dispose();
  }

  private checkDocument(doc: XmlDocument, size: number): CheckedMessage {
    this.limitChecks.check(doc, size);
    const root = doc.root;
    const rootName = root.name;
    const namespace = root.namespaceUri;
    const set = this.schemaSetFor(rootName, namespace, root.line);
    const read = set.header.read(doc);
    const missing = set.header.missing(read.values, rootName);
    if (missing.keys.length > 0) {
      throw new GatewayError('GW_ROUTING_KEY_MISSING', `${rootName}: routing key(s) missing: ${missing.keys.join(', ')}`, {
        issues: missing.issues, extra: { missing: missing.keys },
      });
    }
    validateXsd(doc, set);
    const warnings: string[] = [];
    this.checkTypeCode(set, rootName, read.values, warnings);
    return { header: header(set, rootName, namespace, read, warnings), warnings };
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
      throw new GatewayError('GW_UNKNOWN_MESSAGE_TYPE', message, { issues: [{ message, path, line, layer: 'message-type' }], extra: { namespace: ns } });
    }
    if (!set.messageTypes.has(rootName)) {
      const d = set.descriptor;
      const message = `${rootName} is not a message type of ${d.standard} ${d.version}`;
      throw new GatewayError('GW_UNKNOWN_MESSAGE_TYPE', message, { issues: [{ message, path, line, layer: 'message-type' }], extra: { namespace: ns } });
    }
    return set;
  }

  /** Root suffix `.NNNN` against the header's type code, as the descriptor's messageTypeCheck says. */
  private checkTypeCode(set: SchemaSet, rootName: string, values: HeaderValues, warnings: string[]): void {
    const mode = set.descriptor.messageTypeCheck;
    const suffix = /\.(\d+)$/.exec(rootName)?.[1];
    if (mode === 'off' || suffix === values.messageTypeCode) return;
    const path = set.header.pathOf('messageTypeCode', rootName);
    const message = `root element ${rootName} carries the nachrichtentyp code ${values.messageTypeCode} (expected ${suffix ?? 'a numeric suffix'})`;
    if (mode === 'warn') {
      warnings.push(`${message} at ${path}`);
      return;
    }
    throw new GatewayError('GW_MESSAGE_TYPE_MISMATCH', message, { issues: [{ message, path, layer: 'message-type' }] });
  }
}

/** The MessageHeader; root attributes that contradict the namespace's standard and version become a warning. */
function header(set: SchemaSet, rootName: string, namespace: string, read: HeaderRead, warnings: string[]): MessageHeader {
  const d = set.descriptor;
  const v = read.values;
  const standard = read.standard || d.standard;
  const version = read.version || d.version;
  if (standard !== d.standard || version !== d.version) {
    warnings.push(`root attributes say ${standard} ${version}, the namespace ${d.namespace} is ${d.standard} ${d.version}`);
  }
  return {
    messageUuid: v.messageUuid,
    messageType: rootName,
    namespace,
    standard,
    version,
    createdAt: v.createdAt,
    author: v.author,
    reader: v.reader,
    vorgangId: v.vorgangId,
    leika: v.leika,
    ags: v.ags,
    test: read.test,
  };
}

/** XSD layer: the first schema errors with line, column (when libxml2 knows it) and element path. */
function validateXsd(doc: XmlDocument, set: SchemaSet): void {
  const { details, total } = validateSchema(set.xsd, doc, MAX_XSD_ISSUES);
  if (total === 0) return;
  const paths = new LibxmlPathResolver(doc);
  const issues: Issue[] = details.map((e) => ({
    message: e.message.trim(),
    line: e.line || undefined,
    column: e.col || undefined,
    path: paths.resolve(e.xpath),
    layer: 'xsd',
  }));
  if (total > details.length) issues.push({ message: `${total - details.length} more schema errors not listed`, layer: 'xsd' });
  const d = set.descriptor;
  throw new GatewayError('GW_XSD_INVALID', `${total} schema error(s) against ${d.standard} ${d.version}: ${issues[0]?.message ?? ''}`, {
    issues, extra: { schemaErrors: total },
  });
}
