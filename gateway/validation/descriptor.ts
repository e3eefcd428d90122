/**
 * The descriptor of one XÖV standard version: `schemas-xoev/<standard>/<version>/standard.yaml`.
 * It says which namespace selects the schema set, where the entry XSD and the catalog are,
 * which root elements are message types, and where the header fields sit (the *header
 * profile*), so a new standard or header dialect needs a folder, not code.
 * The field reference lives in schemas-xoev/README.md.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { GatewayError, type Issue } from '../errors.js';

/** Header fields every profile must locate. `createdAt` is read but not a routing key. */
export const HEADER_FIELDS = ['messageUuid', 'messageTypeCode', 'createdAt', 'author', 'reader', 'vorgangId', 'leika', 'ags'] as const;
export type HeaderField = (typeof HEADER_FIELDS)[number];
/** Fields whose absence makes a message unroutable (GW_ROUTING_KEY_MISSING), in report order. */
export const ROUTING_KEYS: readonly HeaderField[] = ['messageUuid', 'messageTypeCode', 'author', 'reader', 'vorgangId', 'leika', 'ags'];

const ncName = z.string().regex(/^[A-Za-z_][\w.-]*$/);
const xpathExpr = z.string().min(1).describe('XPath 1.0 expression relative to the root element, read as a string.');

const headerProfileSchema = z.object(
  Object.fromEntries(HEADER_FIELDS.map((f) => [f, xpathExpr])) as Record<HeaderField, typeof xpathExpr>,
).strict();

const messageTypeSchema = z.object({
  name: ncName.describe('Root element name, e.g. `hund.anmeldung.0101`.'),
  title: z.string().min(1),
  from: z.string().optional().describe('Usual author kind (efa, zsa, kommune, gateway).'),
  to: z.string().optional().describe('Usual reader kind.'),
}).strict();

export const descriptorSchema = z.object({
  standard: z.string().min(1).describe('Name as in the root attribute `standard`.'),
  version: z.string().min(1).describe('Version as in the root attribute `version`.'),
  title: z.string().optional(),
  namespace: z.string().min(1).describe('Namespace of the root elements; selects this schema set.'),
  namespaces: z.record(ncName, z.string().min(1)).default({})
    .describe('Prefixes used in the header profile.'),
  entry: z.string().min(1).describe('Entry XSD, relative to the descriptor folder.'),
  catalog: z.string().min(1).optional().describe('OASIS XML catalog, relative to the descriptor folder.'),
  schemaDir: z.string().min(1).default('xsd').describe('Folder whose *.xsd files are loaded into memory.'),
  rootAttributes: z.object({
    standard: ncName.default('standard'),
    version: ncName.default('version'),
    test: ncName.default('test'),
  }).strict().default({ standard: 'standard', version: 'version', test: 'test' }),
  header: headerProfileSchema,
  messageTypeCheck: z.enum(['reject', 'warn', 'off']).default('reject')
    .describe('Root element suffix `.NNNN` against the header type code.'),
  messageTypes: z.array(messageTypeSchema).min(1),
}).strict();

export type StandardDescriptor = z.output<typeof descriptorSchema>;

export interface LoadedDescriptor {
  /** Folder holding standard.yaml; relative paths in the descriptor are resolved against it. */
  dir: string;
  file: string;
  descriptor: StandardDescriptor;
}

/**
 * Finds every `<schemaRoot>/<standard>/<version>/standard.yaml` and parses it.
 * Throws GW_CONFIG_INVALID listing every broken descriptor, or when none is found.
 */
export async function loadDescriptors(schemaRoot: string): Promise<LoadedDescriptor[]> {
  const files: string[] = [];
  for (const std of await subdirs(schemaRoot)) {
    for (const ver of await subdirs(join(schemaRoot, std))) {
      const file = join(schemaRoot, std, ver, 'standard.yaml');
      if (await readFile(file).then(() => true, () => false)) files.push(file);
    }
  }
  if (files.length === 0) {
    throw new GatewayError('GW_CONFIG_INVALID', `no schemas-xoev/<standard>/<version>/standard.yaml under ${schemaRoot}`);
  }
  const loaded: LoadedDescriptor[] = [];
  const issues: Issue[] = [];
  for (const file of files.sort()) {
    let raw: unknown;
    try {
      raw = parseYaml(await readFile(file, 'utf8'));
    } catch (cause) {
      issues.push({ message: `not valid YAML: ${(cause as Error).message}`, path: file, layer: 'descriptor' });
      continue;
    }
    const parsed = descriptorSchema.safeParse(raw);
    if (!parsed.success) {
      for (const i of parsed.error.issues) {
        issues.push({ message: i.message, path: `${file}#/${i.path.join('/')}`, layer: 'descriptor' });
      }
      continue;
    }
    loaded.push({ dir: join(file, '..'), file, descriptor: parsed.data });
  }
  issues.push(...crossCheck(loaded));
  if (issues.length > 0) {
    throw new GatewayError('GW_CONFIG_INVALID', `${issues.length} problem(s) in schema descriptors`, { issues });
  }
  return loaded;
}

/** Rules that span descriptors or fields: unique namespaces, type codes where checked. */
function crossCheck(loaded: LoadedDescriptor[]): Issue[] {
  const issues: Issue[] = [];
  const seen = new Map<string, string>();
  for (const { file, descriptor: d } of loaded) {
    const other = seen.get(d.namespace);
    if (other) issues.push({ message: `namespace ${d.namespace} is also claimed by ${other}`, path: file, layer: 'descriptor' });
    seen.set(d.namespace, file);
    for (const t of d.messageTypes) {
      if (d.messageTypeCheck !== 'off' && !/\.\d+$/.test(t.name)) {
        issues.push({ message: `message type ${t.name} has no numeric suffix to compare with the type code`, path: file, layer: 'descriptor' });
      }
    }
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
