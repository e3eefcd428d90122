import type { MappingsConfig } from '../config/schema.js';
import { GatewayError } from '../errors.js';
import type { MappingRegistry } from '../mapping/types.js';
import type { NewForm } from '../model/index.js';
import { mappingErrorText } from './mapping-step.js';

/** A JSON submission mapped to XÖV: the XML goes on like any submitted XML, the JSON is kept as the `original` form. */
export interface MappedSubmission {
  xml: Buffer;
  original: NewForm;
}

/** The value at a JSON pointer (RFC 6901), or undefined. */
function at(doc: unknown, pointer: string): unknown {
  let v = doc;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (v === null || typeof v !== 'object' || !Object.prototype.hasOwnProperty.call(v, key)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/**
 * Ingress of JSON submissions (EfA form data; later the FIT-Connect API): the form id field
 * and the author's services choose an ingress mapping declaratively (`mappings.ingress`),
 * which turns the JSON into an XÖV message (ADR 0020).
 */
export class FormIngress {
  constructor(
    private readonly cfg: MappingsConfig,
    private readonly registry: MappingRegistry,
  ) {}

  /**
   * Called for every JSON submission, before validation. Throws GW_UNSUPPORTED_MEDIA_TYPE
   * when no ingress mapping is configured at all, GW_BAD_REQUEST when the
   * body is not JSON, GW_MAPPING_FAILED (422, the sender's fault) when no ingress mapping
   * fits the form id or the input cannot be mapped — issues name mapping, rule and path,
   * never a value — and GW_MAPPING_OUTPUT_INVALID (500, a mapping bug) when the mapping
   * produced XML its schema refuses; both refusals go to the rejection log.
   * `services`: the author's services (null when unknown, `auth.mode: off`).
   */
  async toXml(body: Buffer, services: readonly string[] | null): Promise<MappedSubmission> {
    if (this.cfg.ingress.length === 0) {
      throw new GatewayError('GW_UNSUPPORTED_MEDIA_TYPE', 'content type "application/json" is not accepted: this gateway maps no JSON forms (mappings.ingress); send application/xml, application/jose or multipart/form-data');
    }
    let doc: unknown;
    try {
      doc = JSON.parse(body.toString('utf8'));
    } catch {
      throw new GatewayError('GW_BAD_REQUEST', 'the body is not JSON', { issues: [{ message: 'not parseable as JSON', path: '', layer: 'mapping', rule: 'ingress.json' }] });
    }
    const formId = at(doc, this.cfg.formIdField);
    const entry = this.cfg.ingress.find((e) => e.formId === formId && (e.services === undefined || services === null || e.services.some((s) => services.includes(s))));
    const mapping = entry === undefined ? undefined : this.registry.get(entry.mapping);
    if (entry === undefined || mapping === undefined) {
      const why = typeof formId !== 'string' ? 'the form id is missing or not a string' : entry === undefined ? 'no ingress mapping is configured for this form id and the author\'s services' : `ingress mapping ${entry.mapping} is not loaded`;
      throw new GatewayError('GW_MAPPING_FAILED', `JSON submission: ${why}`, {
        issues: [{ message: why, path: this.cfg.formIdField, layer: 'mapping', rule: 'ingress.form-id' }],
        extra: { mapping: entry?.mapping ?? null, rule: 'ingress.form-id', path: this.cfg.formIdField },
      });
    }
    try {
      const out = await mapping.run(body);
      return { xml: out.body, original: { name: 'original', role: 'original', mapping: mapping.name, format: 'json', mediaType: 'application/json', body } };
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      const rule = typeof err.extra['rule'] === 'string' ? err.extra['rule'] : undefined;
      const path = typeof err.extra['path'] === 'string' ? err.extra['path'] : undefined;
      // the problem and the rejection log name mapping, rule and path (refusalSummary reads issues)
      const issues = [{ message: mappingErrorText(mapping.name, err), layer: 'mapping', ...(rule !== undefined && { rule: `${mapping.name}/${rule}` }), ...(path !== undefined && { path }) }, ...err.issues];
      throw new GatewayError(err.code, err.message, { issues, extra: { ...err.extra, mapping: mapping.name }, cause: err });
    }
  }
}
