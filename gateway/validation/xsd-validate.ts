/**
 * XSD validation with a bounded error report. libxml2-wasm's `XsdValidator.validate`
 * records every schema error with its node path; libxml2 computes each path by counting
 * siblings, so a large message with one error per sibling costs quadratic time (a 17 MB
 * message with 80,000 bad siblings took over a minute). Here the first `maxDetails` errors
 * are recorded with their path and the rest are only counted, so the cost stays linear.
 *
 * That needs libxml2-wasm's internal module (lib/libxml2.mjs: `addFunction`, the raw
 * schema functions) and the `_ptr` field of its wrappers, as laid out in 0.7.x. Should an
 * upgrade move them, `validateSchema` falls back to the public API (correct, but quadratic
 * on such input) and test/validation/validation.hostile-input.test.ts fails on
 * `BOUNDED_XSD_ERRORS`, so the upgrade is noticed.
 */
import { XmlValidateError, type XmlDocument, type XsdValidator } from 'libxml2-wasm';
import * as internals from 'libxml2-wasm/lib/libxml2.mjs';
import { GatewayError } from '../errors.js';

export interface SchemaErrorDetail {
  message: string;
  line: number;
  col: number;
  /** libxml2's node path, e.g. `/p:root/p:a[2]`, or `/*` steps for default-namespace elements. */
  xpath?: string;
}

export interface SchemaVerdict {
  /** The first errors (at most `maxDetails`), in the order libxml2 found them; empty when valid. */
  details: SchemaErrorDetail[];
  /** How many errors libxml2 reported in all. */
  total: number;
}

interface Collector { details: SchemaErrorDetail[]; total: number; max: number }

/** The parts of lib/libxml2.mjs used here that its type declarations leave out. */
interface HiddenInternals {
  addFunction(fn: (slot: number, err: number) => void, signature: 'vii'): number;
}
const hidden = internals as unknown as Partial<HiddenInternals>;
const pointer = (wrapper: object): unknown => (wrapper as { _ptr?: unknown })._ptr;

/** True when the bounded, linear-time error collection is in use (see the module comment). */
export const BOUNDED_XSD_ERRORS = typeof hidden.addFunction === 'function'
  && typeof internals.xmlSchemaValidateDoc === 'function';

const collectors = new Map<number, Collector>();
let nextSlot = 1;
let callback: number | undefined;

/** One wasm callback for the process; its user-data slot selects the collector of the running validation. */
function collectorCallback(addFunction: HiddenInternals['addFunction']): number {
  callback ??= addFunction((slot, err) => {
    const c = collectors.get(slot);
    if (!c) return;
    c.total++;
    if (c.details.length >= c.max) return;
    const detail: SchemaErrorDetail = {
      message: internals.XmlErrorStruct.message(err),
      line: internals.XmlErrorStruct.line(err),
      col: internals.XmlErrorStruct.col(err),
    };
    const xpath = internals.xmlGetNodePath(internals.XmlErrorStruct.node(err));
    if (xpath !== null) detail.xpath = xpath;
    c.details.push(detail);
  }, 'vii');
  return callback;
}

/**
 * Validates `doc` against `xsd`. Returns the verdict (no details = valid); throws
 * GW_INTERNAL when libxml2 fails internally.
 */
export function validateSchema(xsd: XsdValidator, doc: XmlDocument, maxDetails: number): SchemaVerdict {
  const schemaPtr = pointer(xsd);
  const docPtr = pointer(doc);
  if (!BOUNDED_XSD_ERRORS || typeof schemaPtr !== 'number' || typeof docPtr !== 'number' || !schemaPtr || !docPtr) {
    return viaPublicApi(xsd, doc, maxDetails);
  }
  const ctx = internals.xmlSchemaNewValidCtxt(schemaPtr);
  if (!ctx) throw new GatewayError('GW_INTERNAL', 'libxml2 could not allocate a schema validation context');
  const slot = nextSlot++;
  const collector: Collector = { details: [], total: 0, max: maxDetails };
  collectors.set(slot, collector);
  try {
    internals.xmlSchemaSetValidStructuredErrors(ctx, collectorCallback(hidden.addFunction as HiddenInternals['addFunction']), slot);
    const ret = internals.xmlSchemaValidateDoc(ctx, docPtr);
    if (ret < 0) throw new GatewayError('GW_INTERNAL', `libxml2 schema validation failed internally (${ret})`);
    if (ret > 0 && collector.total === 0) {
      collector.total = 1;
      collector.details.push({ message: 'the document does not conform to the schema', line: 0, col: 0 });
    }
    return { details: collector.details, total: collector.total };
  } finally {
    collectors.delete(slot);
    internals.xmlSchemaFreeValidCtxt(ctx);
  }
}

function viaPublicApi(xsd: XsdValidator, doc: XmlDocument, maxDetails: number): SchemaVerdict {
  try {
    xsd.validate(doc);
    return { details: [], total: 0 };
  } catch (err) {
    if (!(err instanceof XmlValidateError) || err.details.length === 0) throw err;
    return { details: err.details.slice(0, maxDetails), total: err.details.length };
  }
}
