/**
 * The descriptor of one XÖV standard version: `<root>/<standard>/<version>/standard.yaml`.
 * It says which namespace selects the schema set, where the entry XSD, the catalog and the
 * genericode code lists are, which root elements are message types, where the header
 * fields sit (the *header profile*, from a preset and overrides), the service rules and the
 * default strictness — so a new standard or header dialect needs a folder, not code.
 * The field reference lives in schemas-xoev/README.md.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { GatewayError, type Issue } from '../errors.js';
import { HEADER_PRESETS, HEADER_PRESET_NAMES, presetFitsVersion, type FieldSpec, type HeaderPreset } from './header-presets.js';
import { ruleSchema } from './rule-schema.js';
import { BUILTIN_RULES, RULE_ID_HINT, RULE_ID_PATTERN, STRICT_LAYERS, type LayerMode, type StrictLayer } from './types.js';

/** Header fields every profile must locate. `createdAt` is read but not a routing key. */
export const HEADER_FIELDS = ['messageUuid', 'messageTypeCode', 'createdAt', 'author', 'reader', 'vorgangId', 'leika', 'ags'] as const;
export type HeaderField = (typeof HEADER_FIELDS)[number];
/** Fields whose absence makes a message unroutable (GW_ROUTING_KEY_MISSING), in report order. */
export const ROUTING_KEYS = ['messageUuid', 'messageTypeCode', 'author', 'reader', 'vorgangId', 'leika', 'ags'] as const;
export type RoutingKey = (typeof ROUTING_KEYS)[number];

const ncName = z.string().regex(/^[A-Za-z_][\w.-]*$/);
const xpathExpr = z.string().min(1).describe('XPath 1.0 expression relative to the root element, read as a string.');
const fieldSpec = z.union([xpathExpr, z.object({ parts: z.array(xpathExpr).min(2), separator: z.string() }).strict()]);
const mode = z.enum(['reject', 'warn']);

const headerSchema = z.object({
  preset: z.enum(HEADER_PRESET_NAMES).optional().describe('Header dialect to start from; the fields below override it.'),
  scope: xpathExpr.optional().describe('The header element (empty-code check of layer 5); default from the preset.'),
  messageUuidFormat: z.enum(['uuid', 'any']).optional(),
  required: z.array(z.enum(ROUTING_KEYS)).optional().describe('Routing keys that must be non-empty; default all.'),
  ...Object.fromEntries(HEADER_FIELDS.map((f) => [f, fieldSpec.optional()])) as Record<HeaderField, z.ZodOptional<typeof fieldSpec>>,
}).strict();

const messageTypeSchema = z.object({
  name: ncName.describe('Root element name, e.g. `hund.anmeldung.0101`.'),
  title: z.string().min(1).optional(),
  from: z.string().optional().describe('Usual author kind (efa, zsa, kommune, gateway).'),
  to: z.string().optional().describe('Usual reader kind.'),
  optionalHeader: z.array(z.enum(ROUTING_KEYS)).optional()
    .describe('Routing keys of `header.required` this message type may leave empty; a missing one is finding header.key-missing (warn by default).'),
}).strict();

const layerDefaults = Object.fromEntries(STRICT_LAYERS.map((l) => [l, 'reject'])) as Record<StrictLayer, LayerMode>;

export const descriptorSchema = z.object({
  standard: z.string().min(1).describe('Name as in the root attribute `standard`.'),
  version: z.string().min(1).describe('Version as in the root attribute `version`.'),
  title: z.string().optional(),
  namespace: z.string().min(1).describe('Namespace of the root elements; selects this schema set.'),
  namespaces: z.record(ncName, z.string().min(1)).default({}).describe('Prefixes used in the header profile and the rules.'),
  entry: z.string().min(1).describe('Entry XSD, relative to the descriptor folder.'),
  catalog: z.string().min(1).optional().describe('OASIS XML catalog, relative to the descriptor folder.'),
  schemaDir: z.string().min(1).default('xsd').describe('Folder whose *.xsd files are loaded into memory.'),
  rootAttributes: z.object({
    standard: ncName.default('standard'),
    version: ncName.default('version'),
    test: ncName.default('test'),
  }).strict().default({ standard: 'standard', version: 'version', test: 'test' }),
  header: headerSchema,
  codeLists: z.array(z.union([z.string().min(1), z.object({ path: z.string().min(1), codeColumn: z.string().min(1).optional() }).strict()]))
    .default([]).describe('Genericode files or folders of them, relative to the descriptor folder.'),
  strictness: z.object({
    ...Object.fromEntries(STRICT_LAYERS.map((l) => [l, mode.default('reject')])) as Record<StrictLayer, z.ZodDefault<typeof mode>>,
    byRule: z.record(z.string().regex(RULE_ID_PATTERN, RULE_ID_HINT), mode).default({}),
  }).strict().default({ ...layerDefaults, byRule: {} }),
  messageTypes: z.array(z.union([ncName, messageTypeSchema])).min(1),
  rules: z.array(ruleSchema).default([]),
}).strict();

