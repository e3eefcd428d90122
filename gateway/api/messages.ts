import type { Request, Response } from 'express';
import { ADMIN_ONLY, ALL_ROLES, OVERSIGHT, PARTIES } from '../auth/policy.js';
import { RecipientEncryption, type ReaderEndpoint } from '../outbox/recipient-encryption.js';
import { GatewayError, toProblem } from '../errors.js';
import { isMessageState, type MessageState } from '../model/index.js';
import type { MessageFilter } from '../store/types.js';
import { requireAgs } from '../routing/region-key.js';
import { attachmentUploadHandler, messageIngressHandler, readBody } from '../ingress/http.js';
import { admit } from '../ingress/admission.js';
import type { ServicesWith } from './services.js';
import type { DelegationStore, MessageReads, ReplayStore, VorgangEventReads } from '../store/contracts.js';
import { ingressHeaderCheck, scopeMessageFilter } from '../auth/ingress-guard.js';
import { principalOf } from '../auth/principal.js';
import { currentDelegations, ownsMessage } from '../auth/ownership.js';
import { route, type ApiRoute } from './route.js';
import { reply, type Schemas } from './contract-types.js';

/** The messages API: reads, replay of dead messages, case events, and the delegations its list scope reads (ADR 0044). */
export type MessagesServices = ServicesWith<MessageReads & ReplayStore & VorgangEventReads & Pick<DelegationStore, 'delegationOverrides'>>;

function param(req: Request, name: string): string {
  const v = req.params[name];
  if (typeof v !== 'string' || v.length === 0) throw new GatewayError('GW_BAD_REQUEST', `missing path parameter ${name}`);
  return v;
}

function query(req: Request, name: string): string | undefined {
  const v = req.query[name];
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** An integer query parameter within [min, max]; absent → `dflt`; anything else → GW_BAD_REQUEST naming `query.<name>`. */
export function intQuery(req: Request, name: string, dflt: number | undefined, min: number, max: number): number | undefined {
  const raw = query(req, name);
  if (raw === undefined) return dflt;
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw) || n < min || n > max) {
    throw new GatewayError('GW_BAD_REQUEST', `${name} must be an integer from ${min} to ${max}`, { issues: [{ message: `bad ${name} "${raw.slice(0, 40)}"`, path: `query.${name}` }] });
  }
  return n;
}

export function parseFilter(req: Request): MessageFilter {
  const f: MessageFilter = {};
  const state = query(req, 'state');
  if (state !== undefined) {
    if (!isMessageState(state)) throw new GatewayError('GW_BAD_REQUEST', `unknown state "${state}"`, { issues: [{ message: 'unknown state', path: 'query.state' }] });
    f.state = state as MessageState;
  }
  const map: Array<[keyof MessageFilter, string]> = [['endpointId', 'endpoint'], ['vorgangId', 'vorgang'], ['author', 'author'], ['ags', 'ags'], ['messageType', 'type']];
  for (const [key, q] of map) {
    const v = query(req, q);
    if (v !== undefined) (f as Record<string, unknown>)[key] = v;
  }
  if (f.ags !== undefined) f.ags = requireAgs(f.ags, 'query.ags'); // an ARS lists its AGS's messages (ADR 0021)
  f.limit = intQuery(req, 'limit', 100, 1, 1000) ?? 100;
  const before = intQuery(req, 'before', undefined, 1, Number.MAX_SAFE_INTEGER);
  if (before !== undefined) f.beforeSeq = before;
  return f;
}


/** The calling participant's endpoint: payload, form and attachment reads are sealed to its key (outbox/recipient-encryption.ts) when one is configured. */
export function callerEndpoint(res: Response): ReaderEndpoint {
  return principalOf(res)?.participant?.endpoint;
}

