import { ALL_ROLES } from '../auth/policy.js';
import { GatewayError } from '../errors.js';
import { RecipientEncryption } from '../outbox/recipient-encryption.js';
import { callerEndpoint } from './messages.js';
import { route, type ApiRoute } from './route.js';
import { reply } from './contract-types.js';
import type { ServicesWith } from './services.js';
import type { MessageReads } from '../store/contracts.js';

/** The forms API reads stored messages and their forms (ADR 0044). */
export type FormsServices = ServicesWith<MessageReads>;

const FORM_NAME = /^[a-z0-9][a-z0-9._-]*$/;

/**
 * The stored forms of a message (ADR 0020): the `original` a sender submitted before an
 * ingress mapping and the `delivery` form a route's mapping produced. The list is metadata
 * (the message's read rule); a form's bytes follow the payload rule: the message's parties,
 * the operator only under a break-glass grant, end-to-end encrypted to a caller with a key.
 */
export function formsApi(s: FormsServices): ApiRoute[] {
  const encryption = new RecipientEncryption(s.recipientKeys);
  return [
    route('GET', '/messages/:id/forms', { roles: ALL_ROLES, check: 'message' }, async (req, res) => {
      const id = String(req.params['id']);
      if ((await s.store.getMessage(id)) === null) throw new GatewayError('GW_NOT_FOUND', `no message ${id}`);
      const items = (await s.store.listForms(id)).map((f) => ({ ...f, links: { self: `/api/v1/messages/${id}/forms/${f.name}` } }));
      reply(res, 'listForms', 200, { items });
    }),

    route('GET', '/messages/:id/forms/:name', { roles: ALL_ROLES, check: 'payload' }, async (req, res) => {
      const id = String(req.params['id']);
      const name = String(req.params['name']);
      const found = FORM_NAME.test(name) ? await s.store.getForm(id, name) : null;
      if (found === null) throw new GatewayError('GW_NOT_FOUND', `message ${id} has no form of that name`, { issues: [{ message: 'no such form', path: 'params.name' }] });
      const sealed = await encryption.form(callerEndpoint(res), { body: found.body, mediaType: found.form.mediaType });
      res.set('X-Message-Form', found.form.name).type(sealed.contentType).send(sealed.body);
    }),
  ];
}
