/**
 * Reading and compiling every mapping folder. Problems of all files are collected and
 * thrown together as one GW_MAPPING_CONFIG_INVALID.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { XsdValidator } from 'libxml2-wasm';
import { GatewayError, type Issue } from '../errors.js';
import { compileXsd, readXsdFiles } from '../validation/xsd-compile.js';
import { jsonSchemaCheck, validatorCheck, xsdCheck, type OutputCheck } from './check.js';
import { compileRules } from './compile.js';
import type { MappingDeps } from './index.js';
import { RuleMapping } from './mapping.js';
import { mappingSchema, type MappingFile } from './schema.js';
import { jsonSourceCompiler, xmlSourceCompiler, type SourceCompiler } from './source.js';
import type { CompiledMapping, MappingRegistry } from './types.js';

/** Every `<dir>/<name>/mapping.yaml`, sorted. A missing dir is an issue. */
async function findFiles(dirs: readonly string[], issues: Issue[]): Promise<string[]> {
  const files: string[] = [];
  for (const dir of dirs) {
    try {
      for (const e of await readdir(dir, { withFileTypes: true })) {
        if (e.isDirectory()) {
          const file = join(dir, e.name, 'mapping.yaml');
          if (await readFile(file).then(() => true, () => false)) files.push(file);
        }
      }
    } catch {
      issues.push({ message: `mapping folder ${dir} cannot be read`, path: dir, layer: 'mapping' });
    }
  }
  return files.sort();
}

interface Compiled { mapping?: CompiledMapping; issues: Issue[]; dispose: () => void }

function sideIssues(file: string, spec: MappingFile): Issue[] {
  const issues: Issue[] = [];
  const add = (message: string, at: string): void => { issues.push({ message: `${file}: ${message}`, path: `${file}#${at}`, rule: 'mapping', layer: 'mapping' }); };
  for (const [side, s] of [['from', spec.from], ['to', spec.to]] as const) {
    if (s.format === 'csv' && !s.csv) add(`${side}.csv (columns) is required for format csv`, `${side}.csv`);
    if (s.format === 'fixed' && !s.fixed) add(`${side}.fixed (columns) is required for format fixed`, `${side}.fixed`);
  }
  const t = spec.to;
  if (t.format === 'xml' && !t.root) add('to.root is required for format xml', 'to.root');
  if (t.format === 'xml' && t.root?.includes(':') && !(t.root.split(':')[0] as string in t.namespaces)) add('the prefix of to.root is not declared in to.namespaces', 'to.root');
  if (t.format === 'xml' && !t.schema && !t.standard) add('an XML target needs to.schema (an XSD in the folder) or to.standard (the gateway validator)', 'to');
  if (t.format === 'json' && !t.schema) add('a JSON target needs to.schema (a JSON Schema in the folder)', 'to.schema');
  for (const [name, list] of Object.entries(spec.codeLists)) {
    if (list.missing === 'default' && list.default === undefined) add(`code list ${name} has missing: default but no default`, `codeLists.${name}`);
  }
  return issues;
}

async function outputCheck(file: string, spec: MappingFile, deps: MappingDeps, issues: Issue[], owned: XsdValidator[]): Promise<OutputCheck | undefined> {
  const t = spec.to;
  const where = (at: string): string => `${file}#${at}`;
  if (t.schema) {
    const path = resolve(dirname(file), t.schema);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch {
      issues.push({ message: `${file}: to.schema ${t.schema} cannot be read`, path: where('to.schema'), rule: 'mapping', layer: 'mapping' });
      return undefined;
    }
    if (t.format === 'json') {
      try {
        return jsonSchemaCheck(JSON.parse(bytes.toString('utf8')) as object);
      } catch (err) {
        issues.push({ message: `${file}: to.schema ${t.schema} is not a valid JSON Schema: ${(err as Error).message}`, path: where('to.schema'), rule: 'mapping', layer: 'mapping' });
        return undefined;
      }
    }
    const files = await readXsdFiles(dirname(path));
    const { xsd, issues: xsdIssues } = compileXsd(bytes, path, files, undefined, file, dirname(file));
    issues.push(...xsdIssues.map((i) => ({ ...i, rule: 'mapping' })));
    if (!xsd) return undefined;
    owned.push(xsd);
    return xsdCheck(xsd);
  }
  if (t.standard) {
    if (!deps.validator) {
      issues.push({ message: `${file}: to.standard ${t.standard} needs the gateway validator (loadMappings deps.validator)`, path: where('to.standard'), rule: 'mapping', layer: 'mapping' });
      return undefined;
    }
    return validatorCheck(deps.validator);
  }
  return undefined;
}

