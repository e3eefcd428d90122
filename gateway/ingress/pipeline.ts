import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { GatewayError } from '../errors.js';
import type { Router } from '../routing/router.js';
import type { AttachmentRef, MessageStore, Receipt } from '../store/types.js';
import type { MessageValidator } from '../validation/types.js';

export interface SubmitResult {
  outcome: 'created' | 'duplicate';
  receipt: Receipt;
  endpointId: string;
  routeName: string;
}

export interface SubmitMeta {
  /** Client address or channel name (`amqp:<queue>`), for the rejection log. */
  remote: string | null;
}

/**
 * The inbound half of the gateway, independent of the channel a message came in on
 * (HTTP, AMQP reply queue, CLI): validate → idempotency → route → store (with outbox) →
 * wake the delivery worker. A resolved SubmitResult means the message is durably stored;
 * anything else is a GatewayError, recorded in the rejection log.
 */
export class IngressPipeline {
  constructor(
    private readonly validator: MessageValidator,
    private readonly router: Router,
    private readonly store: MessageStore,
    private readonly log: Logger,
    private readonly onAccepted: () => void,
  ) {}

  async submit(xml: Buffer, attachments: AttachmentRef[], meta: SubmitMeta): Promise<SubmitResult> {
    const sha512 = createHash('sha512').update(xml).digest('hex');
    let header: { author: string; messageUuid: string; messageType: string } | null = null;
    try {
      const checked = this.validator.check(xml, (h) => this.router.strictnessFor(h));
      const h = checked.header;
      header = h;
      const existing = await this.store.getMessageByUuid(h.author, h.messageUuid);
      if (existing) return await this.repeat(existing.sha512 === sha512, existing.id, existing.endpointId, existing.routeName, h.author, h.messageUuid);
      const decision = await this.router.decide(h);
      const result = await this.store.accept({
        id: randomUUID(),
        header: h,
        payload: xml,
        payloadSha512: sha512,
        attachments,
        routeName: decision.routeName,
        endpointId: decision.endpointId,
        routeReason: decision.reason,
        warnings: checked.warnings,
      });
      if (result.kind === 'conflict') throw conflict(h.author, h.messageUuid, result.receipt.gatewayId);
      if (result.kind === 'created') this.onAccepted();
      return { outcome: result.kind, receipt: result.receipt, endpointId: decision.endpointId, routeName: decision.routeName };
    } catch (err) {
      if (err instanceof GatewayError && err.code !== 'GW_INTERNAL') {
        // a refusal after the header was read names the message (validator: extra.message)
        const named = err.extra['message'] as { author: string; messageUuid: string; messageType: string } | undefined;
        header ??= named ?? null;
        await this.store
          .recordRejection({
            code: err.code,
            detail: err.message,
            author: header?.author ?? null,
            messageUuid: header?.messageUuid ?? null,
            messageType: header?.messageType ?? null,
            size: xml.length,
            sha512,
            remote: meta.remote,
          })
          .catch((e: unknown) => this.log.error({ err: e instanceof Error ? e.message : String(e) }, 'could not record rejection'));
      }
      throw err;
    }
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
    };
  }
}

function conflict(author: string, uuid: string, gatewayId: string): GatewayError {
  return new GatewayError('GW_DUPLICATE_CONFLICT', `message UUID ${uuid} of ${author} was already accepted with a different payload`, {
    extra: { gatewayId },
    issues: [{ message: 'nachrichtenUUID reused for a different payload', path: 'nachrichtenkopf/identifikation.nachricht/nachrichtenUUID', layer: 'idempotency' }],
  });
}
