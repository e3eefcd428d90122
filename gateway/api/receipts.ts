import { Router as ExpressRouter } from 'express';
import { ALL_ROLES } from '../auth/policy.js';
import { publicJwks, signSet, messageSubject, vorgangRef } from '../crypto/set.js';
import type { SigningKey } from '../crypto/signing-key.js';
import type { JWK } from 'jose';
import type { StoredMessage, Transition } from '../store/types.js';
import { GatewayError } from '../errors.js';
import { route, type ApiRoute } from './route.js';
import { reply, type Schemas } from './contract-types.js';
import type { ServicesWith } from './services.js';
import type { MessageReads } from '../store/contracts.js';

/** Receipts read a message and its history (ADR 0044). */
export type ReceiptsServices = ServicesWith<MessageReads>;

const SET_TYPE = 'application/secevent+jwt';

/**
 * Signed receipts and events: every stored message's receipt (Quittung) and each of its
 * state changes can be fetched as a Security Event Token (RFC 8417, PS512), verifiable with
 * the gateway's published JWKS. Tokens are signed when fetched, from the stored history.
 */
export function receiptsApi(s: ReceiptsServices, key: SigningKey, issuer: () => string): { wellKnown: ExpressRouter; api: ApiRoute[] } {
  const wellKnown = ExpressRouter({ caseSensitive: true, strict: true });
  wellKnown.get('/.well-known/jwks.json', async (_req, res) => {
    res.type('application/jwk-set+json').send(JSON.stringify(publicJwks(await key.published()))); // current key, then retired ones (crypto.retiredSigningKeyFiles)
  });

  const load = async (id: string) => {
    const m = await s.store.getMessage(id);
    if (!m) throw new GatewayError('GW_NOT_FOUND', `no message ${id}`);
    return m;
  };

  const receipt = route('GET', '/messages/:id/receipt', { roles: ALL_ROLES, check: 'message' }, async (req, res) => {
    const m = await load(String(req.params['id']));
    const token = await signReceipt(m, issuer(), await key.get());
    res.type(SET_TYPE).send(token);
  });

  const events = route('GET', '/messages/:id/events', { roles: ALL_ROLES, check: 'message' }, async (req, res) => {
    const m = await load(String(req.params['id']));
    const signing = await key.get();
    const items: Schemas['EventList']['items'] = [];
    for (const t of await s.store.history(m.id)) {
      const token = await signStateChange(m, t, issuer(), signing);
      items.push({ seq: t.seq, from: t.from, to: t.to, at: t.at, token });
    }
    reply(res, 'getEvents', 200, { messageId: m.id, items });
  });
  return { wellKnown, api: [receipt, events] };
}

/** The signed receipt (Quittung) of a stored message: a `receipt` SET, subject `message:<id>`, time of event = stored. */
export function signReceipt(m: StoredMessage, issuer: string, jwk: JWK): Promise<string> {
  return signSet(
    {
      kind: 'receipt',
      issuer,
      subject: messageSubject(m.id),
      txn: vorgangRef(m.vorgangId),
      occurredAt: new Date(m.receivedAt),
      details: { state: 'queued', messageUuid: m.messageUuid, author: m.author, sha512: m.sha512, receivedAt: m.receivedAt },
    },
    jwk,
  );
}

/** One state change of a message's history as a signed `stateChange` SET (time of event = the transition's time). */
export function signStateChange(m: StoredMessage, t: Transition, issuer: string, jwk: JWK): Promise<string> {
  return signSet(
    {
      kind: 'stateChange',
      issuer,
      subject: messageSubject(m.id),
      txn: vorgangRef(m.vorgangId),
      occurredAt: new Date(t.at),
      details: { from: t.from, to: t.to, messageUuid: m.messageUuid, reason: t.reason, attempt: t.attempt },
    },
    jwk,
  );
}