/** Message ingress, status, history, payload, replay, Vorgang timeline, attachments. */
export function messagesApi(s: MessagesServices): ApiRoute[] {
  const encryption = new RecipientEncryption(s.recipientKeys);
  const limits = s.cfg.server;
  return [
    // An authenticated participant submits only as itself (and for its services): checked on the header before routing.
    route(
      'POST',
      '/messages',
      { roles: PARTIES, check: 'none' },
      // admission control before the body is read (ADR 0036): 503 when the store or outbox is behind, 429 over the client's share
      admit(s.admission),
      messageIngressHandler(s.pipeline, s.attachments, limits, (_req, res) => {
        const p = principalOf(res);
        return p ? ingressHeaderCheck(s.cfg, p) : undefined;
      }),
    ),

    route('GET', '/messages', { roles: ALL_ROLES, check: 'list' }, async (req, res) => {
      const p = principalOf(res);
      const filter = parseFilter(req);
      const part = p?.participant;
      if (!p || !part || p.role === 'operator' || p.role === 'admin') {
        reply(res, 'listMessages', 200, { items: await s.store.listMessages(filter) });
        return;
      }
      // narrowed in the query; then exactly what GET /messages/{id} would allow (ownsMessage)
      const delegation = await currentDelegations(s.cfg, s.store);
      const items = await s.store.listMessages(scopeMessageFilter(s.cfg, p, filter, delegation));
      reply(res, 'listMessages', 200, { items: items.filter((m) => ownsMessage(s.cfg, part, m, delegation)) });
    }),

    route('GET', '/messages/:id', { roles: ALL_ROLES, check: 'message' }, async (req, res) => {
      const id = param(req, 'id');
      const m = await s.store.getMessage(id);
      if (!m) throw new GatewayError('GW_NOT_FOUND', `no message ${id}`);
      reply(res, 'getMessage', 200, { ...m, history: await s.store.history(id), links: { payload: `/api/v1/messages/${id}/payload`, vorgang: `/api/v1/vorgaenge/${m.vorgangId}` } });
    }),

    // End to end: a caller with a configured encryption key gets the payload as a fresh JWE to that key (ADR 0014).
    route('GET', '/messages/:id/payload', { roles: ALL_ROLES, check: 'payload' }, async (req, res) => {
      const id = param(req, 'id');
      const p = await s.store.getPayload(id);
      if (!p) throw new GatewayError('GW_NOT_FOUND', `no message ${id}`);
      const sealed = await encryption.payload(callerEndpoint(res), p);
      res.type(sealed.contentType).send(sealed.body);
    }),

    route('POST', '/messages/:id/replay', { roles: ADMIN_ONLY, check: 'none' }, async (req, res) => {
      const id = param(req, 'id');
      const m = await s.store.getMessage(id);
      if (!m) throw new GatewayError('GW_NOT_FOUND', `no message ${id}`);
      if (!(await s.store.replay(id, actor(req)))) throw new GatewayError('GW_STATE_CONFLICT', `message ${id} is ${m.state}; only dead messages can be replayed`);
      s.worker.wake();
      reply(res, 'replayMessage', 200, { replayed: [id] });
    }),

    route('POST', '/replay', { roles: ADMIN_ONLY, check: 'none' }, async (req, res) => {
      const endpoint = query(req, 'endpoint');
      const ids = await s.store.replayAllDead(actor(req), endpoint);
      s.worker.wake();
      reply(res, 'replayAll', 200, { replayed: ids });
    }),

    route('GET', '/vorgaenge/:id', { roles: ALL_ROLES, check: 'vorgang' }, async (req, res) => {
      const id = param(req, 'id');
      const messages = await s.store.vorgang(id);
      if (messages.length === 0) throw new GatewayError('GW_NOT_FOUND', `no Vorgang ${id}`);
      const timeline: Schemas['TimelineEntry'][] = [];
      for (const m of messages) {
        for (const t of await s.store.history(m.id)) timeline.push({ ...t, messageType: m.messageType, author: m.author, endpointId: m.endpointId });
      }
      timeline.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.seq - b.seq));
      // Case events the gateway raised itself (ADR 0023): deadline reminders, close as incomplete.
      const events = await s.store.vorgangEvents(id);
      const closed = events.find((e) => e.kind === 'closed');
      reply(res, 'getVorgang', 200, { vorgangId: id, status: closed ? 'closed-incomplete' : 'open', messages, timeline, events });
    }),

    route('POST', '/attachments', { roles: PARTIES, check: 'none' }, admit(s.admission), attachmentUploadHandler(s.attachments, limits)),
    route('GET', '/attachments/:sha512', { roles: PARTIES, check: 'attachment' }, async (req, res) => {
      const sha = param(req, 'sha512').toLowerCase();
      if (!/^[0-9a-f]{128}$/.test(sha) || !(await s.attachments.has(sha))) throw new GatewayError('GW_NOT_FOUND', 'no such attachment');
      // A caller with a configured encryption key gets the attachment end-to-end encrypted to it.
      const reader = callerEndpoint(res);
      if (encryption.keyOf(reader) !== undefined) {
        const size = await s.attachments.size(sha);
        if (size > limits.maxMessageBytes) {
          throw new GatewayError('GW_PAYLOAD_TOO_LARGE', `attachment of ${size} bytes is larger than ${limits.maxMessageBytes}, the limit for end-to-end encryption in one JWE`);
        }
        const chunks: Buffer[] = [];
        for await (const c of s.attachments.open(sha) as AsyncIterable<Buffer>) chunks.push(c);
        const sealed = await encryption.attachment(reader, Buffer.concat(chunks));
        res.type(sealed.contentType).send(sealed.body);
        return;
      }
      res.type('application/octet-stream');
      const stream = s.attachments.open(sha);
      stream.on('error', (err: NodeJS.ErrnoException) => {
        // e.g. removed between has() and open(): answer 404 if nothing was sent yet, else cut the response
        if (res.headersSent) res.destroy(err);
        else res.status(404).type('application/problem+json').send(JSON.stringify(toProblem(new GatewayError('GW_NOT_FOUND', 'no such attachment'), req.originalUrl)));
      });
      stream.pipe(res);
    }),

    route('GET', '/rejections', { roles: OVERSIGHT, check: 'none' }, async (req, res) => {
      reply(res, 'listRejections', 200, { items: await s.store.listRejections(intQuery(req, 'limit', 100, 1, 1000) ?? 100) });
    }),

    route('POST', '/routes/explain', { roles: ADMIN_ONLY, check: 'none' }, async (req, res) => {
      const xml = await readBody(req, limits.maxMessageBytes);
      const { header, warnings } = s.validator.check(xml, (h) => s.router.strictnessFor(h));
      try {
        const d = await s.router.decide(header);
        reply(res, 'explainRoute', 200, { routed: true, header, warnings, decision: d });
      } catch (err) {
        if (err instanceof GatewayError && (err.code === 'GW_ROUTE_NO_MATCH' || err.code === 'GW_VORGANG_UNKNOWN')) {
          const steps = err.extra['explanation'];
          reply(res, 'explainRoute', 200, { routed: false, header, warnings, code: err.code, detail: err.message, steps: Array.isArray(steps) ? steps.map(String) : [] });
          return;
        }
        throw err;
      }
    }),
  ];
}

/** Who did an administrative action: the authenticated participant; in `auth.mode: off` the caller names itself (x-actor) or is `anonymous@<ip>`. */
export function actor(req: Request): string {
  const p = req.res ? principalOf(req.res) : undefined;
  if (p?.participant) return p.label;
  const h = req.headers['x-actor'];
  return typeof h === 'string' && h.length > 0 ? h.slice(0, 200) : `anonymous@${req.ip ?? 'unknown'}`;
}
