/**
 * Genericode code lists (OASIS Code List Representation, genericode 1.0) held for a
 * standard: each `gc:CodeList` file gives `Identification/CanonicalUri` (the XÖV listURI),
 * `Version` (the listVersionID) and `CanonicalVersionUri` (`<uri>_<version>`), and its rows
 * in `SimpleCodeList`. The code is the value of the list's key column (the first `Key`'s
 * `ColumnRef`), unless the descriptor names another column. Loaded once at start.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve as resolvePath } from 'node:path';
import { ParseOption, XmlDocument, XmlElement } from 'libxml2-wasm';
import type { Issue } from '../errors.js';
import { NO_INPUTS, withInputs } from './input-guard.js';

export const GENERICODE_NS = 'http://docs.oasis-open.org/codelist/ns/genericode/1.0/';
const SAFE_PARSE = ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE;

export interface CodeList {
  uri: string;
  version: string;
  shortName: string;
  codes: ReadonlySet<string>;
  file: string;
}

/** The code lists of one standard, by listURI and version. */
export class CodeListRegistry {
  private readonly byUri = new Map<string, Map<string, CodeList>>();
  /** Per listURI, the codes of all its versions held: for a coded element without listVersionID. */
  private readonly anyVersion = new Map<string, Set<string>>();
  private readonly sortedVersions = new Map<string, string[]>();

  constructor(readonly lists: readonly CodeList[]) {
    for (const l of lists) {
      let versions = this.byUri.get(l.uri);
      if (!versions) this.byUri.set(l.uri, (versions = new Map()));
      versions.set(l.version, l);
      let all = this.anyVersion.get(l.uri);
      if (!all) this.anyVersion.set(l.uri, (all = new Set()));
      l.codes.forEach((c) => all.add(c));
    }
    for (const [uri, versions] of this.byUri) this.sortedVersions.set(uri, [...versions.keys()].sort());
  }

  get size(): number {
    return this.lists.length;
  }

  /** True when some version of the list is held. */
  holds(uri: string): boolean {
    return this.byUri.has(uri);
  }

  get(uri: string, version: string): CodeList | undefined {
    return this.byUri.get(uri)?.get(version);
  }

  /** True when some version held of the list has `code`. */
  inAnyVersion(uri: string, code: string): boolean {
    return this.anyVersion.get(uri)?.has(code) ?? false;
  }

  /** Versions held of a list, sorted. */
  versions(uri: string): string[] {
    return [...(this.sortedVersions.get(uri) ?? [])];
  }
}

export interface CodeListSource { path: string; codeColumn?: string | undefined }

/**
 * Reads the genericode files the descriptor lists (files, or folders whose `*.xml` files are
 * read). Never throws: every unreadable or malformed file, missing identification, empty
 * list and duplicate (listURI, version) becomes an issue; the readable lists are returned.
 */
export async function loadCodeLists(dir: string, sources: ReadonlyArray<string | CodeListSource>, label: string): Promise<{ registry: CodeListRegistry; issues: Issue[] }> {
  const issues: Issue[] = [];
  const lists: CodeList[] = [];
  const seen = new Map<string, string>();
  for (const s of sources) {
    const src: CodeListSource = typeof s === 'string' ? { path: s } : s;
    for (const file of await expand(resolvePath(dir, src.path), issues, label)) {
      const shown = relative(dir, file);
      const list = await readGenericode(file, shown, src.codeColumn, issues);
      if (!list) continue;
      const key = `${list.uri} ${list.version}`;
      const other = seen.get(key);
      if (other) {
        issues.push({ message: `${shown} holds ${list.uri} version ${list.version} again (already in ${other})`, path: label, layer: 'codelist' });
        continue;
      }
      seen.set(key, shown);
      lists.push(list);
    }
  }
  return { registry: new CodeListRegistry(lists), issues };
}

async function expand(path: string, issues: Issue[], label: string): Promise<string[]> {
  try {
    if (!(await stat(path)).isDirectory()) return [path];
    return (await readdir(path)).filter((f) => f.endsWith('.xml')).sort().map((f) => join(path, f));
  } catch {
    issues.push({ message: `code list ${path} does not exist`, path: label, layer: 'codelist' });
    return [];
  }
}

const child = (el: XmlElement, name: string): XmlElement | undefined => children(el).find((c) => c.name === name);
const children = (el: XmlElement): XmlElement[] => {
  const out: XmlElement[] = [];
  for (let c = el.firstChild; c; c = c.next) if (c instanceof XmlElement) out.push(c);
  return out;
};
const text = (el: XmlElement | undefined): string => el?.content.trim() ?? '';

async function readGenericode(file: string, shown: string, codeColumn: string | undefined, issues: Issue[]): Promise<CodeList | undefined> {
  const problem = (message: string): undefined => {
    issues.push({ message: `${shown}: ${message}`, path: file, layer: 'codelist' });
    return undefined;
  };
  let doc: XmlDocument;
  try {
    const bytes = await readFile(file);
    doc = withInputs(NO_INPUTS, () => XmlDocument.fromBuffer(bytes, { option: SAFE_PARSE }));
  } catch (cause) {
    return problem(`not readable genericode: ${(cause as Error).message.trim()}`);
  }
  try {
    const root = doc.root;
    if (root.name !== 'CodeList' || root.namespaceUri !== GENERICODE_NS) return problem(`root is not {${GENERICODE_NS}}CodeList`);
    const id = child(root, 'Identification');
    const uri = text(id && child(id, 'CanonicalUri'));
    const version = text(id && child(id, 'Version'));
    const versionUri = text(id && child(id, 'CanonicalVersionUri'));
    if (!uri || !version) return problem('Identification lacks CanonicalUri or Version');
    if (versionUri && versionUri !== `${uri}_${version}`) return problem(`CanonicalVersionUri ${versionUri} is not ${uri}_${version}`);
    const columns = children(child(root, 'ColumnSet') ?? root).filter((c) => c.name === 'Column').map((c) => c.attr('Id')?.value ?? '');
    const key = child(child(root, 'ColumnSet') ?? root, 'Key');
    const column = codeColumn ?? (key && child(key, 'ColumnRef')?.attr('Ref')?.value) ?? columns[0];
    const index = columns.indexOf(column ?? '');
    if (column === undefined || index < 0) return problem(`no column ${column ?? '(none)'} in ColumnSet (columns: ${columns.join(', ') || 'none'})`);
    const codes = new Set<string>();
    for (const row of children(child(root, 'SimpleCodeList') ?? root).filter((c) => c.name === 'Row')) {
      const values = children(row).filter((v) => v.name === 'Value');
      const value = values.find((v) => v.attr('ColumnRef')?.value === column) ?? values.find((v, i) => !v.attr('ColumnRef') && i === index);
      const code = text(value && child(value, 'SimpleValue'));
      if (code) codes.add(code);
    }
    if (codes.size === 0) return problem(`no codes in column ${column}`);
    return { uri, version, shortName: text(id && child(id, 'ShortName')) || uri, codes, file };
  } finally {
    doc.dispose();
  }
}
