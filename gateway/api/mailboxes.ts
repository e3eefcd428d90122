import { json, type Request, type Response } from 'express';
import { currentDelegations, endpointOfMailbox, withdrawnAgs } from '../auth/ownership.js';
import { principalOf } from '../auth/principal.js';
import { OVERSIGHT, PARTIES } from '../auth/policy.js';
import { GatewayError } from '../errors.js';
import { wireHeaders } from '../model/wire-headers.js';
import { RecipientEncryption } from '../outbox/recipient-encryption.js';
import { actor, intQuery } from './messages.js';
import { route, type ApiRoute } from './route.js';
import { reply } from './contract-types.js';
import type { ServicesWith } from './services.js';
import type { DelegationStore, MailboxStore, MessageReads } from '../store/contracts.js';
import type { MailboxLease } from '../store/types.js';

/** The mailbox API: list, fetch and acknowledge, the fetched message, and the delegations of the ZSA's boxes (ADR 0044). */
export type MailboxServices = ServicesWith<MailboxStore & MessageReads & Pick<DelegationStore, 'delegationOverrides'>>;

const NAME = /^[a-z0-9][a-z0-9._-]*$/;
/** Upper bound of `?wait=` in seconds: below every usual proxy idle timeout (60 s) and far below `server.requestTimeoutMs`. */
export const MAX_WAIT_S = 30;
/** How often a waiting fetch looks again (items placed by another instance, leases that ran out). */
const WAIT_RECHECK_MS = 250;

/**
 * Long poll for `POST …/fetch?wait=N`: tries `fetch` at once and then every WAIT_RECHECK_MS
 * until it yields a lease or `waitMs` ran out. Cancel-safe: it stops trying (and so leases
 * nothing) as soon as the caller hung up or the gateway began shutting down, so no item is
 * leased to a connection that is gone; the answer is then 204. Each try is the same
 * transactional `mailboxFetch` as without `wait`, with the same policy already checked.
 */
async function waitForLease(s: MailboxServices, req: Request, res: Response, waitMs: number, fetch: () => Promise<MailboxLease | null>): Promise<MailboxLease | null> {
  const until = Date.now() + waitMs;
  let gone = false;
  const hangUp = () => {
    gone = true;
  };
  res.once('close', hangUp);
  req.once('aborted', hangUp);
  try {
    for (;;) {
      if (gone || s.lifecycle.shuttingDown) return null;
      const lease = await fetch();
      if (lease || Date.now() >= until) return lease;
      await new Promise((ok) => setTimeout(ok, Math.min(WAIT_RECHECK_MS, Math.max(0, until - Date.now()))));
    }
  } finally {
    res.off('close', hangUp);
    req.off('aborted', hangUp);
  }
}

/**
 * Pull mailboxes (XTA-like): list what waits, fetch one message with a lease, acknowledge
 * it with the lease token. Only the acknowledgement makes the message `delivered`; a fetched
 * message that is not acknowledged before the lease ends can be fetched again.
 */
export function mailboxApi(s: MailboxServices): ApiRoute[] {
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

    /** Fetches the oldest available message (or `?item=<id>`): 200 with the XML, its mapped form (X-Message-Form) or a JWE, and lease headers; 204 when empty — with `?wait=N` (seconds, ≤ MAX_WAIT_S) only after waiting up to N seconds for one. */
    route('POST', '/mailboxes/:mailbox/fetch', { roles: PARTIES, check: 'mailbox' }, async (req, res) => {
      const itemParam = req.query['item'];
      const itemId = typeof itemParam === 'string' ? Number(itemParam) : undefined;
      if (itemId !== undefined && !Number.isInteger(itemId)) throw new GatewayError('GW_BAD_REQUEST', 'item must be an integer');
      const mailbox = mailboxName(req.params['mailbox']);
      const waitMs = (intQuery(req, 'wait', 0, 0, MAX_WAIT_S) ?? 0) * 1000;
      const lease = await waitForLease(s, req, res, waitMs, async () => s.store.mailboxFetch(mailbox, s.cfg.mailbox.leaseMs, itemId, await exceptAgs(res, mailbox)));
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
