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

/**
 * One step. Sibling counts run as XPath inside libxml2 and only look back to the element
 * and one sibling ahead, so early elements of very wide documents stay cheap.
 */
function step(el: XmlElement): string {
  if (!el.parent) return el.name;
  const ns = literal(el.namespaceUri);
  if (ns === undefined) return el.name;
  const same = `*[local-name()='${el.name}' and namespace-uri()=${ns}]`;
  const before = el.eval(`count(preceding-sibling::${same})`);
  const after = el.eval(`count(following-sibling::${same}[1])`);
  if (typeof before !== 'number' || typeof after !== 'number' || before + after === 0) return el.name;
  return `${el.name}[${before + 1}]`;
}

/** An XPath string literal for `s`, or undefined when it holds both quote characters. */
function literal(s: string): string | undefined {
  if (!s.includes("'")) return `'${s}'`;
  return s.includes('"') ? undefined : `"${s}"`;
}

const PREFIX = /^[A-Za-z_][\w.-]*:/;
const STEP = /^(?:([A-Za-z_][\w.-]*):)?([A-Za-z_][\w.-]*|\*)(?:\[(\d+)\])?$/;

interface ChildList {
  elements: XmlElement[];
  /** 1-based position of each element among its same-named siblings. */
  sameNameIndex: number[];
  /** How many siblings share each `namespace name`. */
  sameNameCount: Map<string, number>;
}

/**
 * Turns the node paths libxml2 attaches to schema errors into element paths, for one
 * document. libxml2 writes `prefix:name[n]` (n among same-named siblings) for prefixed
 * elements, `name[n]` for elements without namespace and `*[n]` (n among all element
 * siblings) for elements in a default namespace. Paths without `*` only lose their
 * prefixes; the others are walked down the document, listing the element children of each
 * parent on the way once per report, so many errors in a wide document stay linear.
 */
export class LibxmlPathResolver {
  private readonly lists = new Map<string, ChildList>();

  constructor(private readonly doc: XmlDocument) {}

  resolve(xpath: string | undefined): string | undefined {
    if (!xpath) return undefined;
    const steps = xpath.split('/');
    const text = steps.map((s) => s.replace(PREFIX, '')).join('/');
    if (!steps.some((s) => s.startsWith('*'))) return text;
    try {
      return this.walk(steps.slice(2)) ?? text;
    } catch {
      return text;
    }
  }

  private walk(below: string[]): string | undefined {
    let node = this.doc.root;
    let key = '';
    const out = [node.name];
    for (const raw of below) {
      const m = STEP.exec(raw);
      if (!m) break; // text(), comment(), @attribute: the element so far is the place
      const list = this.childList(key, node);
      const n = Number(m[3] ?? '1');
      const i = m[2] === '*'
        ? n - 1
        : list.elements.findIndex((e, k) => e.name === m[2] && list.sameNameIndex[k] === n);
      const child = list.elements[i];
      if (!child) return undefined;
      const repeated = (list.sameNameCount.get(`${child.namespaceUri} ${child.name}`) ?? 0) > 1;
      out.push(repeated ? `${child.name}[${list.sameNameIndex[i]}]` : child.name);
      key += `/${i}`;
      node = child;
    }
    return `/${out.join('/')}`;
  }

  private childList(key: string, parent: XmlElement): ChildList {
    let list = this.lists.get(key);
    if (list) return list;
    list = { elements: [], sameNameIndex: [], sameNameCount: new Map() };
    for (let c = parent.firstChild; c; c = c.next) {
      if (!(c instanceof XmlElement)) continue;
      const id = `${c.namespaceUri} ${c.name}`;
      const count = (list.sameNameCount.get(id) ?? 0) + 1;
      list.sameNameCount.set(id, count);
      list.elements.push(c);
      list.sameNameIndex.push(count);
    }
    this.lists.set(key, list);
    return list;
  }
}

/** Shows an XPath expression of a header profile as an element path under `root`. */
export function displayPath(root: string, expr: string): string {
  const steps = expr.replace(/\*\[local-name\(\)\s*=\s*'([^']+)'\]/g, '$1');
  return `/${root}/${steps.replace(/(^|[/(\s,])[A-Za-z_][\w.-]*:(?=[A-Za-z_*])/g, '$1')}`;
}
