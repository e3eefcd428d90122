import type { IngressMappingConfig, IngressMediaType, MappingsConfig } from '../config/schema.js';
import { GatewayError, type Issue } from '../errors.js';
import type { CompiledMapping, MappedOutput, MappingRegistry } from '../mapping/types.js';
import type { NewForm } from '../model/index.js';
import { csvHead, xmlRoot } from './dialect-select.js';
import { mappingErrorText } from './mapping-step.js';

/**
 * A submission mapped to XÖV: the XML goes on like any submitted XML, the submitted document
 * is kept as the `original` form. `authors`: the kennungs the mapped message may name as its
 * author (the entry's `authors`), undefined when the entry names none.
 */
export interface MappedSubmission {
  xml: Buffer;
  original: NewForm;
  authors?: ReadonlySet<string>;
  /** The validator's verdict on `xml` from the mapping's output check (MappedOutput.verdict). */
  verdict?: MappedOutput['verdict'];
}

/** Who submits: the authenticated participant (id, kennung, services), or null when unknown (`auth.mode: off`). */
export type Submitter = { id: string; services?: readonly string[] | undefined } | null;

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

const FORMAT: Record<IngressMediaType, 'json' | 'csv' | 'xml'> = { 'application/json': 'json', 'text/csv': 'csv', 'application/xml': 'xml' };

/** GW_DIALECT_NOT_CONFIGURED: no ingress mapping takes this document from this submitter; names the rule, never a value. */
function notConfigured(mediaType: IngressMediaType, rule: string, why: string, path = ''): GatewayError {
  return new GatewayError('GW_DIALECT_NOT_CONFIGURED', `${mediaType} submission: ${why} (mappings.ingress)`, {
    issues: [{ message: why, path, layer: 'mapping', rule }],
    extra: { mapping: null, rule, path },
  });
}

/**
 * Ingress mappings (ADR 0020, ADR 0025): EfA form JSON and the answers of Fachverfahren in
 * their own dialect (REST JSON, CSV files, an older XML) become XÖV messages before
 * validation. `mappings.ingress` chooses the mapping declaratively: media type, a selector
 * (JSON form id field, XML root element, CSV record type), the submitting participant
 * (`authors`) and its services. Fails closed: a dialect document from a participant no entry
 * names is refused, and the mapped message may only name one of the entry's authors.
 */
export class FormIngress {
  private readonly xmlRoots: ReadonlyArray<{ local: string; namespace: string }>;

  constructor(
    private readonly cfg: MappingsConfig,
    private readonly registry: MappingRegistry,
    /** Participant id → kennung, for the author check of mapped messages. */
    private readonly kennungOf: (participantId: string) => string | undefined = () => undefined,
  ) {
    this.xmlRoots = cfg.ingress.filter((e) => e.mediaType === 'application/xml').map((e) => ({ local: e.root ?? '', namespace: e.namespace ?? '' }));
  }

  /**
   * Called for every XML submission before validation: whether its root element is one an
   * XML ingress mapping selects (then it is mapped with `toXml`, else validated as XÖV).
   * Cheap: reads only the prolog, and nothing when no XML ingress mapping is configured.
   */
  claimsXml(body: Buffer): boolean {
    if (this.xmlRoots.length === 0) return false;
    const root = xmlRoot(body);
    return root !== undefined && this.xmlRoots.some((r) => r.local === root.local && r.namespace === root.namespace);
  }

  /**
   * Maps one submission of `mediaType` from `submitter`. Throws
   * GW_UNSUPPORTED_MEDIA_TYPE when no ingress mapping takes this media type at all;
   * GW_DIALECT_NOT_CONFIGURED (415) when none takes it from this participant, or none fits its
   * root element / record type; GW_BAD_REQUEST when a JSON body is not JSON; GW_MAPPING_FAILED
   * (422, the sender's fault) when no JSON mapping fits the form id and services, or the
   * document cannot be mapped — issues name mapping, rule and path, never a value — and
   * GW_MAPPING_OUTPUT_INVALID (500, a mapping bug) when the mapping produced XML its schema
   * refuses. The pipeline records every refusal in the rejection log.
   */
  async toXml(body: Buffer, mediaType: IngressMediaType, submitter: Submitter): Promise<MappedSubmission> {
    const entry = this.select(body, mediaType, submitter);
    const mapping = this.registry.get(entry.mapping);
    if (mapping === undefined) throw notConfigured(mediaType, 'ingress.mapping', `ingress mapping ${entry.mapping} is not loaded`);
    const authors = entry.authors === undefined ? undefined : new Set(entry.authors.map((id) => this.kennungOf(id) ?? `(unknown participant ${id})`));
    try {
      const out = await mapping.run(body);
      return { xml: out.body, original: { name: 'original', role: 'original', mapping: mapping.name, format: FORMAT[mediaType], mediaType, body }, ...(authors && { authors }), ...(out.verdict && { verdict: out.verdict }) };
    } catch (err) {
      throw named(mapping, err);
    }
  }

