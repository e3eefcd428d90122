/**
 * Compiles the XSD set of one standard version from memory: every `*.xsd` under the
 * descriptor's schemaDir is read into memory, and libxml2 resolves includes and imports only
 * through the input guard (catalog first, then those in-memory files). A reference that
 * resolves to neither is recorded and fails the load; nothing is fetched or read later.
 */
import { readdir, readFile } from 'node:fs/promises';
import { isAbsolute, resolve as resolvePath } from 'node:path';
import { ParseOption, XmlDocument, XmlLibError, XsdValidator } from 'libxml2-wasm';
import type { Issue } from '../errors.js';
import type { Catalog } from './catalog.js';
import { withInputs, type InputSource } from './input-guard.js';

const SAFE_PARSE = ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE;
/** Compile errors cascade (one missing import, dozens of unknown types): the first ones say it. */
const MAX_COMPILE_ISSUES = 20;

/** Every `*.xsd` below `root` (recursively), keyed by absolute path. Throws when `root` cannot be read. */
export async function readXsdFiles(root: string, files = new Map<string, Uint8Array>()): Promise<Map<string, Uint8Array>> {
  for (const e of await readdir(root, { withFileTypes: true })) {
    const path = resolvePath(root, e.name);
    if (e.isDirectory()) await readXsdFiles(path, files);
    else if (e.isFile() && e.name.endsWith('.xsd')) files.set(path, await readFile(path));
  }
  return files;
}

/**
 * Compiles `entry` with references served from `files` through `catalog`. Returns the
 * validator (undefined when it does not compile) and one issue per unresolved reference and
 * per compile error, labelled with the descriptor `file`.
 */
export function compileXsd(
  entry: Uint8Array, entryPath: string, files: ReadonlyMap<string, Uint8Array>, catalog: Catalog | undefined, file: string, schemaDir: string,
): { xsd: XsdValidator | undefined; issues: Issue[] } {
  const refused = new Map<string, string>();
  const source: InputSource = (name) => {
    const mapped = catalog?.resolve(name);
    if (mapped !== undefined) {
      const data = files.get(mapped);
      if (data === undefined) refused.set(name, `the catalog maps it to ${mapped}, which is not an .xsd file under ${schemaDir}/`);
      return data;
    }
    const data = isAbsolute(name) ? files.get(resolvePath(name)) : undefined;
    if (data === undefined) refused.set(name, `neither the catalog nor a file under ${schemaDir}/ provides it`);
    return data;
  };
  const unresolved = (): Issue[] => [...refused].map(([name, why]) => ({ message: `unresolved schema reference ${name}: ${why}`, path: file, layer: 'catalog' }));
  try {
    const xsd = withInputs(source, () => {
      const doc = XmlDocument.fromBuffer(entry, { url: entryPath, option: SAFE_PARSE });
      try {
        return XsdValidator.fromDoc(doc);
      } finally {
        doc.dispose();
      }
    });
    const issues = unresolved();
    if (issues.length === 0) return { xsd, issues };
    xsd.dispose();
    return { xsd: undefined, issues };
  } catch (cause) {
    const details = cause instanceof XmlLibError ? cause.details : [];
    const issues: Issue[] = [
      ...unresolved(),
      { message: `${file}: the XSD set does not compile`, path: file, layer: 'xsd-compile' },
      ...details.slice(0, MAX_COMPILE_ISSUES).map((e) => ({ message: e.message.trim(), line: e.line, path: e.file ?? entryPath, layer: 'xsd-compile' })),
    ];
    if (details.length > MAX_COMPILE_ISSUES) issues.push({ message: `${details.length - MAX_COMPILE_ISSUES} more compile errors not listed`, path: file, layer: 'xsd-compile' });
    return { xsd: undefined, issues };
  }
}
