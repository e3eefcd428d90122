import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { decryptWith, isCompactJwe } from '../crypto/jwe.js';
import type { PrivateKeyRing } from '../crypto/keyring.js';
import { GatewayError } from '../errors.js';
import { RemitGuard } from '../routing/remit.js';
import type { Router } from '../routing/router.js';
import type { AttachmentRef, MessageHeader, NewForm, PayloadFormat } from '../model/index.js';
import type { RouteDecision } from '../routing/router.js';
import type { MessageReads, MessageWrites, UploadLedger, VorgangEventReads } from '../store/contracts.js';
import type { NewMessage, Receipt } from '../store/types.js';
import type { FormIngress, Submitter } from './form-ingress.js';
import type { IngressMediaType } from '../config/schema.js';
import type { MappingStep } from './mapping-step.js';
import type { MessageValidator } from '../validation/types.js';
import { LocalSteps, sha512Of } from './steps/local.js';
import type { IngressSteps, Prepared, Verdict } from './steps/contract.js';
import { refusalSummary } from './diagnostics.js';
import { checkCase } from '../deadlines/case-checks.js';

export interface SubmitResult {
  outcome: 'created' | 'duplicate';
  receipt: Receipt;
  endpointId: string;
  routeName: string;
  /** The message's LeiKa key (header), for the service label of metrics. */
  leika: string;
}

/**
 * Told the outcome of every `submit` once it settled (gateway/monitoring counts and times
 * them). `startedAt` is `performance.now()` at entry. Must not throw and must not do I/O:
 * it runs on the hot path.
 */
export interface IngressObserver {
  submitted(startedAt: number, outcome: { result: SubmitResult } | { error: unknown }): void;
}

export interface SubmitMeta {
  /** Client address or channel name (`amqp:<queue>`), for the rejection log. */
  remote: string | null;
  /**
   * Routing metadata of a pass-through submission (pass-through.ts): the body is a JWE
   * that is routed on this header, stored and delivered as is, and never decrypted.
   */
  passThrough?: MessageHeader;
  /**
   * Called with the header as soon as it is known (validated or pass-through), before the
   * message is routed or stored; throws to refuse it. Used for "the authenticated
   * participant must be the author".
   */
  checkHeader?: (header: MessageHeader) => void;
  /**
   * The media type the body came in and who sent it (null: unknown, `auth.mode: off`). JSON
   * and CSV are always mapped to XÖV first (form-ingress.ts: EfA form data, a Fachverfahren's
   * dialect), XML only when its root element is one an XML ingress mapping selects; the
   * submitted document is kept as the message's `original` form (ADR 0020, ADR 0025).
   * Absent (AMQP, CLI): the body is XÖV XML or a JWE.
   */
  ingress?: { mediaType: IngressMediaType; submitter: Submitter };
}

/** The mapping side of the pipeline (ADR 0020); without it routes may name no mapping and JSON is refused. */
export interface PipelineMapping {
  step: MappingStep;
  forms: FormIngress;
}

/**
 * The inbound half of the gateway, independent of the channel a message came in on
 * (HTTP, AMQP reply queue, CLI): validate → idempotency → route → authorize the author (routing/remit.ts) →
 * case checks (closed Vorgang, evidence list: deadlines/case-checks.ts) → store (with outbox) →
 * wake the delivery worker. A resolved SubmitResult means the message is durably stored;
 * anything else is a GatewayError, recorded in the rejection log (code, sender, message
 * id, size, hash and `refusalSummary` — no content of the message).
 *
 * A body that is a compact JWE is decrypted first with the gateway's own keys (`jwe`;
 * none configured → GW_JWE_KEY_UNKNOWN) and then treated like the XML it holds; the hash
 * kept is that of the XML. Pass-through submissions (`meta.passThrough`) skip decryption
 * and validation: they must be a JWE and match a route with `passThrough: true`.
 */
export class IngressPipeline {
  private readonly remit: RemitGuard;
  private readonly steps: IngressSteps;

  constructor(
    validator: MessageValidator,
    private readonly router: Router,
    private readonly store: MessageWrites & MessageReads & VorgangEventReads & UploadLedger,
    private readonly log: Logger,
    private readonly onAccepted: () => void,
    private readonly jwe?: PrivateKeyRing,
    private readonly mapping?: PipelineMapping,
    private readonly observer?: IngressObserver,
    /** Where validation and mappings run (ADR 0047): worker threads, or by default this thread with `validator` and `mapping`. */
    steps?: IngressSteps,
  ) {
    this.remit = new RemitGuard(router, store);
    this.steps = steps ?? new LocalSteps(validator, mapping, (h) => router.strictnessFor(h));
  }