  /** The entry that maps this document, or the refusal that says why none does. */
  private select(body: Buffer, mediaType: IngressMediaType, submitter: Submitter): IngressMappingConfig {
    const typed = this.cfg.ingress.filter((e) => e.mediaType === mediaType);
    if (typed.length === 0) {
      throw new GatewayError('GW_UNSUPPORTED_MEDIA_TYPE', `content type "${mediaType}" is not accepted: this gateway maps no ${mediaType} submissions (mappings.ingress); send application/xml, application/jose or multipart/form-data`);
    }
    // Authors first: a participant learns nothing about the dialects of others.
    const own = typed.filter((e) => e.authors === undefined || submitter === null || e.authors.includes(submitter.id));
    if (own.length === 0) throw notConfigured(mediaType, 'ingress.author', 'no ingress mapping of this media type is configured for the submitting participant');
    if (mediaType === 'application/json') return this.selectJson(body, own, submitter);
    if (mediaType === 'application/xml') {
      const root = xmlRoot(body);
      const hit = own.find((e) => root !== undefined && e.root === root.local && (e.namespace ?? '') === root.namespace);
      if (hit === undefined) throw notConfigured(mediaType, 'ingress.root', 'no ingress mapping for the submitting participant selects this root element', '/');
      return hit;
    }
    return this.selectCsv(body, own);
  }

  /** CSV: by the record type (first field of the first record); one record per file unless the entry says `records: many`. */
  private selectCsv(body: Buffer, own: IngressMappingConfig[]): IngressMappingConfig {
    const split = (e: IngressMappingConfig) => this.registry.get(e.mapping)?.from.csv ?? { delimiter: ';', header: true };
    const heads = own.map((e) => ({ e, head: csvHead(body, split(e)) }));
    // A file that cannot be split selects the author's first CSV mapping, which says why (rule input, line).
    const hit = heads.find(({ e, head }) => e.record === undefined || head.recordType === e.record) ?? heads.find(({ head }) => head.recordType === undefined);
    if (hit === undefined) throw notConfigured('text/csv', 'ingress.record', 'the record type (first field of the first record) selects no ingress mapping of the submitting participant', 'line 2');
    if ((hit.e.records ?? 'one') === 'one' && hit.head.records > 1) {
      throw new GatewayError('GW_MAPPING_FAILED', `CSV submission: ingress mapping ${hit.e.mapping} takes one record per file`, {
        issues: [{ message: 'more than one data record; send one file per record', path: 'line 3', layer: 'mapping', rule: `${hit.e.mapping}/ingress.records` }],
        extra: { mapping: hit.e.mapping, rule: 'ingress.records', path: 'line 3' },
      });
    }
    return hit.e;
  }

  /** JSON: by the value of the entry's form id field (EfA form id, a REST dialect's kind) and the author's services. */
  private selectJson(body: Buffer, own: IngressMappingConfig[], submitter: Submitter): IngressMappingConfig {
    let doc: unknown;
    try {
      doc = JSON.parse(body.toString('utf8'));
    } catch {
      throw new GatewayError('GW_BAD_REQUEST', 'the body is not JSON', { issues: [{ message: 'not parseable as JSON', path: '', layer: 'mapping', rule: 'ingress.json' }] });
    }
    const field = (e: IngressMappingConfig) => e.formIdField ?? this.cfg.formIdField;
    const services = submitter?.services;
    const byId = own.filter((e) => at(doc, field(e)) === e.formId);
    const entry = byId.find((e) => e.services === undefined || submitter === null || services === undefined || e.services.some((s) => services.includes(s)));
    if (entry !== undefined) return entry;
    const fields = [...new Set([this.cfg.formIdField, ...own.map(field)])];
    const why = byId.length > 0 ? 'no ingress mapping is configured for this form id and the author\'s services' : fields.every((f) => typeof at(doc, f) !== 'string') ? 'the form id is missing or not a string' : 'no ingress mapping is configured for this form id';
    const issues: Issue[] = fields.map((path) => ({ message: why, path, layer: 'mapping', rule: 'ingress.form-id' }));
    throw new GatewayError('GW_MAPPING_FAILED', `JSON submission: ${why}`, { issues, extra: { mapping: byId[0]?.mapping ?? null, rule: 'ingress.form-id', path: fields[0] } });
  }
}

/** A mapping error with the mapping named in its issues (the problem and the rejection log read them: refusalSummary). */
function named(mapping: CompiledMapping, err: unknown): unknown {
  if (!(err instanceof GatewayError)) return err;
  const rule = typeof err.extra['rule'] === 'string' ? err.extra['rule'] : undefined;
  const path = typeof err.extra['path'] === 'string' ? err.extra['path'] : undefined;
  const issues = [{ message: mappingErrorText(mapping.name, err), layer: 'mapping', ...(rule !== undefined && { rule: `${mapping.name}/${rule}` }), ...(path !== undefined && { path }) }, ...err.issues];
  return new GatewayError(err.code, err.message, { issues, extra: { ...err.extra, mapping: mapping.name }, cause: err });
}
