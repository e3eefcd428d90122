import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { InboundItem, IngressOutcome, IngressSink } from '../../connectors/types.js';
import type { GatewayConfig } from '../config/schema.js';
import { ERROR_CATALOG, GatewayError } from '../errors.js';
import type { MessageHeader } from '../model/index.js';
import { remitRefusal } from '../routing/remit.js';
import type { MessageWrites } from '../store/contracts.js';
import { refusalSummary, unexpectedSummary } from './diagnostics.js';
import type { Submitter } from './form-ingress.js';
import { channelMediaType } from './media-type.js';
import type { IngressPipeline, SubmitMeta } from './pipeline.js';

/** How often one payload may fail unexpectedly before it is taken as poison: answered `refused` and recorded. */
export const POISON_LIMIT = 5;
/** Payloads whose failures are counted at once; the oldest count is dropped beyond it (it then starts again at 1). */
const MAX_TRACKED = 10_000;

/**
 * Rule `ingress.channel`: an inbound channel has no login, so the header's author must be one
 * of the channel's configured `authors` — otherwise anyone allowed to put items there (a ZSA
 * worker publishing to the reply queue, whoever can write to an inbox folder) could write as a
 * municipality, e.g. release its own draft. The pipeline's remit check (routing/remit.ts)
 * then binds the author to its AGS, services and cases as on HTTP.
 */
export function channelAuthorCheck(cfg: GatewayConfig, channel: string, authors: readonly string[]): (h: MessageHeader) => void {
  const allowed = new Set(cfg.participants.filter((p) => authors.includes(p.id)).map((p) => p.kennung));
  return (h) => {
    if (!allowed.has(h.author)) throw remitRefusal('ingress.channel', `channel ${channel} carries messages of ${authors.join(', ')} only, not of ${h.author}`, h.author);
  };
}

export interface ChannelSinkOptions {
  cfg: GatewayConfig;
  /** The inbound channel's id (`ingress.connectors[].id`). */
  channel: string;
  /** Participant ids whose messages the channel carries (`ingress.connectors[].authors`). */
  authors: readonly string[];
  pipeline: Pick<IngressPipeline, 'submit'>;
  store: Pick<MessageWrites, 'recordRejection'>;
  log: Logger;
  /** Defaults to POISON_LIMIT. */
  poisonLimit?: number;
}

/**
 * The one IngressSink of the gateway, one instance per inbound channel, used by every ingress
 * connector (AMQP reply queue, file inbox, XTA, pull agent answers). Each item goes through the
 * same pipeline as HTTP: its content type picks the way in (`application/jose` decrypted, JSON
 * and CSV and dialect XML through the ingress mappings with the channel's single author as
 * submitter, other XML validated as XÖV), the channel's `authors` bind the header's author
 * (rule `ingress.channel`), and the remit check binds that author.
 *
 * `submit` resolves `accepted`/`duplicate` only after the store committed; `refused` for a
 * permanent refusal, which the pipeline (or the sink, for a content type no way in takes) has
 * recorded in the rejection log under the item's `remote`. It rejects for anything that may pass
 * (store busy or closed, shutdown, an unexpected error) so the connector leaves the item at its
 * peer — until the same payload failed `poisonLimit` times: then it is recorded as GW_INTERNAL
 * and answered `refused`, so one poison item cannot block a queue or an inbox.
 */
export class ChannelSink implements IngressSink {
  private readonly failures = new Map<string, number>();
  private readonly checkHeader: (h: MessageHeader) => void;
  private readonly submitter: Submitter;
  private readonly poisonLimit: number;

  constructor(private readonly o: ChannelSinkOptions) {
    this.checkHeader = channelAuthorCheck(o.cfg, o.channel, o.authors);
    this.poisonLimit = o.poisonLimit ?? POISON_LIMIT;
    // One author: the dialect mappings are chosen as for that participant on HTTP. Several: any
    // of their mappings may select (null), and the mapped author must still be one of the
    // channel's authors and of the chosen mapping's authors (both checked on the header).
    const only = o.authors.length === 1 ? o.cfg.participants.find((p) => p.id === o.authors[0]) : undefined;
    this.submitter = only === undefined ? null : { id: only.id, services: only.services };
  }

  async submit(item: InboundItem, signal: AbortSignal): Promise<IngressOutcome> {
    signal.throwIfAborted();
    const sha512 = createHash('sha512').update(item.payload).digest('hex');
    const way = channelMediaType(item.contentType);
    if (way === undefined) return this.refuseType(item, sha512);
    const meta: SubmitMeta = { remote: item.remote, checkHeader: this.checkHeader, ...(way !== 'jwe' && { ingress: { mediaType: way, submitter: this.submitter } }) };
    try {
      const r = await this.o.pipeline.submit(item.payload, [], meta);
      this.failures.delete(sha512);
      this.o.log.debug({ gatewayId: r.receipt.gatewayId, outcome: r.outcome, remote: item.remote }, 'inbound item stored');
      return { outcome: r.outcome === 'created' ? 'accepted' : 'duplicate', gatewayId: r.receipt.gatewayId };
    } catch (err) {
      if (err instanceof GatewayError && !ERROR_CATALOG[err.code].retryable) {
        this.failures.delete(sha512);
        this.o.log.warn({ code: err.code, detail: refusalSummary(err), remote: item.remote }, 'inbound item refused; recorded in the rejection log');
        return { outcome: 'refused', code: err.code };
      }
      const n = (this.failures.get(sha512) ?? 0) + 1;
      if (n < this.poisonLimit) {
        if (!this.failures.has(sha512) && this.failures.size >= MAX_TRACKED) this.failures.delete(this.failures.keys().next().value as string);
        this.failures.set(sha512, n);
        throw err;
      }
      this.failures.delete(sha512);
      const detail = `taken off channel ${this.o.channel} after ${n} unexpected failures: ${unexpectedSummary(err)}`;
      this.o.log.error({ remote: item.remote, detail }, 'poison item');
      await this.o.store.recordRejection({ code: 'GW_INTERNAL', detail, author: null, messageUuid: null, messageType: null, size: item.payload.length, sha512, remote: item.remote });
      return { outcome: 'refused', code: 'GW_INTERNAL' };
    }
  }

  /** A content type no way in takes: refused for good and recorded (no content, only the bare facts). */
  private async refuseType(item: InboundItem, sha512: string): Promise<IngressOutcome> {
    const err = new GatewayError('GW_UNSUPPORTED_MEDIA_TYPE', 'content type not accepted', { issues: [{ message: 'send application/xml, application/jose, application/json or text/csv', path: 'contentType', layer: 'ingress' }] });
    await this.o.store.recordRejection({ code: err.code, detail: refusalSummary(err), author: null, messageUuid: null, messageType: null, size: item.payload.length, sha512, remote: item.remote });
    this.o.log.warn({ code: err.code, remote: item.remote }, 'inbound item refused: content type not accepted');
    return { outcome: 'refused', code: err.code };
  }
}
