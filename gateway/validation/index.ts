/**
 * Message validation: the layers of types.ts over every XÖV schema set found under the
 * schema root. Call `loadValidator` once at start (it compiles every XSD set) and share
 * the result; `check` is synchronous and safe for concurrent callers in one thread.
 */
import { GatewayError, type Issue } from '../errors.js';
import { loadDescriptors } from './descriptor.js';
import { PARSER_MAX_DEPTH } from './parse.js';
import { compileSchemaSet, type SchemaSet } from './schema-set.js';
import { DEFAULT_XML_LIMITS, type XmlLimits } from './types.js';
import { XsdMessageValidator, type GatewayValidator } from './validator.js';

export type { CheckedMessage, MessageValidator, XmlLimits } from './types.js';
export { DEFAULT_XML_LIMITS } from './types.js';
export type { GatewayValidator, StandardInfo } from './validator.js';

/**
 * Loads every `<schemaRoot>/<standard>/<version>/standard.yaml`, compiles each schema set
 * once (XSDs from memory, imports through the set's catalog, nothing fetched) and returns
 * the validator. Throws GW_CONFIG_INVALID listing every problem: bad limits, a broken
 * descriptor, an XSD that does not compile, a reference the catalog does not map, a listed
 * message type the XSD does not declare.
 */
export async function loadValidator(schemaRoot: string, limits: Partial<XmlLimits> = {}): Promise<GatewayValidator> {
  const effective = checkLimits({ ...DEFAULT_XML_LIMITS, ...limits });
  const sets: SchemaSet[] = [];
  const issues: Issue[] = [];
  for (const loaded of await loadDescriptors(schemaRoot)) {
    try {
      sets.push(await compileSchemaSet(loaded));
    } catch (err) {
      if (!(err instanceof GatewayError) || err.code !== 'GW_CONFIG_INVALID') {
        sets.forEach((s) => s.dispose());
        throw err;
      }
      issues.push({ message: err.message, path: loaded.file, layer: 'schemas' }, ...err.issues);
    }
  }
  if (issues.length > 0) {
    sets.forEach((s) => s.dispose());
    throw new GatewayError('GW_CONFIG_INVALID', `schema sets under ${schemaRoot} could not be loaded`, { issues });
  }
  return new XsdMessageValidator(sets, effective);
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
