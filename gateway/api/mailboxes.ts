import { json, type Response } from 'express';
import { currentDelegations, endpointOfMailbox, withdrawnAgs } from '../auth/ownership.js';
import { principalOf } from '../auth/principal.js';
import { OVERSIGHT, PARTIES } from '../auth/policy.js';
import { GatewayError } from '../errors.js';
import { wireHeaders } from '../model/wire-headers.js';
import { RecipientEncryption } from '../outbox/recipient-encryption.js';
import { actor, intQuery } from './messages.js';
import { route, type ApiRoute } from './route.js';
import { reply } from './contract-types.js';
import type { GatewayServices } from './services.js';

const NAME = /^[a-z0-9][a-z0-9._-]*$/;

/**
 * Pull mailboxes (XTA-like): list what waits, fetch one message with a lease, acknowledge
 * it with the lease token. Only the acknowledgement makes the message `delivered`; a fetched
 * message that is not acknowledged before the lease ends can be fetched again.
 */
export function mailboxApi(s: GatewayServices): ApiRoute[] {
  const encryption = new RecipientEncryption(s.recipientKeys);
  const mailboxName = (v: unknown): string => {
    if (typeof v !== 'string' || !NAME.test(v)) throw new GatewayError('GW_BAD_REQUEST', 'invalid mailbox name', { issues: [{ message: 'invalid mailbox name', path: 'mailbox' }] });
    return v;
  };

  /**
   * For the ZSA: the AGS whose items its work queue `mailbox` no longer hands out, because
   * the municipality took the queue's service back (docs/security.md: parties follow the
   * current delegation). Nothing is excluded for other callers.
   */
  const exceptAgs = async (res: Response, mailbox: string): Promise<string[] | undefined> => {
    if (principalOf(res)?.participant?.kind !== 'zsa') return undefined;
    return withdrawnAgs(s.cfg, endpointOfMailbox(s.cfg, mailbox), await currentDelegations(s.cfg, s.store));
  };

  return [
    // Mailbox owners; operator and admin may list every mailbox (metadata), but never fetch or acknowledge.
    route('GET', '/mailboxes/:mailbox/messages', { roles: [...PARTIES, ...OVERSIGHT], check: 'mailbox' }, async (req, res) => {
      const mailbox = mailboxName(req.params['mailbox']);
      reply(res, 'listMailbox', 200, { items: await s.store.mailboxList(mailbox, intQuery(req, 'limit', 100, 1, 500) ?? 100, await exceptAgs(res, mailbox)) });
    }),

    /** Fetches the oldest available message (or `?item=<id>`): 200 with the XML, its mapped form (X-Message-Form) or a JWE, and lease headers; 204 when empty. */
    route('POST', '/mailboxes/:mailbox/fetch', { roles: PARTIES, check: 'mailbox' }, async (req, res) => {
      const itemParam = req.query['item'];
      const itemId = typeof itemParam === 'string' ? Number(itemParam) : undefined;
      if (itemId !== undefined && !Number.isInteger(itemId)) throw new GatewayError('GW_BAD_REQUEST', 'item must be an integer');
      const mailbox = mailboxName(req.params['mailbox']);
      const lease = await s.store.mailboxFetch(mailbox, s.cfg.mailbox.leaseMs, itemId, await exceptAgs(res, mailbox));
      if (!lease) {
        res.status(204).end();
        return;
      }
      // A receiver with a configured encryption key gets the message as a JWE to that key,
      // fresh per fetch, as push deliveries do (gateway/outbox/recipient-encryption.ts).
      const endpointId = (await s.store.getMessage(lease.item.messageId))?.endpointId;
      const sealed = await encryption.lease(endpointId, lease);
      res
        .status(200)
        .set({
          'X-Mailbox-Item': String(lease.item.id),
          'X-Lease-Token': lease.leaseToken,
          'X-Lease-Until': lease.leaseUntil,
          ...wireHeaders({
            gatewayId: lease.item.messageId,
            messageUuid: lease.item.messageUuid,
            messageType: lease.item.messageType,
            vorgangId: lease.item.vorgangId,
            ...(lease.form !== undefined && { form: lease.form.name }),
          }),
        })
        .type(sealed.contentType)
        .send(sealed.body);
    }),

    route('POST', '/mailboxes/:mailbox/messages/:item/ack', { roles: PARTIES, check: 'mailbox' }, json({ limit: '16kb' }), async (req, res) => {
      const body = (req.body ?? {}) as { leaseToken?: unknown };
      const token = typeof body.leaseToken === 'string' ? body.leaseToken : req.headers['x-lease-token'];
      if (typeof token !== 'string' || token.length === 0) throw new GatewayError('GW_BAD_REQUEST', 'leaseToken is required', { issues: [{ message: 'missing', path: '/leaseToken' }] });
      const item = Number(req.params['item']);
      if (!Number.isInteger(item)) throw new GatewayError('GW_BAD_REQUEST', 'item must be an integer');
      const acked = await s.store.mailboxAck(mailboxName(req.params['mailbox']), item, token, actor(req));
      if (acked !== null) s.monitoring?.metrics.deliveredFacts(acked);
      reply(res, 'ackMailboxItem', 200, { acknowledged: item });
    }),
  ];
}
