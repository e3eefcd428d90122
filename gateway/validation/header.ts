/**
 * Reads the header fields of one standard through its header profile: XPath expressions
 * relative to the root element, read as strings. Compiled once per schema set at load;
 * `dispose` frees them.
 */
import { XmlDocument, XmlXPath } from 'libxml2-wasm';
import { GatewayError, type Issue } from '../errors.js';
import { HEADER_FIELDS, ROUTING_KEYS, type HeaderField, type StandardDescriptor } from './descriptor.js';
import { displayPath } from './element-path.js';

export type HeaderValues = Record<HeaderField, string>;

export interface HeaderReader {
  /** Every field, trimmed; '' when absent. */
  read(doc: XmlDocument): HeaderValues;
  /** The routing keys that are empty, each with an issue naming the path where it was expected under `root`. */
  missing(values: HeaderValues, root: string): { keys: HeaderField[]; issues: Issue[] };
  /** The element path of a field under `root`, for error reports. */
  pathOf(field: HeaderField, root: string): string;
  dispose(): void;
}

/**
 * Separates the fields in the combined result: a private-use character. Should a value
 * ever contain it, the split yields too many parts and the fields are read one by one.
 */
const SEP = '\ue000';

/**
 * Compiles the profile: each expression alone (to name the one that is broken, and as the
 * fallback), then all of them as one `concat(...)`, so reading a header usually costs one
 * XPath evaluation instead of eight. Throws GW_CONFIG_INVALID naming each expression that
 * does not compile or uses an unknown prefix.
 */
export function compileHeaderReader(d: StandardDescriptor, file: string): HeaderReader {
  const issues: Issue[] = [];
  const single = new Map<HeaderField, XmlXPath>();
  let combined: XmlXPath | undefined;
  // libxml2 resolves prefixes only when evaluating: one probe evaluation finds unknown ones now
  const probe = XmlDocument.fromString('<probe/>');
  try {
    for (const field of HEADER_FIELDS) {
      try {
        const xpath = XmlXPath.compile(`string(${d.header[field]})`, d.namespaces);
        single.set(field, xpath);
        probe.eval(xpath);
      } catch (cause) {
        issues.push({ message: `header.${field}: ${(cause as Error).message}`, path: file, layer: 'descriptor' });
      }
    }
    if (issues.length === 0) {
      combined = XmlXPath.compile(`concat(${HEADER_FIELDS.map((f) => `string(${d.header[f]})`).join(`, '${SEP}', `)})`, d.namespaces);
    }
  } finally {
    probe.dispose();
  }
  const dispose = (): void => {
    single.forEach((x) => x.dispose());
    single.clear();
    combined?.dispose();
  };
  if (!combined) {
    dispose();
    throw new GatewayError('GW_CONFIG_INVALID', `header profile of ${d.standard} ${d.version} does not compile`, { issues });
  }
  const all = combined;
  const text = (v: ReturnType<XmlDocument['eval']>): string => (typeof v === 'string' ? v : '');
  return {
    read(doc) {
      const parts = text(doc.eval(all)).split(SEP);
      const values = {} as HeaderValues;
      HEADER_FIELDS.forEach((f, i) => {
        const one = single.get(f);
        const raw = parts.length === HEADER_FIELDS.length ? parts[i] : one && text(doc.eval(one));
        values[f] = raw?.trim() ?? '';
      });
      return values;
    },
    missing(values, root) {
      const keys = ROUTING_KEYS.filter((k) => values[k] === '');
      const issues = keys.map((k) => {
        const path = displayPath(root, d.header[k]);
        return { message: `routing key ${k} is missing or empty (expected at ${path})`, path, layer: 'header' };
      });
      return { keys, issues };
    },
    pathOf: (field, root) => displayPath(root, d.header[field]),
    dispose,
  };
}