async function compileFile(file: string, deps: MappingDeps): Promise<Compiled> {
  const name = basename(dirname(file));
  const issues: Issue[] = [];
  let doc: unknown;
  try {
    doc = parseYaml(await readFile(file, 'utf8'));
  } catch (err) {
    return { issues: [{ message: `${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`, path: file, rule: 'mapping', layer: 'mapping' }], dispose: () => {} };
  }
  const parsed = mappingSchema.safeParse(doc);
  if (!parsed.success) {
    return {
      issues: parsed.error.issues.map((i) => {
        const at = i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
        const ruleId = ruleIdAt(doc, i.path);
        return { message: `${file}: ${at || '(top)'}: ${i.message}`, path: `${file}#${at}`, rule: ruleId, layer: 'mapping' };
      }),
      dispose: () => {},
    };
  }
  const spec = parsed.data;
  if (spec.name !== undefined && spec.name !== name) issues.push({ message: `${file}: name ${spec.name} differs from the folder name ${name}`, path: `${file}#name`, rule: 'mapping', layer: 'mapping' });
  issues.push(...sideIssues(file, spec));
  const source: SourceCompiler = spec.from.format === 'xml' ? xmlSourceCompiler(file, spec.from.namespaces) : jsonSourceCompiler(file);
  const owned: XsdValidator[] = [];
  const dispose = (): void => { source.dispose(); owned.forEach((x) => x.dispose()); };
  const rules = compileRules(spec.rules, { file, spec, source, issues, ids: new Set() }, 'rules', false);
  source.done();
  issues.push(...source.issues.map((i) => ({ ...i, ...locate(file, i.message) })));
  const check = await outputCheck(file, spec, deps, issues, owned);
  if (issues.length > 0) {
    dispose();
    return { issues, dispose: () => {} };
  }
  return { mapping: new RuleMapping(name, spec, rules, check), issues, dispose };
}

/** The id of the rule a zod issue path points into (`rules[3].rules[1]…`), or 'mapping'. */
function ruleIdAt(doc: unknown, path: readonly PropertyKey[]): string {
  let cur: unknown = doc;
  let id = 'mapping';
  for (const step of path) {
    if (cur === null || typeof cur !== 'object') break;
    cur = (cur as Record<PropertyKey, unknown>)[step];
    const maybe = cur !== null && typeof cur === 'object' && !Array.isArray(cur) ? (cur as { id?: unknown }).id : undefined;
    if (typeof maybe === 'string') id = maybe;
  }
  return id;
}

/** Rule id and YAML path from an expression label `<file>: rule <id> (<at>)`. */
function locate(file: string, message: string): { rule: string; path: string } {
  const m = /: rule ([\w.-]+) \(([^)]*)\)/.exec(message);
  return m ? { rule: m[1] as string, path: `${file}#${m[2] as string}` } : { rule: 'mapping', path: file };
}

/** See loadMappings (index.ts). */
export async function compileAll(dirs: readonly string[], deps: MappingDeps): Promise<MappingRegistry & { close(): void }> {
  const issues: Issue[] = [];
  const files = await findFiles(dirs, issues);
  const compiled = await Promise.all(files.map((f) => compileFile(f, deps)));
  const byName = new Map<string, CompiledMapping>();
  compiled.forEach((c, i) => {
    issues.push(...c.issues);
    if (!c.mapping) return;
    if (byName.has(c.mapping.name)) issues.push({ message: `${files[i]}: mapping ${c.mapping.name} is defined twice`, path: files[i], rule: 'mapping', layer: 'mapping' });
    byName.set(c.mapping.name, c.mapping);
  });
  const close = (): void => compiled.forEach((c) => c.dispose());
  if (issues.length > 0) {
    close();
    throw new GatewayError('GW_MAPPING_CONFIG_INVALID', `${issues.length} problem(s) in the mappings under ${dirs.join(', ')}`, { issues });
  }
  const names = [...byName.keys()].sort();
  return { get: (n) => byName.get(n), names: () => names, close };
}