  async submit(body: Buffer, attachments: AttachmentRef[], meta: SubmitMeta): Promise<SubmitResult> {
    const o = this.observer;
    if (o === undefined) return this.run(body, attachments, meta);
    const startedAt = performance.now();
    try {
      const result = await this.run(body, attachments, meta);
      o.submitted(startedAt, { result });
      return result;
    } catch (error) {
      o.submitted(startedAt, { error });
      throw error;
    }
  }

  private async run(body: Buffer, attachments: AttachmentRef[], meta: SubmitMeta): Promise<SubmitResult> {
    let xml = body;
    let sha512 = sha512Of(body);
    let original: NewForm | undefined;
    let authors: ReadonlySet<string> | undefined;
    let header: { author: string; messageUuid: string; messageType: string } | null = meta.passThrough ?? null;
    try {
      if (meta.passThrough !== undefined) {
        meta.checkHeader?.(meta.passThrough);
        return await this.acceptRouted(meta.passThrough, body, sha512, 'jwe', attachments, []);
      }
      const into = meta.ingress;
      let prepared: Prepared;
      if (into !== undefined && (into.mediaType !== 'application/xml' || this.mapping?.forms.claimsXml(body) === true)) {
        if (this.mapping === undefined) throw new GatewayError('GW_UNSUPPORTED_MEDIA_TYPE', `this gateway maps no ${into.mediaType} submissions (mappings.ingress)`);
        prepared = await this.steps.fromForm(body, into.mediaType, into.submitter);
        if (prepared.ok && prepared.mapped !== undefined) {
          const m = prepared.mapped;
          ({ xml, sha512 } = m);
          original = { ...m.original, body };
          if (m.authors !== undefined) authors = new Set(m.authors);
        }
      } else {
        if (isCompactJwe(body)) {
          xml = await this.decrypt(body);
          sha512 = sha512Of(xml);
        }
        prepared = await this.steps.check(xml);
      }
      if (!prepared.ok) {
        sha512 = prepared.sha512 ?? sha512;
        throw prepared.error;
      }
      const checked = prepared.verdict;
      header = checked.header;
      meta.checkHeader?.(checked.header);
      if (authors !== undefined && !authors.has(checked.header.author)) throw dialectAuthor(original?.mapping ?? '');
      return await this.acceptRouted(checked.header, xml, sha512, 'xml', attachments, checked.warnings, original, checked.evidence);
    } catch (err) {
      // 503s (store busy, overloaded, not ready) are no verdict on the message: nothing to record, and recording would wait on the same store
      if (err instanceof GatewayError && err.code !== 'GW_INTERNAL' && err.status !== 503) {
        // a refusal after the header was read names the message (validator: extra.message)
        const named = err.extra['message'] as { author: string; messageUuid: string; messageType: string } | undefined;
        header ??= named ?? null;
        await this.store
          .recordRejection({
            code: err.code,
            detail: refusalSummary(err), // never err.message: it may quote the message's content
            author: header?.author ?? null,
            messageUuid: header?.messageUuid ?? null,
            messageType: header?.messageType ?? null,
            size: body.length,
            sha512,
            remote: meta.remote,
          })
          .catch((e: unknown) => this.log.error({ err: e instanceof Error ? e.message : String(e) }, 'could not record rejection'));
      }
      throw err;
    }
  }

  private async decrypt(body: Buffer): Promise<Buffer> {
    if (this.jwe === undefined) {
      throw new GatewayError('GW_JWE_KEY_UNKNOWN', 'The payload is a JWE, but the gateway holds no decryption keys (crypto.jwe.keys); send plain XML, or use a pass-through route.', {
        issues: [{ message: 'no decryption keys configured', path: '/protected/kid', rule: 'jwe.kid' }],
      });
    }
    return Buffer.from((await decryptWith(body, this.jwe)).payload);
  }