export type StandardDescriptor = z.output<typeof descriptorSchema>;

/** The header profile after merging preset and overrides: every field located. */
export interface HeaderProfile {
  fields: Record<HeaderField, FieldSpec>;
  scope: string | undefined;
  messageUuidFormat: 'uuid' | 'any';
  required: readonly RoutingKey[];
  /** The descriptor's prefixes plus the preset's. */
  namespaces: Record<string, string>;
}

export interface LoadedDescriptor {
  /** Folder holding standard.yaml; relative paths in the descriptor are resolved against it. */
  dir: string;
  file: string;
  descriptor: StandardDescriptor;
}

/** A descriptor as far as it could be read: every field that is valid on its own, and every problem. */
export interface DescriptorReading {
  dir: string;
  file: string;
  descriptor: StandardDescriptor | undefined;
  partial: Partial<StandardDescriptor>;
  issues: Issue[];
}

/** Reads and checks one standard.yaml, never throwing: problems are listed, valid fields kept. */
export async function readDescriptor(file: string): Promise<DescriptorReading> {
  const dir = join(file, '..');
  const reading: DescriptorReading = { dir, file, descriptor: undefined, partial: {}, issues: [] };
  let raw: unknown;
  try {
    raw = parseYaml(await readFile(file, 'utf8'));
  } catch (cause) {
    reading.issues.push({ message: `cannot read descriptor: ${(cause as Error).message}`, path: file, layer: 'descriptor' });
    return reading;
  }
  const parsed = descriptorSchema.safeParse(raw);
  if (parsed.success) {
    reading.descriptor = parsed.data;
    reading.partial = parsed.data;
  } else {
    for (const i of parsed.error.issues) reading.issues.push({ message: i.message, path: `${file}#/${i.path.join('/')}`, layer: 'descriptor' });
    const obj = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const partial: Record<string, unknown> = {};
    for (const [key, schema] of Object.entries(descriptorSchema.shape)) {
      const one = schema.safeParse(obj[key]);
      if (one.success) partial[key] = one.data;
    }
    reading.partial = partial as Partial<StandardDescriptor>;
  }
  reading.issues.push(...checkDescriptor(reading.partial, file));
  return reading;
}

/** Message type names of a descriptor, whichever form the entries take. */
export function messageTypeNames(d: Pick<Partial<StandardDescriptor>, 'messageTypes'>): string[] {
  return (d.messageTypes ?? []).map((t) => (typeof t === 'string' ? t : t.name));
}

/**
 * Merges the preset and the overrides. Returns the issues when a field is located by
 * neither, or the descriptor binds a preset prefix to another namespace.
 */
export function resolveHeaderProfile(d: Pick<Partial<StandardDescriptor>, 'header' | 'namespaces'>, file: string): { profile?: HeaderProfile; issues: Issue[] } {
  const issues: Issue[] = [];
  const h = d.header;
  if (!h) return { issues };
  const preset = h.preset ? HEADER_PRESETS[h.preset] : undefined;
  const namespaces: Record<string, string> = { ...(d.namespaces ?? {}) };
  for (const [prefix, uri] of Object.entries<string>(preset?.namespaces ?? {})) {
    if (namespaces[prefix] !== undefined && namespaces[prefix] !== uri) {
      issues.push({ message: `prefix ${prefix} is bound to ${namespaces[prefix]}, but preset ${h.preset} needs it for ${uri}`, path: `${file}#/namespaces/${prefix}`, layer: 'descriptor' });
    }
    namespaces[prefix] = uri;
  }
  const fields = {} as Record<HeaderField, FieldSpec>;
  for (const f of HEADER_FIELDS) {
    const spec: FieldSpec | undefined = h[f] ?? (preset?.fields as Partial<Record<HeaderField, FieldSpec>> | undefined)?.[f];
    if (spec === undefined) {
      const from = h.preset ? `neither preset ${h.preset} nor the descriptor locates it` : 'no preset, and the descriptor does not locate it';
      issues.push({ message: `header.${f}: ${from} (a constant such as "''" states that the standard has no such field)`, path: `${file}#/header/${f}`, layer: 'descriptor' });
    } else {
      fields[f] = spec;
    }
  }
  if (issues.length > 0) return { issues };
  return {
    issues,
    profile: {
      fields, namespaces, scope: h.scope ?? preset?.scope,
      messageUuidFormat: h.messageUuidFormat ?? preset?.messageUuidFormat ?? 'uuid',
      required: h.required ?? ROUTING_KEYS,
    },
  };
}

