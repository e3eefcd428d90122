/**
 * Reads the header of one standard through its header profile (XPath expressions relative
 * to the root element, read as strings; composite fields joined from parts) together with
 * the root attributes standard, version and test. Compiled once per schema set at load;
 * `dispose` frees the XPaths.
 */
import { XmlElement, XmlXPath } from 'libxml2-wasm';
import { GatewayError, type Issue } from '../errors.js';
import { HEADER_FIELDS, type HeaderField, type HeaderProfile, type RoutingKey, type StandardDescriptor } from './descriptor.js';
import { displayPath } from './element-path.js';
import type { FieldSpec } from './header-presets.js';
import { normalizeKennung } from './kennung.js';
import { XPathCompiler, asText, usedNamespaces } from './xpath.js';
import { PUBLIC_SCOPE, type XPathScope } from './xpath-scope.js';

export type HeaderValues = Record<HeaderField, string>;

/** The header fields and what the root attributes say. */
export interface HeaderRead {
  /** Every header field, trimmed, author and reader normalised (kennung.ts); '' when absent (a composite field when any part is absent). */
  values: HeaderValues;
  /** Root attribute values, trimmed; '' when absent. */
  standard: string;
  version: string;
  /** The test attribute is present and not `false` or `0`. */
  test: boolean;
  /** How many elements inside the header scope have an empty `code` (layer 5 looks closer only when > 0). */
  emptyCodes: number;
}

export interface HeaderReader {
  readonly profile: HeaderProfile;
  /** Reads from the root element of a message (through `scope` when the caller opened one on its document). */
  read(root: XmlElement, scope?: XPathScope): HeaderRead;
  /**
   * The required routing keys that are empty, each with an issue naming the path where it
   * was expected under `root` (the root element's name). Keys in `optional` (the message
   * type's `optionalHeader`) are not counted.
   */
  missing(values: HeaderValues, root: string, optional?: readonly RoutingKey[]): { keys: RoutingKey[]; issues: Issue[] };
  /** The element path of a field under `root`, for error reports. */
  pathOf(field: HeaderField, root: string): string;
  /** The line of the (first part's) element of a field in `doc`, when it is one; for reports only. */
  lineOf(root: XmlElement, field: HeaderField): number | undefined;
  dispose(): void;
}

/**
 * Separates the parts of the combined result: a private-use character. Should a value
 * ever contain it, the split yields too many parts and the parts are read one by one.
 */
const SEP = '\ue000';

const partsOf = (spec: FieldSpec): string[] => (typeof spec === 'string' ? [spec] : spec.parts);

/**
 * Compiles the profile: each expression alone (to name the one that is broken, and as the
 * fallback), then all of them as one `concat(...)`, so reading a header costs one XPath
 * evaluation. Throws GW_CONFIG_INVALID naming each expression that does not compile or
 * uses an unknown prefix.
 */
export function compileHeaderReader(d: Pick<StandardDescriptor, 'rootAttributes' | 'standard' | 'version'>, profile: HeaderProfile, file: string): HeaderReader {
  const a = d.rootAttributes;
  const exprs: Array<[string, string]> = [
    ...HEADER_FIELDS.flatMap((f) => partsOf(profile.fields[f]).map((e, i, all): [string, string] => [all.length > 1 ? `header.${f}.parts[${i}]` : `header.${f}`, e])),
    ['rootAttributes.standard', `@${a.standard}`],
    ['rootAttributes.version', `@${a.version}`],
    ['rootAttributes.test', `@${a.test}`],
    ['rootAttributes.test', `boolean(@${a.test})`],
    ['header.scope', profile.scope ? emptyCodesIn(profile.scope, 'count') : '0'],
  ];
  const compiler = new XPathCompiler(profile.namespaces, file);
  const single = exprs.map(([label, expr]) => compiler.compile(label, `string(${expr})`));
  compiler.done();
  if (compiler.issues.length > 0) {
    compiler.dispose();
    throw new GatewayError('GW_CONFIG_INVALID', `header profile of ${d.standard} ${d.version} does not compile`, { issues: compiler.issues });
  }
  const joined = `concat(${exprs.map(([, expr]) => `string(${expr})`).join(`, '${SEP}', `)})`;
  const combined = XmlXPath.compile(joined, usedNamespaces(profile.namespaces, joined));
  const fallback = single.filter((x): x is XmlXPath => x !== undefined);
  const pathOf = (field: HeaderField, root: string): string => partsOf(profile.fields[field]).map((e) => displayPath(root, e)).join(' + ');
  // node-set versions of the fields, for the line of a finding; a constant or function has none
  const nodeOf = new Map<HeaderField, XmlXPath>();
  for (const f of HEADER_FIELDS) {
    const expr = partsOf(profile.fields[f])[0] ?? '';
    try {
      nodeOf.set(f, XmlXPath.compile(expr, usedNamespaces(profile.namespaces, expr)));
    } catch {
      // not an expression libxml2 compiles on its own: no line for this field
    }
  }

  return {
    profile,
    read(root, scope = PUBLIC_SCOPE) {
      let got = asText(scope.eval(root, combined)).split(SEP);
      if (got.length !== exprs.length) got = fallback.map((x) => asText(scope.eval(root, x)));
      let i = 0;
      const values = {} as HeaderValues;
      for (const f of HEADER_FIELDS) {
        const spec = profile.fields[f];
        const parts = partsOf(spec).map(() => got[i++]?.trim() ?? '');
        values[f] = typeof spec === 'string' ? (parts[0] ?? '') : parts.some((p) => p === '') ? '' : parts.join(spec.separator);
      }
      values.author = normalizeKennung(values.author);
      values.reader = normalizeKennung(values.reader);
      const [standard = '', version = '', test = '', present = 'false', empty = '0'] = got.slice(i).map((s) => s.trim());
      return { values, standard, version, test: present === 'true' && test !== 'false' && test !== '0', emptyCodes: Number(empty) || 0 };
    },
    missing(values, root, optional = []) {
      const keys = profile.required.filter((k) => values[k] === '' && !optional.includes(k));
      const issues = keys.map((k) => {
        const path = pathOf(k, root);
        return { message: `routing key ${k} is missing or empty (expected at ${path})`, path, layer: 'routing', rule: 'routing.key-missing' };
      });
      return { keys, issues };
    },
    pathOf,
    lineOf(root, field) {
      const xpath = nodeOf.get(field);
      try {
        const node = xpath ? root.get(xpath) : null;
        const el = node instanceof XmlElement ? node : node?.parent;
        return el?.line || undefined;
      } catch {
        return undefined; // a constant or a function: no element to point at
      }
    },
    dispose() {
      compiler.dispose();
      combined.dispose();
      nodeOf.forEach((x) => x.dispose());
      nodeOf.clear();
    },
  };
}

/** The elements with an empty `code` inside the header element `scope`, as a node set or their count. */
export function emptyCodesIn(scope: string, as: 'nodes' | 'count'): string {
  const nodes = `${scope}//*[code][normalize-space(code)='']`;
  return as === 'count' ? `count(${nodes})` : nodes;
}
