import { createHash } from 'node:crypto';
import type { IngressMediaType } from '../../config/schema.js';
import { GatewayError } from '../../errors.js';
import type { MessageHeader } from '../../model/index.js';
import type { MappedOutput } from '../../mapping/types.js';
import type { EvidenceConfig } from '../../config/service-rules.js';
import { evidenceKey, readEvidence } from '../../validation/evidence.js';
import type { MessageValidator, Strictness } from '../../validation/types.js';
import type { Submitter } from '../form-ingress.js';
import type { DeliveryMapping } from '../mapping-step.js';
import type { PipelineMapping } from '../pipeline.js';
import type { IngressSteps, Prepared, Verdict } from './contract.js';

/** SHA-512 (hex) of a payload: the hash a message is kept and compared under. */
export const sha512Of = (b: Uint8Array): string => createHash('sha512').update(b).digest('hex');

/**
 * The ingress steps on the calling thread: the main thread with `ingress.workers: inline`
 * (tests, tools), and inside each worker thread of the pool (worker.ts). `strictnessFor` is
 * the strictness of the route that will take a message (Router.strictnessFor on the main
 * thread, `strictnessOf` over the configured routes in a worker: the same answer).
 */
export class LocalSteps implements IngressSteps {
  constructor(
    private readonly validator: MessageValidator,
    private readonly mapping: PipelineMapping | undefined,
    private readonly strictnessFor: (h: MessageHeader) => Strictness | undefined,
    /** Evidence policies whose lists are read from every valid message (worker threads); none inline, where the case check reads them. */
    private readonly evidence: readonly EvidenceConfig[] = [],
  ) {}

  async check(xml: Buffer): Promise<Prepared> {
    try {
      return { ok: true, verdict: this.validate(xml) };
    } catch (error) {
      return { ok: false, error };
    }
  }

  async fromForm(body: Buffer, mediaType: IngressMediaType, submitter: Submitter): Promise<Prepared> {
    if (this.mapping === undefined) return { ok: false, error: new GatewayError('GW_UNSUPPORTED_MEDIA_TYPE', `this gateway maps no ${mediaType} submissions (mappings.ingress)`) };
    let mapped;
    try {
      mapped = await this.mapping.forms.toXml(body, mediaType, submitter);
    } catch (error) {
      return { ok: false, error };
    }
    const sha512 = sha512Of(mapped.xml);
    try {
      const verdict = this.reusable(mapped.verdict, mapped.xml) ?? this.validate(mapped.xml);
      const { body: _submitted, ...original } = mapped.original;
      return { ok: true, verdict, mapped: { xml: mapped.xml, sha512, original, ...(mapped.authors && { authors: [...mapped.authors] }) } };
    } catch (error) {
      return { ok: false, error, sha512 };
    }
  }

  deliver(name: string, payload: Buffer, h: Pick<MessageHeader, 'standard' | 'version' | 'messageType'>): Promise<DeliveryMapping> {
    const step = this.mapping?.step;
    return step === undefined ? Promise.resolve({ kind: 'failed', mapping: name, reason: `mapping ${name} is not loaded (mappings.dirs)` }) : step.deliver(name, payload, h);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private validate(xml: Buffer): Verdict {
    const { header, warnings } = this.validator.check(xml, (h) => this.strictnessFor(h));
    return { header, warnings, ...this.evidenceOf(xml) };
  }

  private evidenceOf(xml: Buffer): Pick<Verdict, 'evidence'> {
    if (this.evidence.length === 0) return {};
    return { evidence: Object.fromEntries(this.evidence.map((cfg) => [evidenceKey(cfg), readEvidence(xml, cfg)])) };
  }

  /**
   * The mapping's verdict on a mapped form, when validating the same XML here would ask the
   * same validator with the same strictness: the route sets no strictness of its own (the
   * mapping checked under the standard's). Otherwise undefined, and the caller validates.
   */
  private reusable(verdict: MappedOutput['verdict'], xml: Buffer): Verdict | undefined {
    if (verdict === undefined || verdict.by !== this.validator) return undefined;
    try {
      return this.strictnessFor(verdict.checked.header) === undefined ? { header: verdict.checked.header, warnings: verdict.checked.warnings, ...this.evidenceOf(xml) } : undefined;
    } catch {
      return undefined; // the validator's own call reports it as it always did
    }
  }
}