/** Rules inside one descriptor: type names with a numeric suffix, rules naming registered types, unique rule ids. */
function checkDescriptor(d: Partial<StandardDescriptor>, file: string): Issue[] {
  const issues: Issue[] = [];
  const names = messageTypeNames(d);
  const known = new Set(names);
  for (const name of names) {
    if (!/\.\d+$/.test(name)) issues.push({ message: `message type ${name} has no numeric suffix to compare with the type code`, path: `${file}#/messageTypes`, layer: 'descriptor' });
  }
  const ids = new Set<string>();
  (d.rules ?? []).forEach((r, i) => {
    if (ids.has(r.id)) issues.push({ message: `rule id ${r.id} is used twice`, path: `${file}#/rules/${i}/id`, layer: 'descriptor' });
    ids.add(r.id);
    if (r.messageTypes === '*' || d.messageTypes === undefined) return;
    for (const t of r.messageTypes.filter((n) => !known.has(n))) {
      issues.push({ message: `rule ${r.id} names ${t}, which is not a message type of this descriptor`, path: `${file}#/rules/${i}/messageTypes`, layer: 'descriptor' });
    }
  });
  const serviceRules = new Set((d.rules ?? []).map((r) => `rules.${r.id}`));
  for (const id of Object.keys(d.strictness?.byRule ?? {})) {
    if (!(BUILTIN_RULES as readonly string[]).includes(id) && !serviceRules.has(id)) {
      issues.push({ message: `strictness.byRule names ${id}, which is neither a rule of the gateway nor rules.<id> of a service rule here`, path: `${file}#/strictness/byRule`, layer: 'descriptor' });
    }
  }
  const required = new Set<string>(d.header?.required ?? ROUTING_KEYS);
  (d.messageTypes ?? []).forEach((t, i) => {
    if (typeof t === 'string') return;
    for (const k of (t.optionalHeader ?? []).filter((key) => !required.has(key))) {
      issues.push({ message: `message type ${t.name} makes ${k} optional, but header.required does not require it`, path: `${file}#/messageTypes/${i}/optionalHeader`, layer: 'descriptor' });
    }
  });
  const preset = d.header?.preset;
  if (preset && d.version !== undefined && !presetFitsVersion(HEADER_PRESETS[preset], d.version)) {
    const fitting = HEADER_PRESET_NAMES.filter((n) => n.startsWith(preset.replace(/-\d+$/, '')) && presetFitsVersion(HEADER_PRESETS[n] as HeaderPreset, d.version as string));
    issues.push({
      message: `header preset ${preset} reads versions ${(HEADER_PRESETS[preset] as HeaderPreset).versions}.x, but this descriptor is version ${d.version}${fitting.length > 0 ? `; use ${fitting.join(' or ')}` : ''}`,
      path: `${file}#/header/preset`, layer: 'descriptor',
    });
  }
  issues.push(...resolveHeaderProfile(d, file).issues);
  return issues;
}

/** Every `<root>/<standard>/<version>/standard.yaml` under the roots, sorted per root. Throws GW_CONFIG_INVALID when a root is unreadable or none holds a descriptor. */
export async function findDescriptorFiles(roots: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const root of roots) {
    const here: string[] = [];
    for (const std of await subdirs(root)) {
      for (const ver of await subdirs(join(root, std))) {
        const file = join(root, std, ver, 'standard.yaml');
        if (await readFile(file).then(() => true, () => false)) here.push(file);
      }
    }
    files.push(...here.sort());
  }
  if (files.length === 0) {
    throw new GatewayError('GW_CONFIG_INVALID', `no <standard>/<version>/standard.yaml under ${roots.join(', ')}`);
  }
  return files;
}

/**
 * Finds and parses every descriptor under the roots. Throws GW_CONFIG_INVALID listing every
 * broken descriptor and every namespace claimed twice, or when none is found.
 */
export async function loadDescriptors(roots: string | readonly string[]): Promise<LoadedDescriptor[]> {
  const readings = await Promise.all((await findDescriptorFiles(typeof roots === 'string' ? [roots] : roots)).map(readDescriptor));
  const issues = [...readings.flatMap((r) => r.issues), ...duplicateNamespaces(readings)];
  if (issues.length > 0) throw new GatewayError('GW_CONFIG_INVALID', `${issues.length} problem(s) in schema descriptors`, { issues });
  return readings.map((r) => ({ dir: r.dir, file: r.file, descriptor: r.descriptor as StandardDescriptor }));
}

/** A namespace selects exactly one schema set, across all roots. */
export function duplicateNamespaces(readings: ReadonlyArray<Pick<DescriptorReading, 'file' | 'partial'>>): Issue[] {
  const issues: Issue[] = [];
  const seen = new Map<string, string>();
  for (const { file, partial } of readings) {
    const ns = partial.namespace;
    if (ns === undefined) continue;
    const other = seen.get(ns);
    if (other) issues.push({ message: `namespace ${ns} is also claimed by ${other}`, path: file, layer: 'descriptor' });
    else seen.set(ns, file);
  }
  return issues;
}

async function subdirs(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (cause) {
    throw new GatewayError('GW_CONFIG_INVALID', `cannot read schema folder ${dir}`, { cause });
  }
}

