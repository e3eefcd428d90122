/**
 * What the gateway reads from a schema set's XSD files beside compiling them (once, at
 * load): the global elements of each namespace (to check the descriptor's message types),
 * and the *code bindings*: which element names carry a code type whose `listURI` (and
 * perhaps `listVersionID`) the XSD fixes. XÖV lets a sender omit a listURI the standard
 * fixes, so layer 4 needs these to know the list of such an element.
 */
import { ParseOption, XmlDocument, type XmlElement } from 'libxml2-wasm';
import type { Issue } from '../errors.js';
import { NO_INPUTS, withInputs } from './input-guard.js';

const SAFE_PARSE = ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE;
const XS = { xs: 'http://www.w3.org/2001/XMLSchema' };

/** A list fixed by the XSD for an element: its listURI and, where fixed or defaulted, the version. */
export interface CodeBinding { uri: string; version: string | undefined }

export interface XsdScan {
  /** Global element names per target namespace. */
  globalElements: Map<string, Set<string>>;
  /** `{namespace}localName` → the lists its code types fix (more than one: the name is used with different lists). */
  bindings: Map<string, CodeBinding[]>;
  issues: Issue[];
}

export const bindingKey = (ns: string, name: string): string => `{${ns}}${name}`;

/** Scans every XSD file (bytes keyed by path). Files that are not well-formed become issues. */
export function scanXsdFiles(files: ReadonlyMap<string, Uint8Array>): XsdScan {
  const scan: XsdScan = { globalElements: new Map(), bindings: new Map(), issues: [] };
  const codeTypes = new Map<string, CodeBinding>();
  const typedElements: Array<{ key: string; type: string }> = [];
  withInputs(NO_INPUTS, () => {
    for (const [path, bytes] of files) {
      let doc: XmlDocument | undefined;
      try {
        doc = XmlDocument.fromBuffer(bytes, { option: SAFE_PARSE });
        scanOne(doc, codeTypes, typedElements, scan.globalElements);
      } catch (cause) {
        scan.issues.push({ message: `${path} is not well-formed: ${(cause as Error).message.trim()}`, path, layer: 'xsd-compile' });
      } finally {
        doc?.dispose();
      }
    }
  });
  for (const { key, type } of typedElements) {
    const binding = codeTypes.get(type);
    if (!binding) continue;
    const list = scan.bindings.get(key) ?? [];
    if (!list.some((b) => b.uri === binding.uri && b.version === binding.version)) list.push(binding);
    scan.bindings.set(key, list);
  }
  return scan;
}

function scanOne(doc: XmlDocument, codeTypes: Map<string, CodeBinding>, typed: Array<{ key: string; type: string }>, globals: Map<string, Set<string>>): void {
  const schema = doc.root;
  const tns = schema.attr('targetNamespace')?.value ?? '';
  const qualified = schema.attr('elementFormDefault')?.value === 'qualified';
  const names = globals.get(tns) ?? new Set<string>();
  globals.set(tns, names);
  for (const n of doc.find('/xs:schema/xs:element/@name', XS)) names.add(n.content);

  for (const node of doc.find('//xs:complexType[@name][.//xs:attribute[@name="listURI"][@fixed or @default]]', XS)) {
    const ct = node as XmlElement;
    const attr = (name: string, which: string): string | undefined => {
      const hit = ct.get(`.//xs:attribute[@name="${name}"]/@${which}`, XS);
      return hit ? hit.content : undefined;
    };
    const uri = attr('listURI', 'fixed') ?? attr('listURI', 'default');
    if (uri) codeTypes.set(`{${tns}}${ct.attr('name')?.value ?? ''}`, { uri, version: attr('listVersionID', 'fixed') ?? attr('listVersionID', 'default') });
  }
  for (const node of doc.find('//xs:element[@name and @type]', XS)) {
    const el = node as XmlElement;
    const type = resolveQName(el, el.attr('type')?.value ?? '');
    if (!type) continue;
    const global = el.parent?.name === 'schema';
    const form = el.attr('form')?.value;
    const ns = global || form === 'qualified' || (form === undefined && qualified) ? tns : '';
    typed.push({ key: bindingKey(ns, el.attr('name')?.value ?? ''), type });
  }
}

/** `prefix:local` → `{namespace}local` with the namespaces in scope at `el`. */
function resolveQName(el: XmlElement, qname: string): string | undefined {
  const [prefix, local] = qname.includes(':') ? qname.split(':', 2) : ['', qname];
  const ns = el.namespaceForPrefix(prefix ?? '');
  return ns === null || local === undefined ? undefined : `{${ns}}${local}`;
}
