/**
 * Reads the header of one standard through its header profile (XPath expressions relative
 * to the root element, read as strings) together with the root attributes standard,
 * version and test. Compiled once per schema set at load; `dispose` frees the XPaths.
 */
import { XmlDocument, XmlXPath, type NamespaceMap } from 'libxml2-wasm';
import { GatewayError, type Issue } from '../errors.js';
import { HEADER_FIELDS, ROUTING_KEYS, type HeaderField, type StandardDescriptor } from './descriptor.js';
import { displayPath } from './element-path.js';

export type HeaderValues = Record<HeaderField, string>;

/** The header fields and what the root attributes say. */
export interface HeaderRead {
  /** Every header field, trimmed; '' when absent. */
  values: HeaderValues;
  /** Root attribute values, trimmed; '' when absent. */
  standard: string;
  version: string;
  /** The test attribute is present and not `false` or `0`. */
  test: boolean;
}

export interface HeaderReader {
  read(doc: XmlDocument): HeaderRead;
  /** The routing keys that are empty, each with an issue naming the path where it was expected under `root`. */
  missing(values: HeaderValues, root: string): { keys: HeaderField[]; issues: Issue[] };
  /** The element path of a field under `root`, for error reports. */
  pathOf(field: HeaderField, root: string): string;
  dispose(): void;
}

/**
 * Separates the parts of the combined result: a private-use character. Should a value
 * ever contain it, the split yields too many parts and the parts are read one by one.
 */
const SEP = '\ue000';

/**
 * Compiles the profile: each expression alone (to name the one that is broken, and as the
 * fallback), then all of them as one `concat(...)`, so reading a header costs one XPath
 * evaluation. Only the prefixes the expressions use are registered (libxml2-wasm registers
 * them on every evaluation). Throws GW_CONFIG_INVALID naming each expression that does not
 * compile or uses an unknown prefix.
 */
export function compileHeaderReader(d: StandardDescriptor, file: string): HeaderReader {
  const a = d.rootAttributes;
  const parts: Array<[string, string]> = [
    ...HEADER_FIELDS.map((f): [string, string] => [`header.${f}`, d.header[f]]),
    [`rootAttributes.standard`, `@${a.standard}`],
    [`rootAttributes.version`, `@${a.version}`],
    [`rootAttributes.test`, `@${a.test}`],
    [`rootAttributes.test`, `boolean(@${a.test})`],
  ];
  const namespaces = usedNamespaces(d.namespaces, parts.map(([, expr]) => expr));
  const issues: Issue[] = [];
  const single: XmlXPath[] = [];
  let combined: XmlXPath | undefined;
  // libxml2 resolves prefixes only when evaluating: one probe evaluation finds unknown ones now
  const probe = XmlDocument.fromString('<probe/>');
  try {
    for (const [name, expr] of parts) {
      try {
        const xpath = XmlXPath.compile(`string(${expr})`, namespaces);
        single.push(xpath);
        probe.eval(xpath);
      } catch (cause) {
        issues.push({ message: `${name}: ${(cause as Error).message}`, path: file, layer: 'descriptor' });
      }
    }
    if (issues.length === 0) {
      combined = XmlXPath.compile(`concat(${parts.map(([, expr]) => `string(${expr})`).join(`, '${SEP}', `)})`, namespaces);
    }
  } finally {
    probe.dispose();
  }
  const dispose = (): void => {
    single.forEach((x) => x.dispose());
    single.length = 0;
    combined?.dispose();
  };
  if (!combined) {
    dispose();
    throw new GatewayError('GW_CONFIG_INVALID', `header profile of ${d.standard} ${d.version} does not compile`, { issues });
  }
  const all = combined;
  const text = (v: ReturnType<XmlDocument['eval']>): string => (typeof v === 'string' ? v.trim() : '');
  return {
    read(doc) {
      let got = text(doc.eval(all)).split(SEP);
      if (got.length !== parts.length) got = single.map((x) => text(doc.eval(x)));
      const values = {} as HeaderValues;
      HEADER_FIELDS.forEach((f, i) => {
        values[f] = got[i]?.trim() ?? '';
      });
      const [standard = '', version = '', test = '', present = 'false'] = got.slice(HEADER_FIELDS.length).map((s) => s.trim());
      return { values, standard, version, test: present === 'true' && test !== 'false' && test !== '0' };
    },
    missing(values, root) {
      const keys = ROUTING_KEYS.filter((k) => values[k] === '');
      const found = keys.map((k) => {
        const path = displayPath(root, d.header[k]);
        return { message: `routing key ${k} is missing or empty (expected at ${path})`, path, layer: 'header' };
      });
      return { keys, issues: found };
    },
    pathOf: (field, root) => displayPath(root, d.header[field]),
    dispose,
  };
}

/** The entries of `all` whose prefix occurs in one of the expressions. */
function usedNamespaces(all: NamespaceMap, exprs: string[]): NamespaceMap {
  const text = exprs.join(' ');
  return Object.fromEntries(Object.entries(all).filter(([prefix]) => new RegExp(`(^|[^\\w.-])${prefix.replace(/\./g, '\\.')}:`).test(text)));
}
