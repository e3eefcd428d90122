/**
 * One standard version, compiled: XSD set, header reader, header sanity, code lists and
 * their XSD bindings, service rules and default strictness. `compileStandard` runs every
 * step it can and lists every problem (the load refuses a set with any; `standards check`
 * prints them all), so one run shows everything wrong with a descriptor folder.
 */
import { resolve as resolvePath } from 'node:path';
import type { XsdValidator } from 'libxml2-wasm';
import { GatewayError, type Issue } from '../errors.js';
import { loadCatalog, type Catalog } from './catalog.js';
import { compileCodeListCheck, type CodeListCheck } from './codelist-check.js';
import { loadCodeLists, type CodeListRegistry } from './codelists.js';
import { messageTypeNames, resolveHeaderProfile, type DescriptorReading, type RoutingKey, type StandardDescriptor } from './descriptor.js';
import { compileHeaderReader, type HeaderReader } from './header.js';
import { compileHeaderSanity, type HeaderSanity } from './header-sanity.js';
import { compileRules, type RuleSet } from './rules.js';
import { RULE_DEFAULTS, STRICT_LAYERS, type EffectiveStrictness, type LayerMode, type StrictLayer } from './types.js';
import { compileXsd, readXsdFiles } from './xsd-compile.js';
import { scanXsdFiles, type XsdScan } from './xsd-scan.js';

export interface SchemaSet {
  readonly descriptor: StandardDescriptor;
  readonly file: string;
  readonly xsd: XsdValidator;
  readonly header: HeaderReader;
  readonly sanity: HeaderSanity;
  readonly codeLists: CodeListRegistry;
  /** Undefined when the standard holds no code list. */
  readonly codeCheck: CodeListCheck | undefined;
  readonly rules: RuleSet;
  /** Root element names the descriptor registers. */
  readonly messageTypes: ReadonlySet<string>;
  /** The descriptor's default strictness: every layer set, and its rule settings over the gateway's rule defaults. */
  readonly strictness: EffectiveStrictness;
  /** Per message type, the routing keys it may leave empty (descriptor `optionalHeader`). */
  readonly optionalKeys: ReadonlyMap<string, readonly RoutingKey[]>;
  /** Milliseconds the XSD compile took. */
  readonly compileMs: number;
  dispose(): void;
}

export interface CompiledStandard {
  /** Present only when there was no problem at all. */
  set: SchemaSet | undefined;
  issues: Issue[];
  /** What was found, also when the set failed: for `standards check`. */
  stats: { xsdFiles: number; codeLists: CodeListRegistry; rules: number; compileMs: number | undefined };
}

/** Compiles one descriptor reading. Never throws for a problem of the folder; all are in `issues`. */
export async function compileStandard(reading: DescriptorReading): Promise<CompiledStandard> {
  const { dir, file, partial: d } = reading;
  const issues: Issue[] = [...reading.issues];
  const disposers: Array<() => void> = [];
  const record = (err: unknown): undefined => {
    if (!(err instanceof GatewayError) || err.code !== 'GW_CONFIG_INVALID') throw err;
    issues.push(...(err.issues.length > 0 ? err.issues : [{ message: err.message, path: file, layer: 'descriptor' }]));
    return undefined;
  };
  const attempt = <T>(step: () => T): T | undefined => {
    try {
      return step();
    } catch (err) {
      return record(err);
    }
  };
  const schemaDir = d.schemaDir ?? 'xsd';
  const files = await readXsdFiles(resolvePath(dir, schemaDir)).catch(() => {
    issues.push({ message: `schema folder ${schemaDir}/ cannot be read`, path: file, layer: 'descriptor' });
    return new Map<string, Uint8Array>();
  });
  let catalog: Catalog | undefined;
  if (d.catalog) catalog = await loadCatalog(resolvePath(dir, d.catalog)).catch(record);

  const scan = scanXsdFiles(files);
  issues.push(...scan.issues);
  if (d.namespace !== undefined) issues.push(...undeclaredTypes(messageTypeNames(d), d.namespace, scan));

  let xsd: XsdValidator | undefined;
  let compileMs: number | undefined;
  if (d.entry !== undefined) {
    const entryPath = resolvePath(dir, d.entry);
    const entry = files.get(entryPath);
    if (!entry) {
      issues.push({ message: `entry ${d.entry} is not an .xsd file under ${schemaDir}/`, path: `${file}#/entry`, layer: 'descriptor' });
    } else {
      const started = performance.now();
      const compiled = compileXsd(entry, entryPath, files, catalog, file, schemaDir);
      compileMs = performance.now() - started;
      issues.push(...compiled.issues);
      xsd = compiled.xsd;
      if (xsd) disposers.push(() => xsd?.dispose());
    }
  }

  const codeLists = await loadCodeLists(dir, d.codeLists ?? [], file);
  issues.push(...codeLists.issues);
  const codeCheck = compileCodeListCheck(codeLists.registry, scan.bindings);
  if (codeCheck) disposers.push(() => codeCheck.dispose());

  const { profile } = resolveHeaderProfile(d, file); // its issues came with the reading
  let header: HeaderReader | undefined;
  let sanity: HeaderSanity | undefined;
  if (profile && d.rootAttributes && d.standard !== undefined && d.version !== undefined) {
    const meta = { rootAttributes: d.rootAttributes, standard: d.standard, version: d.version };
    header = attempt(() => compileHeaderReader(meta, profile, file));
    if (header) {
      disposers.push(() => header?.dispose());
      sanity = attempt(() => compileHeaderSanity(header as HeaderReader, file));
      if (sanity) disposers.push(() => sanity?.dispose());
    }
  }
  const namespaces = profile?.namespaces ?? d.namespaces ?? {};
  const rules = d.rules ? attempt(() => compileRules(d.rules ?? [], namespaces, file)) : undefined;
  if (rules) disposers.push(() => rules.dispose());

  const stats = { xsdFiles: files.size, codeLists: codeLists.registry, rules: d.rules?.length ?? 0, compileMs };
  const descriptor = reading.descriptor;
  if (issues.length > 0 || !descriptor || !xsd || !header || !sanity || !rules || compileMs === undefined) {
    disposers.forEach((f) => f());
    return { set: undefined, issues, stats };
  }
  let disposed = false;
  const set: SchemaSet = {
    descriptor, file, xsd, header, sanity, rules, codeCheck, compileMs,
    codeLists: codeLists.registry,
    messageTypes: new Set(messageTypeNames(descriptor)),
    strictness: { layers: layersOf(descriptor.strictness), byRule: { ...RULE_DEFAULTS, ...descriptor.strictness.byRule } },
    optionalKeys: new Map(descriptor.messageTypes.flatMap((t) => (typeof t !== 'string' && t.optionalHeader ? [[t.name, t.optionalHeader] as const] : []))),
    dispose() {
      if (disposed) return;
      disposed = true;
      disposers.forEach((f) => f());
    },
  };
  return { set, issues, stats };
}

/** Each registered message type must be a global element of the message namespace in some XSD file. */
function undeclaredTypes(names: string[], namespace: string, scan: XsdScan): Issue[] {
  const declared = scan.globalElements.get(namespace) ?? new Set<string>();
  return names
    .filter((n) => !declared.has(n))
    .map((n) => ({ message: `message type ${n} is not a global element of ${namespace} in the XSD set`, path: n, layer: 'descriptor' }));
}

function layersOf(s: Record<StrictLayer, LayerMode>): Record<StrictLayer, LayerMode> {
  return Object.fromEntries(STRICT_LAYERS.map((l) => [l, s[l]])) as Record<StrictLayer, LayerMode>;
}
