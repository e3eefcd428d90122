/**
 * Compiles the XSD set of one standard version once, at load, from memory: every `*.xsd`
 * under the descriptor's schemaDir is read into memory, and libxml2 resolves includes and
 * imports only through the input guard (catalog first, then those in-memory files). A
 * reference that resolves to neither fails the load; nothing is fetched or read later.
 */
import { readdir, readFile } from 'node:fs/promises';
import { isAbsolute, resolve as resolvePath } from 'node:path';
import { ParseOption, XmlDocument, XmlLibError, XsdValidator } from 'libxml2-wasm';
import { GatewayError, type Issue } from '../errors.js';
import { loadCatalog, type Catalog } from './catalog.js';
import type { LoadedDescriptor, StandardDescriptor } from './descriptor.js';
import { compileHeaderReader, type HeaderReader } from './header.js';
import { withInputs, type InputSource } from './input-guard.js';

const SAFE_PARSE = ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE;
const XSD_NS = 'http://www.w3.org/2001/XMLSchema';

export interface SchemaSet {
  readonly descriptor: StandardDescriptor;
  readonly file: string;
  readonly xsd: XsdValidator;
  readonly header: HeaderReader;
  /** Root element names the descriptor registers. */
  readonly messageTypes: ReadonlySet<string>;
  /** Milliseconds the XSD compile took. */
  readonly compileMs: number;
  dispose(): void;
}

/** Loads and compiles one descriptor's schema set. Throws GW_CONFIG_INVALID with every problem found. */
export async function compileSchemaSet(loaded: LoadedDescriptor): Promise<SchemaSet> {
  const { dir, file, descriptor: d } = loaded;
  const files = await readXsdFiles(resolvePath(dir, d.schemaDir));
  const catalog = d.catalog ? await loadCatalog(resolvePath(dir, d.catalog)) : undefined;
  const entryPath = resolvePath(dir, d.entry);
  const entry = files.get(entryPath);
  if (!entry) throw new GatewayError('GW_CONFIG_INVALID', `${file}: entry ${d.entry} is not an .xsd file under ${d.schemaDir}/`);

  const issues = checkMessageTypes(d, files);
  if (issues.length > 0) throw new GatewayError('GW_CONFIG_INVALID', `${file}: message types and XSD disagree`, { issues });

  const started = performance.now();
  const { xsd, refused } = compileXsd(entry, entryPath, schemaSource(files, catalog), file);
  const compileMs = performance.now() - started;
  if (refused.length > 0) {
    xsd.dispose();
    throw new GatewayError('GW_CONFIG_INVALID', `${file}: schema references resolve neither through the catalog nor to a file under ${d.schemaDir}/`, {
      issues: unresolved(refused, file),
    });
  }
  let header: HeaderReader;
  try {
    header = compileHeaderReader(d, file);
  } catch (err) {
    xsd.dispose();
    throw err;
  }
  let disposed = false;
  return {
    descriptor: d, file, xsd, header, compileMs,
    messageTypes: new Set(d.messageTypes.map((t) => t.name)),
    dispose() {
      if (disposed) return;
      disposed = true;
      header.dispose();
      xsd.dispose();
    },
  };
}

/** Catalog first (absolute URLs), then the in-memory files by absolute path; everything else is refused. */
function schemaSource(files: ReadonlyMap<string, Uint8Array>, catalog: Catalog | undefined): InputSource {
  return (name) => {
    const mapped = catalog?.resolve(name);
    if (mapped !== undefined) return files.get(mapped);
    return isAbsolute(name) ? files.get(resolvePath(name)) : undefined;
  };
}

function compileXsd(entry: Uint8Array, entryPath: string, source: InputSource, file: string): { xsd: XsdValidator; refused: string[] } {
  const refused: string[] = [];
  const recording: InputSource = (name) => {
    const data = source(name);
    if (data === undefined) refused.push(name);
    return data;
  };
  try {
    const xsd = withInputs(recording, () => {
      const doc = XmlDocument.fromBuffer(entry, { url: entryPath, option: SAFE_PARSE });
      try {
        return XsdValidator.fromDoc(doc);
      } finally {
        doc.dispose();
      }
    });
    return { xsd, refused };
  } catch (cause) {
    const details = cause instanceof XmlLibError ? cause.details : [];
    const issues: Issue[] = [
      ...unresolved(refused, file),
      ...details.map((e) => ({ message: e.message.trim(), line: e.line, path: e.file ?? entryPath, layer: 'xsd-compile' })),
    ];
    throw new GatewayError('GW_CONFIG_INVALID', `${file}: the XSD set does not compile`, { issues, cause });
  }
}

function unresolved(refused: readonly string[], file: string): Issue[] {
  return [...new Set(refused)].map((name) => ({ message: `unresolved schema reference ${name}`, path: file, layer: 'catalog' }));
}

/** Every `*.xsd` below `root` (recursively), keyed by absolute path. */
async function readXsdFiles(root: string, files = new Map<string, Uint8Array>()): Promise<Map<string, Uint8Array>> {
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (cause) {
    throw new GatewayError('GW_CONFIG_INVALID', `cannot read schema folder ${root}`, { cause });
  }
  for (const e of entries) {
    const path = resolvePath(root, e.name);
    if (e.isDirectory()) await readXsdFiles(path, files);
    else if (e.isFile() && e.name.endsWith('.xsd')) files.set(path, await readFile(path));
  }
  return files;
}

/** Each registered message type must be a global element of the message namespace in some XSD file. */
function checkMessageTypes(d: StandardDescriptor, files: ReadonlyMap<string, Uint8Array>): Issue[] {
  const declared = new Set<string>();
  for (const [path, bytes] of files) {
    let doc: XmlDocument | undefined;
    try {
      doc = XmlDocument.fromBuffer(bytes, { option: SAFE_PARSE });
      if (doc.root.attr('targetNamespace')?.value !== d.namespace) continue;
      for (const n of doc.find('/xs:schema/xs:element/@name', { xs: XSD_NS })) declared.add(n.content);
    } catch (cause) {
      return [{ message: `${path} is not well-formed: ${(cause as Error).message.trim()}`, path, layer: 'xsd-compile' }];
    } finally {
      doc?.dispose();
    }
  }
  return d.messageTypes
    .filter((t) => !declared.has(t.name))
    .map((t) => ({ message: `message type ${t.name} is not a global element of ${d.namespace}`, path: t.name, layer: 'descriptor' }));
}
