/**
 * Message validation: the layers of types.ts over every XÖV schema set found under the
 * schema roots. Call `loadValidator` once at start (it compiles every set) and share the
 * result; `check` is synchronous and safe for concurrent callers in one thread.
 */
import { GatewayError, type Issue } from '../errors.js';
import { duplicateNamespaces, findDescriptorFiles, readDescriptor } from './descriptor.js';
import { PARSER_MAX_DEPTH } from './parse.js';
import { compileStandard, type SchemaSet } from './schema-set.js';
import { DEFAULT_XML_LIMITS, type XmlLimits } from './types.js';
import { XsdMessageValidator, type GatewayValidator } from './validator.js';

export type {
  CheckedMessage, Finding, Layer, LayerMode, MessageValidator, StrictLayer, Strictness, StrictnessPolicy, XmlLimits,
} from './types.js';
export { DEFAULT_XML_LIMITS, LAYERS, STRICT_LAYERS } from './types.js';
export type { GatewayValidator, StandardInfo } from './validator.js';
export { inspectStandardFolder, type StandardReport } from './inspect.js';

export interface LoadOptions {
  /** Folders holding `<standard>/<version>/standard.yaml`; a namespace may be claimed once across all. */
  roots: readonly string[];
  limits?: Partial<XmlLimits>;
}

/**
 * Loads every `<root>/<standard>/<version>/standard.yaml` under the roots, compiles each
 * standard once (XSDs from memory, imports through the set's catalog, nothing fetched;
 * genericode lists; header profile; rules) and returns the validator.
 *   loadValidator('schemas-xoev')                      one root (as before)
 *   loadValidator(['schemas-xoev', 'extra'], limits)   several roots
 *   loadValidator({ roots: [...], limits })
 * Throws GW_CONFIG_INVALID listing every problem of every set: bad limits, a broken
 * descriptor, an XSD that does not compile, a reference the catalog does not map, a listed
 * message type the XSD does not declare, an unreadable or duplicate code list, a rule that
 * does not compile or names an unknown type, a namespace claimed twice.
 */
export async function loadValidator(roots: string | readonly string[] | LoadOptions, limits: Partial<XmlLimits> = {}): Promise<GatewayValidator> {
  const opts: LoadOptions = typeof roots === 'string' ? { roots: [roots], limits } : isOptions(roots) ? roots : { roots, limits };
  const effective = checkLimits({ ...DEFAULT_XML_LIMITS, ...opts.limits });
  const readings = await Promise.all((await findDescriptorFiles(opts.roots)).map(readDescriptor));
  const issues: Issue[] = duplicateNamespaces(readings);
  const sets: SchemaSet[] = [];
  try {
    for (const reading of readings) {
      const compiled = await compileStandard(reading);
      if (compiled.set) sets.push(compiled.set);
      else issues.push({ message: `${reading.file}: ${compiled.issues.length} problem(s)`, path: reading.file, layer: 'schemas' }, ...compiled.issues);
    }
  } catch (err) {
    sets.forEach((s) => s.dispose());
    throw err;
  }
  if (issues.length > 0) {
    sets.forEach((s) => s.dispose());
    throw new GatewayError('GW_CONFIG_INVALID', `schema sets under ${opts.roots.join(', ')} could not be loaded`, { issues });
  }
  return new XsdMessageValidator(sets, effective);
}

function isOptions(v: readonly string[] | LoadOptions): v is LoadOptions {
  return !Array.isArray(v);
}

function checkLimits(l: XmlLimits): XmlLimits {
  const issues: Issue[] = [];
  const positive = (key: keyof XmlLimits): void => {
    if (!Number.isSafeInteger(l[key]) || l[key] < 1) issues.push({ message: `${key} must be a positive integer`, path: `limits.${key}` });
  };
  (['maxBytes', 'maxDepth', 'maxAttributeLength'] as const).forEach(positive);
  if (l.maxDepth > PARSER_MAX_DEPTH) {
    issues.push({
      message: `maxDepth above ${PARSER_MAX_DEPTH} needs libxml2's XML_PARSE_HUGE, which also lifts its entity and size guards; not supported`,
      path: 'limits.maxDepth',
    });
  }
  if (issues.length > 0) throw new GatewayError('GW_CONFIG_INVALID', 'invalid XML limits', { issues });
  return l;
}
