/**
 * A small OASIS XML Catalog (1.1) resolver: maps the absolute URLs that schema sets import
 * (`https://…/base.xsd`) to files shipped in the same folder. Supported entries: `uri`,
 * `system` (exact match) and `rewriteURI`, `rewriteSystem` (longest matching prefix),
 * also inside `group`. `xml:base`, `delegate*` and `nextCatalog` are not supported and are
 * refused at load, so a catalog never silently resolves less than it says.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve as resolvePath } from 'node:path';
import { ParseOption, XmlDocument, type XmlElement } from 'libxml2-wasm';
import { GatewayError } from '../errors.js';

const CATALOG_NS = 'urn:oasis:names:tc:entity:xmlns:xml:catalog';
const SAFE_PARSE = ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE;

export interface Catalog {
  /** The local absolute path for `url`, or undefined when the catalog has no entry. */
  resolve(url: string): string | undefined;
  /** Number of entries, for diagnostics. */
  readonly size: number;
}

interface Rewrite { prefix: string; target: string }

/** Reads and parses a catalog file. Throws GW_CONFIG_INVALID when it is unreadable or uses unsupported entries. */
export async function loadCatalog(file: string): Promise<Catalog> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (cause) {
    throw new GatewayError('GW_CONFIG_INVALID', `cannot read XML catalog ${file}`, { cause });
  }
  return parseCatalog(bytes, dirname(file), file);
}

/** Parses catalog bytes; relative `uri`/`rewritePrefix` values are resolved against `baseDir`. */
export function parseCatalog(bytes: Uint8Array, baseDir: string, label = 'catalog'): Catalog {
  const exact = new Map<string, string>();
  const rewrites: Rewrite[] = [];
  let doc: XmlDocument | undefined;
  try {
    doc = XmlDocument.fromBuffer(bytes, { option: SAFE_PARSE });
    const ns = { c: CATALOG_NS };
    if (doc.root.namespaceUri !== CATALOG_NS || doc.root.name !== 'catalog') {
      throw new GatewayError('GW_CONFIG_INVALID', `${label}: root must be {${CATALOG_NS}}catalog`);
    }
    const unsupported = doc.find('//c:delegateURI|//c:delegateSystem|//c:delegatePublic|//c:nextCatalog|//@xml:base', ns);
    if (unsupported.length > 0) {
      throw new GatewayError('GW_CONFIG_INVALID', `${label}: xml:base, delegate* and nextCatalog entries are not supported`);
    }
    const attr = (el: XmlElement, name: string): string => {
      const value = el.attr(name)?.value;
      if (!value) throw new GatewayError('GW_CONFIG_INVALID', `${label}: <${el.name}> without ${name} (line ${el.line})`);
      return value;
    };
    for (const node of doc.find('//c:uri|//c:system', ns)) {
      const el = node as XmlElement;
      exact.set(attr(el, el.name === 'uri' ? 'name' : 'systemId'), resolvePath(baseDir, attr(el, 'uri')));
    }
    for (const node of doc.find('//c:rewriteURI|//c:rewriteSystem', ns)) {
      const el = node as XmlElement;
      const prefix = attr(el, el.name === 'rewriteURI' ? 'uriStartString' : 'systemIdStartString');
      rewrites.push({ prefix, target: attr(el, 'rewritePrefix') });
    }
  } catch (cause) {
    if (cause instanceof GatewayError) throw cause;
    throw new GatewayError('GW_CONFIG_INVALID', `${label}: not a readable XML catalog`, { cause });
  } finally {
    doc?.dispose();
  }
  rewrites.sort((a, b) => b.prefix.length - a.prefix.length);
  return {
    size: exact.size + rewrites.length,
    resolve(url: string): string | undefined {
      const hit = exact.get(url);
      if (hit !== undefined) return hit;
      const rw = rewrites.find((r) => url.startsWith(r.prefix));
      return rw ? resolvePath(baseDir, rw.target + url.slice(rw.prefix.length)) : undefined;
    },
  };
}