  /** Idempotency → route → store. For pass-through, the route must allow it and the payload must look like a JWE. */
  private async acceptRouted(h: MessageHeader, payload: Buffer, sha512: string, format: PayloadFormat, attachments: AttachmentRef[], warnings: string[], original?: NewForm, evidence?: Verdict['evidence']): Promise<SubmitResult> {
    if (format === 'jwe') {
      if (!isCompactJwe(payload)) throw new GatewayError('GW_JWE_INVALID', 'A pass-through body must be a compact JWE.', { issues: [{ message: 'not a compact JWE', path: 'body', rule: 'jwe.compact' }] });
      const route = this.router.routeFor(h);
      if (route !== undefined && route.passThrough !== true) {
        throw new GatewayError('GW_BAD_REQUEST', `route ${route.name} is not a pass-through route; send the XML (plain or as a JWE to the gateway's key) without routing headers`, {
          issues: [{ message: 'routing headers are only accepted for routes with passThrough: true', path: 'x-message-type' }],
        });
      }
    }
    const existing = await this.store.getMessageByUuid(h.author, h.messageUuid);
    if (existing) return await this.repeat(existing.sha512 === sha512, existing.id, existing.endpointId, existing.routeName, h.author, h.messageUuid);
    const author = this.remit.author(h);
    const { decision, context } = await this.router.decideWithContext(
      h,
      (scope) => this.remit.checkScope(author, h, scope),
      async (opening) => {
        const party = await this.remit.isParty(author, opening);
        // the sender is told the Vorgang is unknown; operators are told why (no content: ids only)
        if (!party) this.log.warn({ participant: author.id, vorgangId: h.vorgangId, messageUuid: h.messageUuid, rule: 'vorgang.party' }, 'follow-up from a non-party of the case, answered as an unknown Vorgang');
        return party;
      },
    );
    await this.remit.authorize(author, h, decision, context, attachments);
    await checkCase(this.store, author, h, decision, context, { bytes: payload, format, attachments, evidence });
    const mapped = await this.mapForTarget(format, decision, h, payload);
    const result = await this.store.accept({
      id: randomUUID(),
      header: h,
      payload,
      payloadFormat: format,
      payloadSha512: sha512,
      attachments,
      routeName: decision.routeName,
      endpointId: decision.endpointId,
      routeReason: decision.reason,
      warnings,
      opensVorgang: context.route.startsVorgang === true,
      ...mapped,
      forms: [...(original ? [original] : []), ...(mapped.forms ?? [])],
    });
    if (result.kind === 'conflict') throw conflict(h.author, h.messageUuid, result.receipt.gatewayId);
    if (result.kind === 'created') this.onAccepted();
    return { outcome: result.kind, receipt: result.receipt, endpointId: decision.endpointId, routeName: decision.routeName, leika: h.leika };
  }

  /**
   * The mapping step (ADR 0020): the form the target needs, or why it could not be made.
   * A pass-through JWE is never mapped (the gateway cannot read it).
   */
  private async mapForTarget(format: PayloadFormat, decision: RouteDecision, h: MessageHeader, payload: Buffer): Promise<Pick<NewMessage, 'mapping' | 'forms' | 'mappingFailure'>> {
    const step = this.mapping?.step;
    const name = format === 'xml' ? step?.mappingFor(decision, h) : undefined;
    if (step === undefined || name === undefined) return {};
    const outcome = await this.steps.deliver(name, payload, h);
    if (outcome.kind === 'mapped') return { mapping: outcome.mapping, forms: [outcome.form] };
    if (outcome.kind === 'failed') {
      this.log.error({ messageUuid: h.messageUuid, mapping: outcome.mapping, reason: outcome.reason }, 'delivery mapping failed; the message is stored dead');
      return { mapping: name, mappingFailure: outcome.reason };
    }
    return {};
  }

  private async repeat(samePayload: boolean, id: string, endpointId: string, routeName: string, author: string, uuid: string): Promise<SubmitResult> {
    if (!samePayload) throw conflict(author, uuid, id);
    const m = await this.store.getMessage(id);
    if (!m) throw new GatewayError('GW_INTERNAL', 'stored message vanished');
    return {
      outcome: 'duplicate',
      receipt: { gatewayId: m.id, messageUuid: m.messageUuid, author: m.author, state: m.state, receivedAt: m.receivedAt, sha512: m.sha512 },
      endpointId,
      routeName,
      leika: m.leika,
    };
  }
}

function conflict(author: string, uuid: string, gatewayId: string): GatewayError {
  return new GatewayError('GW_DUPLICATE_CONFLICT', `message UUID ${uuid} of ${author} was already accepted with a different payload`, {
    extra: { gatewayId },
    issues: [{ message: 'nachrichtenUUID reused for a different payload', path: 'nachrichtenkopf/identifikation.nachricht/nachrichtenUUID', layer: 'idempotency' }],
  });
}

/**
 * A mapped dialect document whose message names an author outside its ingress mapping's
 * `authors` (e.g. another municipality's key in an answer file): refused even where nobody is
 * authenticated, so a dialect cannot write in another participant's name (ADR 0025).
 */
function dialectAuthor(mapping: string): GatewayError {
  const rule = 'ingress.dialect-author';
  return new GatewayError('GW_FORBIDDEN', `the message mapped by ${mapping} names an author its ingress mapping does not take (rule ${rule})`, {
    extra: { rule, mapping },
    issues: [{ message: 'autor is not one of the ingress mapping\'s authors', path: 'nachrichtenkopf/autor/kennung', layer: 'authorization', rule }],
  });
}
