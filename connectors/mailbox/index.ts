import { z } from 'zod';
import { GatewayError } from '../../gateway/errors.js';
import type { ConnectorContext, ConnectorHealth, ConnectorSpec, DeliveryReceipt, Egress, OutboundMessage } from '../types.js';
import { NotConnectedError, PermanentError, RetryableError } from '../errors.js';
import { EgressLifecycle } from '../lifecycle.js';

export const mailboxConfigSchema = z
  .object({
    mailbox: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]*$/, 'mailbox names are lower-case letters, digits, ".", "_" and "-"')
      .describe('Name of the pull mailbox in the gateway store; receivers list, fetch and acknowledge it over the mailbox API.'),
  })
  .strict();

export type MailboxConfig = z.output<typeof mailboxConfigSchema>;

/**
 * Turns a failed `mailboxPut` into the contract's error: an unknown message can never be
 * placed (PermanentError); a closed store is a lost connection (NotConnectedError);
 * anything else (SQLITE_BUSY while another process holds the write lock, I/O errors) may
 * pass (RetryableError).
 */
function putError(mailbox: string, err: unknown): Error {
  const text = err instanceof Error ? err.message : String(err);
  if (err instanceof GatewayError && err.code === 'GW_NOT_FOUND') return new PermanentError(`mailbox ${mailbox}: ${text}`, { cause: err });
  if (err instanceof GatewayError && err.code === 'GW_NOT_READY') return new NotConnectedError(`mailbox ${mailbox}: ${text}`, { cause: err });
  return new RetryableError(`mailbox ${mailbox}: store write failed: ${text}`, { cause: err });
}

/**
 * Egress into a store-backed pull mailbox. There is no remote peer: connect() checks the
 * store answers; deliver() commits a mailbox row for the already stored message (durable
 * when it resolves) and returns `in_mailbox`. The message becomes `delivered` only when a
 * receiver acknowledges it over the mailbox API (gateway/api/mailboxes.ts).
 */
class MailboxEgress implements Egress {
  private readonly life = new EgressLifecycle();

  constructor(
    private readonly config: MailboxConfig,
    private readonly ctx: ConnectorContext,
  ) {}

  /** Pings the store; lifts `down` again. Throws the store's error while it does not answer, NotConnectedError after close(). */
  async connect(signal: AbortSignal): Promise<void> {
    if (this.life.closing) throw new NotConnectedError(`mailbox ${this.config.mailbox} is closed`);
    signal.throwIfAborted();
    await this.ctx.mailboxes.ping();
    if (this.life.closing) throw new NotConnectedError(`mailbox ${this.config.mailbox} was closed while connecting`);
    this.life.connected = true;
    if (this.life.health().status !== 'up') this.life.setStatus('up', `mailbox ${this.config.mailbox}`);
  }

  deliver(msg: OutboundMessage, signal: AbortSignal): Promise<DeliveryReceipt> {
    if (this.life.closing || !this.life.connected || signal.aborted) {
      const why = this.life.closing ? 'is closed' : !this.life.connected ? 'is not connected' : 'delivery aborted before start';
      return Promise.reject(new NotConnectedError(`mailbox ${this.config.mailbox} ${why}`));
    }
    const mailbox = this.config.mailbox;
    const put = this.ctx.mailboxes.mailboxPut(mailbox, msg.gatewayId).then(
      (): DeliveryReceipt => {
        if (!this.life.closing && this.life.health().status !== 'up') this.life.setStatus('up', `mailbox ${mailbox}`);
        return { outcome: 'in_mailbox', mailbox, detail: `placed in mailbox ${mailbox}` };
      },
      (err: unknown) => {
        const mapped = putError(mailbox, err);
        if (!(mapped instanceof PermanentError) && !this.life.closing) this.life.setStatus('down', mapped.message);
        if (mapped instanceof NotConnectedError) this.life.connected = false;
        throw mapped;
      },
    );
    return this.life.track(put);
  }

  health(): ConnectorHealth {
    return this.life.health();
  }

  /** Lets running puts commit, then reports `closed`; the same promise on every call. The store stays open (it is the gateway's). */
  close(): Promise<void> {
    return this.life.close();
  }
}

/**
 * A store-backed pull queue for receivers that cannot accept inbound connections
 * (on-premises Fachverfahren) and for the ZSA queues in the embedded default. Delivering
 * means: durably placed in the mailbox. The message counts as delivered only when the
 * receiver acknowledges it (XTA's close semantics); unacknowledged fetched messages
 * reappear after the mailbox lease (config `mailbox.leaseMs`). See README.md.
 */
export const mailboxConnector = {
  name: 'mailbox',
  direction: 'egress',
  summary: 'Store-backed pull mailbox: list, fetch with lease, acknowledge (XTA-like).',
  configSchema: mailboxConfigSchema,
  maxInFlight: 32,
  create(config, ctx): Egress {
    return new MailboxEgress(config, ctx);
  },
} satisfies ConnectorSpec<typeof mailboxConfigSchema>;
