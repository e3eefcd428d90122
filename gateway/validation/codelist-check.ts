/**
 * Layer 4: codes of the Type-3 lists a standard holds as genericode, checked by
 * (listURI, listVersionID). A coded element is one with an unqualified `code` child (the
 * XÖV Code type). Its list is its `listURI` attribute or, where the sender left it out, the
 * one the XSD fixes for that element (xsd-scan.ts); the same for the version. Elements of lists not held are not checked: only what the gateway can
 * know is judged. An empty code is judged here too when its list is held.
 */
import { XmlElement, XmlXPath } from 'libxml2-wasm';
import type { CodeListRegistry } from './codelists.js';
import { locate } from './findings.js';
import { shownToken, WITHHELD } from './redact.js';
import type { Finding } from './types.js';
import { bindingKey, type CodeBinding } from './xsd-scan.js';

const MAX_FINDINGS = 50;

export interface CodeListCheck {
  /** Checks the message whose root element is `root`. */
  check(root: XmlElement): Finding[];
  dispose(): void;
}

/**
 * Undefined when the standard holds no code list: then the layer costs nothing. Otherwise a
 * message costs one XPath evaluation that counts the coded elements which may be wrong
 * (prefilter, below); only when it finds some are the elements judged one by one.
 */
export function compileCodeListCheck(registry: CodeListRegistry, bindings: ReadonlyMap<string, CodeBinding[]>): CodeListCheck | undefined {
  if (registry.size === 0) return undefined;
  // coded elements are those with a `code` child (the XÖV Code type requires it); an
  // attribute test on every element would double the cost of the scan
  const candidates = XmlXPath.compile('descendant::*[code]');
  const suspects = prefilter(registry, bindings);
  return {
    check(root) {
      if (root.eval(suspects) === 0) return [];
      const findings: Finding[] = [];
      for (const node of root.find(candidates)) {
        if (!(node instanceof XmlElement)) continue;
        const finding = judge(node, registry, bindings.get(bindingKey(node.namespaceUri, node.name)));
        if (finding) findings.push(finding);
        if (findings.length >= MAX_FINDINGS) break;
      }
      return findings;
    },
    dispose() {
      candidates.dispose();
      suspects.dispose();
    },
  };
}

/**
 * One XPath counting the elements `judge` might flag: those of a held list whose code is not
 * in the version they name (code sets as `|a|b|` string literals). It may count more than
 * `judge` flags — never fewer: a list with codes the literal cannot hold safely (quotes, `|`,
 * blanks), or one whose version the XSD fixes, counts all its elements.
 */
function prefilter(registry: CodeListRegistry, bindings: ReadonlyMap<string, CodeBinding[]>): XmlXPath {
  const prefixes: Record<string, string> = {};
  const step = (key: string): string => {
    const m = /^\{(.*)\}(.+)$/.exec(key);
    const [ns = '', name = ''] = m ? [m[1], m[2]] : [];
    if (ns === '') return `self::${name}`;
    const prefix = Object.entries(prefixes).find(([, uri]) => uri === ns)?.[0] ?? `cl${Object.keys(prefixes).length}`;
    prefixes[prefix] = ns;
    return `self::${prefix}:${name}`;
  };
  const uris = [...new Set(registry.lists.map((l) => l.uri))];
  const parts = uris.map((uri) => {
    const bound = [...bindings].filter(([, b]) => b.length === 1 && b[0]?.uri === uri);
    const names = bound.map(([key]) => step(key));
    const mine = `(@listURI=${literal(uri)}${names.length > 0 ? ` or (not(@listURI) and (${names.join(' or ')}))` : ''})`;
    const versions = registry.versions(uri);
    const lists = versions.map((v) => registry.get(uri, v)).filter((l): l is NonNullable<typeof l> => l !== undefined);
    const unsafe = lists.some((l) => [...l.codes].some((c) => /['|\s]/.test(c))) || bound.some(([, b]) => b[0]?.version !== undefined)
      || [uri, ...versions].some((x) => x.includes("'"));
    if (unsafe) return mine;
    const has = (codes: ReadonlySet<string>): string => `contains('|${[...codes].join('|')}|', concat('|', normalize-space(code), '|'))`;
    const ok = [
      ...lists.map((l) => `(@listVersionID='${l.version}' and ${has(l.codes)})`),
      `(not(@listVersionID) and (${lists.map((l) => has(l.codes)).join(' or ')}))`,
    ];
    return `(${mine} and not(${ok.join(' or ')}))`;
  });
  return XmlXPath.compile(`count(descendant::*[code][${parts.join(' or ')}])`, prefixes);
}

const literal = (s: string): string => (s.includes("'") ? `"${s}"` : `'${s}'`);

function judge(el: XmlElement, registry: CodeListRegistry, bound: CodeBinding[] | undefined): Finding | undefined {
  const uri = el.attr('listURI')?.value ?? (bound?.length === 1 ? bound[0]?.uri : undefined);
  if (uri === undefined || !registry.holds(uri)) return undefined;
  const version = el.attr('listVersionID')?.value ?? bound?.find((b) => b.uri === uri)?.version;
  const code = codeOf(el);
  const finding = (rule: string, message: string): Finding => ({ message, ...locate(el), layer: 'codelist', rule: `codelist.${rule}` });
  const held = registry.versions(uri);
  if (version === undefined) {
    if (held.some((v) => registry.get(uri, v)?.codes.has(code))) return undefined;
    return finding('unknown-code', `the ${code === '' ? 'empty code' : `code ${WITHHELD}`} is in no version held of ${uri} (no listVersionID given; versions held: ${held.join(', ')})`);
  }
  const list = registry.get(uri, version);
  if (!list) return finding('unknown-version', `list ${uri} version ${shownToken(version)} is not held (stale or unknown listVersionID); versions held: ${held.join(', ')}`);
  if (list.codes.has(code)) return undefined;
  return finding('unknown-code', `the ${code === '' ? 'empty code' : `code ${WITHHELD}`} is not in ${list.shortName} (${uri}) version ${version}`);
}

/** Text of the unqualified `code` child, trimmed; '' when there is none. */
function codeOf(el: XmlElement): string {
  for (let c = el.firstChild; c; c = c.next) {
    if (c instanceof XmlElement && c.name === 'code' && c.namespaceUri === '') return c.content.trim();
  }
  return '';
}
