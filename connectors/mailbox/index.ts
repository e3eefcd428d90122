import { z } from 'zod';
import type { ConnectorHealth, ConnectorSpec, Egress } from '../types.js';
import { NotConnectedError } from '../errors.js';

export const mailboxConfigSchema = z
  .object({
    mailbox: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]*$/, 'mailbox names are lower-case letters, digits, ".", "_" and "-"')
      .describe('Name of the pull mailbox in the gateway store; receivers list, fetch and acknowledge it over the mailbox API.'),
  })
  .strict();

/**
 * A store-backed pull queue for receivers that cannot accept inbound connections
 * (on-premises Fachverfahren) and for the ZSA queues in the embedded default. Delivering
 * means: durably placed in the mailbox. The message counts as delivered only when the
 * receiver acknowledges it (XTA's close semantics); unacknowledged fetched messages
 * reappear after the mailbox lease (config `mailbox.leaseMs`).
 */
export const mailboxConnector: ConnectorSpec<typeof mailboxConfigSchema> = {
  name: 'mailbox',
  summary: 'Store-backed pull mailbox: list, fetch with lease, acknowledge (XTA-like).',
  configSchema: mailboxConfigSchema,
  maxInFlight: 32,
  create(config, ctx): Egress {
    let health: ConnectorHealth = { status: 'connecting', since: new Date().toISOString() };
    let closing: Promise<void> | null = null;
    const setStatus = (status: ConnectorHealth['status'], detail?: string) => {
      health = detail === undefined ? { status, since: new Date().toISOString() } : { status, detail, since: new Date().toISOString() };
    };
    return {
      async connect() {
        if (closing) throw new NotConnectedError(`mailbox ${config.mailbox} is closed`);
        await ctx.store.ping();
        setStatus('up', `mailbox ${config.mailbox}`);
      },
      async deliver(msg) {
        if (health.status !== 'up') throw new NotConnectedError(`mailbox ${config.mailbox} is not open`);
        await ctx.store.mailboxPut(config.mailbox, msg.gatewayId);
        return { outcome: 'in_mailbox', mailbox: config.mailbox, detail: `placed in mailbox ${config.mailbox}` };
      },
      health: () => health,
      close() {
        closing ??= Promise.resolve().then(() => setStatus('closed'));
        return closing;
      },
    };
  },
};
