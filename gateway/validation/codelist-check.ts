/**
 * Layer 4: codes of the Type-3 lists a standard holds as genericode, checked by
 * (listURI, listVersionID). A coded element is one with an unqualified `code` child (the
 * XÖV Code type). Its list is its `listURI` attribute or, where the sender left it out, the
 * one the XSD fixes for that element (xsd-scan.ts); the same for the version. Elements of
 * lists not held are not checked: only what the gateway can know is judged. An empty code is
 * judged here too when its list is held.
 *
 * Cost (ADR 0035): the code sets are built at load (registry, per listURI and version, and
 * per listURI over all its versions). Where the lists held are small (PREFILTER_MAX_CHARS),
 * one XPath first counts the coded elements that may be wrong, and a message without any
 * costs that one evaluation. Otherwise — large lists, where the literal scan would grow with
 * the list — or when it counts some, one XPath selects every coded element in one pass and
 * one precompiled read per element returns its name, listURI, listVersionID and code as one
 * string; the judgement is a Set lookup, whatever the size of the list.
 */
import { XmlElement, XmlXPath, type XmlNode } from 'libxml2-wasm';
import type { CodeListRegistry } from './codelists.js';
import { locate } from './findings.js';
import { shownToken, WITHHELD } from './redact.js';
import type { Finding } from './types.js';
import { PUBLIC_SCOPE, type XPathScope } from './xpath-scope.js';
import { bindingKey, type CodeBinding } from './xsd-scan.js';

const MAX_FINDINGS = 50;
/** Above this many characters of code literals, the prefilter would cost more than reading every coded element. */
const PREFILTER_MAX_CHARS = 16_384;
/** Separates the facts of one coded element in its combined read (a private-use character, as in header.ts). */
const SEP = '\ue002';

export interface CodeListCheck {
  /** Checks the message whose root element is `root` (through `scope` when the caller opened one on its document). */
  check(root: XmlElement, scope?: XPathScope): Finding[];
  dispose(): void;
}

/** What `judge` needs of one coded element: its attributes as given (undefined when absent) and its code, trimmed. */
interface CodedElement { key: string; uri: string | undefined; version: string | undefined; code: string }

/** Undefined when the standard holds no code list: then the layer costs nothing. */
export function compileCodeListCheck(registry: CodeListRegistry, bindings: ReadonlyMap<string, CodeBinding[]>): CodeListCheck | undefined {
  if (registry.size === 0) return undefined;
  // coded elements are those with a `code` child (the XÖV Code type requires it)
  const candidates = XmlXPath.compile('descendant::*[code]');
  const suspects = prefilter(registry, bindings);
  const facts = XmlXPath.compile(`concat(namespace-uri(), '${SEP}', local-name(), '${SEP}', count(@listURI), '${SEP}', @listURI, '${SEP}', count(@listVersionID), '${SEP}', @listVersionID, '${SEP}', code)`);
  const read = (node: XmlNode, scope: XPathScope): CodedElement => {
    const v = scope.eval(node, facts);
    const parts = typeof v === 'string' ? v.split(SEP) : [];
    if (parts.length === 7) {
      const [ns = '', name = '', hasUri, uri = '', hasVersion, version = '', code = ''] = parts;
      return { key: bindingKey(ns, name), uri: hasUri === '1' ? uri : undefined, version: hasVersion === '1' ? version : undefined, code: code.trim() };
    }
    // a value holds the separator: read the element through the DOM instead
    const el = node as XmlElement;
    return { key: bindingKey(el.namespaceUri, el.name), uri: el.attr('listURI')?.value, version: el.attr('listVersionID')?.value, code: codeOf(el) };
  };
  return {
    check(root, scope = PUBLIC_SCOPE) {
      if (suspects && root.eval(suspects) === 0) return [];
      const findings: Finding[] = [];
      for (const node of scope.find(root, candidates)) {
        if (!(node instanceof XmlElement)) continue;
        const verdict = judge(read(node, scope), registry, bindings);
        if (verdict) findings.push({ message: verdict.message, ...locate(node), layer: 'codelist', rule: `codelist.${verdict.rule}` });
        if (findings.length >= MAX_FINDINGS) break;
      }
      return findings;
    },
    dispose() {
      candidates.dispose();
      facts.dispose();
      suspects?.dispose();
    },
  };
}

/**
 * One XPath counting the elements `judge` might flag: those of a held list whose code is not
 * in the version they name (code sets as `|a|b|` string literals). It may count more than
 * `judge` flags — never fewer: a list with codes the literal cannot hold safely (quotes, `|`,
 * blanks), or one whose version the XSD fixes, counts all its elements. Undefined when the code
 * literals would exceed PREFILTER_MAX_CHARS.
 */
function prefilter(registry: CodeListRegistry, bindings: ReadonlyMap<string, CodeBinding[]>): XmlXPath | undefined {
  const prefixes: Record<string, string> = {};
  const step = (key: string): string => {
    const m = /^\{(.*)\}(.+)$/.exec(key);
    const [ns = '', name = ''] = m ? [m[1], m[2]] : [];
    if (ns === '') return `self::${name}`;
    const prefix = Object.entries(prefixes).find(([, uri]) => uri === ns)?.[0] ?? `cl${Object.keys(prefixes).length}`;
    prefixes[prefix] = ns;
    return `self::${prefix}:${name}`;
  };
  const chars = registry.lists.reduce((n, l) => n + [...l.codes].reduce((m, c) => m + c.length + 1, 0), 0);
  if (chars > PREFILTER_MAX_CHARS) return undefined;
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

function judge(el: CodedElement, registry: CodeListRegistry, bindings: ReadonlyMap<string, CodeBinding[]>): { rule: string; message: string } | undefined {
  const bound = bindings.get(el.key);
  const uri = el.uri ?? (bound?.length === 1 ? bound[0]?.uri : undefined);
  if (uri === undefined || !registry.holds(uri)) return undefined;
  const version = el.version ?? bound?.find((b) => b.uri === uri)?.version;
  const code = el.code;
  if (version === undefined) {
    if (registry.inAnyVersion(uri, code)) return undefined;
    return { rule: 'unknown-code', message: `the ${code === '' ? 'empty code' : `code ${WITHHELD}`} is in no version held of ${uri} (no listVersionID given; versions held: ${registry.versions(uri).join(', ')})` };
  }
  const list = registry.get(uri, version);
  if (!list) return { rule: 'unknown-version', message: `list ${uri} version ${shownToken(version)} is not held (stale or unknown listVersionID); versions held: ${registry.versions(uri).join(', ')}` };
  if (list.codes.has(code)) return undefined;
  return { rule: 'unknown-code', message: `the ${code === '' ? 'empty code' : `code ${WITHHELD}`} is not in ${list.shortName} (${uri}) version ${version}` };
}

/** Text of the unqualified `code` child, trimmed; '' when there is none. */
function codeOf(el: XmlElement): string {
  for (let c = el.firstChild; c; c = c.next) {
    if (c instanceof XmlElement && c.name === 'code' && c.namespaceUri === '') return c.content.trim();
  }
  return '';
}
