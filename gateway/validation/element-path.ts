/**
 * Element paths for error reports, written with local names only:
 * `/wohngeld.antrag.0201/haushalt/mitglied[2]/person/vorname`. A position is added where
 * an element has same-named siblings (the convention of libxml2's own node paths).
 */
import { XmlElement, type XmlDocument, type XmlNode } from 'libxml2-wasm';

/** The path of an element (or of the element owning a non-element node). */
export function elementPath(node: XmlNode): string {
  const steps: string[] = [];
  let el: XmlElement | null = node instanceof XmlElement ? node : node.parent;
  while (el) {
    steps.unshift(step(el));
    el = el.parent;
  }
  return `/${steps.join('/')}`;
}

/** One step; sibling counts run as XPath inside libxml2, so wide documents stay cheap. */
function step(el: XmlElement): string {
  if (!el.parent) return el.name;
  const ns = literal(el.namespaceUri);
  if (ns === undefined) return el.name;
  const same = `*[local-name()='${el.name}' and namespace-uri()=${ns}]`;
  const total = el.eval(`count(../${same})`);
  if (typeof total !== 'number' || total < 2) return el.name;
  const before = el.eval(`count(preceding-sibling::${same})`);
  return typeof before === 'number' ? `${el.name}[${before + 1}]` : el.name;
}

/** An XPath string literal for `s`, or undefined when it holds both quote characters. */
function literal(s: string): string | undefined {
  if (!s.includes("'")) return `'${s}'`;
  return s.includes('"') ? undefined : `"${s}"`;
}

const PREFIX = /^[A-Za-z_][\w.-]*:/;
const PREFIXED_STEP = /^([A-Za-z_][\w.-]*):([A-Za-z_][\w.-]*)(\[\d+\])?$/;

/**
 * Turns the node path libxml2 attaches to a diagnostic into an element path. Its steps are
 * `prefix:name[n]` (n among same-named siblings) for prefixed elements and `*[n]` for
 * elements in a default namespace. The first kind only loses its prefix; a path with the
 * second kind is resolved on `doc` to learn the names.
 */
export function pathFromLibxml(doc: XmlDocument, xpath: string | undefined): string | undefined {
  if (!xpath) return undefined;
  const steps = xpath.split('/');
  if (!steps.some((s) => s.startsWith('*'))) return steps.map((s) => s.replace(PREFIX, '')).join('/');
  const query = steps.map((s) => {
    const m = PREFIXED_STEP.exec(s);
    return m ? `*[local-name()='${m[2]}']${m[3] ?? ''}` : s;
  }).join('/');
  try {
    const node = doc.get(query);
    if (node) return elementPath(node);
  } catch {
    // not an expression we can evaluate: use the text form below
  }
  return steps.map((s) => s.replace(PREFIX, '')).join('/');
}

/** Shows an XPath expression of a header profile as an element path under `root`. */
export function displayPath(root: string, expr: string): string {
  return `/${root}/${expr.replace(/(^|[/(\s,])[A-Za-z_][\w.-]*:(?=[A-Za-z_*])/g, '$1')}`;
}
