import express, { json, Router as ExpressRouter, type Request, type RequestHandler, type Response } from 'express';
import type { AuthorizeDeps } from '../auth/policy.js';
import { PARTIES } from '../auth/policy.js';
import { principalOf } from '../auth/principal.js';
import { apiRouter, route, type ApiRoute } from '../api/route.js';
import { problemHandler } from '../api/problem.js';
import { GatewayError } from '../errors.js';
import { fitProblemType } from './problems.js';
import { admit } from '../ingress/admission.js';
import type { FitConnectService } from './service.js';
import type { FitConnectDeps } from './types.js';

const SENDERS = ['efa-service'] as const;
const SUBSCRIBERS = ['municipality', 'fachverfahren', 'zsa'] as const;

const who = (res: Response) => principalOf(res)?.participant ?? null;
const param = (req: Request, name: string) => String(req.params[name]);

function page(req: Request): { limit: number; offset: number } {
  const n = (name: string, dflt: number, max: number) => {
    const v = req.query[name];
    if (v === undefined) return dflt;
    const x = Number(v);
    if (typeof v !== 'string' || !Number.isInteger(x) || x < 0 || x > max) throw new GatewayError('GW_BAD_REQUEST', `${name} must be an integer from 0 to ${max}`, { issues: [{ message: 'out of range', path: `query.${name}` }] });
    return x;
  };
  return { limit: Math.max(1, n('limit', 100, 500)), offset: n('offset', 0, 1_000_000) };
}

/** 415 unless the body is one of `types` (FIT-Connect: "wrong content type sent"). */
function mediaType(types: readonly string[]): RequestHandler {
  return (req, _res, next) => {
    const ct = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    next(types.includes(ct) ? undefined : new GatewayError('GW_UNSUPPORTED_MEDIA_TYPE', `send ${types.join(' or ')}`));
  };
}

/** A raw text body of one of `types`, else 415. */
function textBody(types: readonly string[], limit: number): [RequestHandler, RequestHandler] {
  return [mediaType(types), express.text({ type: () => true, limit })];
}

const JSON_PATCH_TYPES = ['application/json', 'application/merge-patch+json'];

/**
 * The FIT-Connect-compatible routes (FIT-Connect Submission API v1 paths, ADR 0027), each
 * declared with its policy like every /api/v1 route (ADR 0014): the roles, and the remit check
 * on the path's submission or case (`fit-sender`, `fit-subscriber`, `fit-case`: gateway/auth/
 * policy.ts, decided by FitConnectService). The list of a destination's submissions narrows
 * by subscriber in the handler (`list`), the destination being a query parameter.
 */
export function fitConnectRoutes(svc: FitConnectService, d: FitConnectDeps): ApiRoute[] {
  const limits = d.cfg.server;
  // the writes pass admission control before their bodies are read (ADR 0036)
  const admitted = admit(d.admission);
  return [
    route('GET', '/v1/destinations/:destinationId', { roles: PARTIES, check: 'none' }, async (req, res) => {
      res.json(await svc.destination(param(req, 'destinationId')));
    }),
    // the destination's own subscriber sets or rotates its callback (ADR 0041); only that destination's participant
    route('PATCH', '/v1/destinations/:destinationId', { roles: SUBSCRIBERS, check: 'fit-destination' }, mediaType(JSON_PATCH_TYPES), json({ limit: '8kb', type: JSON_PATCH_TYPES }), async (req, res) => {
      res.json(await svc.setCallback(who(res), param(req, 'destinationId'), (req.body ?? {}) as Record<string, unknown>));
    }),
    route('GET', '/v1/destinations/:destinationId/keys/:keyId', { roles: PARTIES, check: 'none' }, async (req, res) => {
      res.type('application/jwk+json').send(JSON.stringify(await svc.key(param(req, 'destinationId'), param(req, 'keyId'))));
    }),
    route('POST', '/v1/submissions', { roles: SENDERS, check: 'none' }, admitted, json({ limit: '64kb' }), async (req, res) => {
      res.status(201).json(await svc.create(who(res), (req.body ?? {}) as Record<string, unknown>));
    }),
    route('PUT', '/v1/submissions/:submissionId/attachments/:attachmentId', { roles: SENDERS, check: 'fit-sender' }, admitted, ...textBody(['application/jose'], Math.ceil(limits.maxAttachmentBytes * 1.4) + 4096), async (req, res) => {
      await svc.upload(who(res), param(req, 'submissionId'), param(req, 'attachmentId'), String(req.body ?? ''));
      res.status(204).end();
    }),
    route('PUT', '/v1/submissions/:submissionId', { roles: SENDERS, check: 'fit-sender' }, admitted, json({ limit: Math.ceil(limits.maxMessageBytes * 2.8) + 65_536 }), async (req, res) => {
      res.status(202).json(await svc.submit(who(res), param(req, 'submissionId'), (req.body ?? {}) as Record<string, unknown>));
    }),
    route('GET', '/v1/submissions', { roles: SUBSCRIBERS, check: 'list' }, async (req, res) => {
      const destinationId = req.query['destinationId'];
      if (typeof destinationId !== 'string') throw new GatewayError('GW_BAD_REQUEST', 'destinationId is required', { issues: [{ message: 'missing', path: 'query.destinationId' }] });
      const { limit, offset } = page(req);
      res.json(await svc.list(who(res), destinationId, limit, offset));
    }),
    route('GET', '/v1/submissions/:submissionId', { roles: SUBSCRIBERS, check: 'fit-subscriber' }, async (req, res) => {
      res.json(await svc.fetch(who(res), param(req, 'submissionId')));
    }),
    route('GET', '/v1/submissions/:submissionId/attachments/:attachmentId', { roles: SUBSCRIBERS, check: 'fit-subscriber' }, async (req, res) => {
      res.type('application/jose').send(await svc.fetchAttachment(who(res), param(req, 'submissionId'), param(req, 'attachmentId')));
    }),
    route('GET', '/v1/cases/:caseId/events', { roles: PARTIES, check: 'fit-case' }, async (req, res) => {
      const { limit, offset } = page(req);
      const log = await svc.events(who(res), param(req, 'caseId'), limit, offset);
      res.json({ eventLog: log.eventLog, count: log.eventLog.length, offset, totalCount: log.totalCount });
    }),
    // the reply channel (ADR 0033): the sender lists, fetches and acknowledges the replies on its own case
    route('GET', '/v1/cases/:caseId/replies', { roles: SENDERS, check: 'fit-case' }, async (req, res) => {
      // paged like the submission list (FIT-Connect's offset/limit/totalCount); a case has few replies, so the page is cut from the whole list
      const { limit, offset } = page(req);
      const replies = await svc.replies.list(who(res), param(req, 'caseId'));
      const shown = replies.slice(offset, offset + limit);
      res.json({ count: shown.length, offset, totalCount: replies.length, replies: shown });
    }),
    route('GET', '/v1/replies/:replyId', { roles: SENDERS, check: 'fit-reply' }, async (req, res) => {
      res.json(await svc.replies.fetch(who(res), param(req, 'replyId')));
    }),
    route('GET', '/v1/replies/:replyId/attachments/:attachmentId', { roles: SENDERS, check: 'fit-reply' }, async (req, res) => {
      res.type('application/jose').send(await svc.replies.fetchAttachment(who(res), param(req, 'replyId'), param(req, 'attachmentId')));
    }),
    route('POST', '/v1/replies/:replyId/accept', { roles: SENDERS, check: 'fit-reply' }, async (req, res) => {
      await svc.replies.accept(who(res), param(req, 'replyId'));
      res.status(204).end();
    }),
    route('POST', '/v1/cases/:caseId/events', { roles: SUBSCRIBERS, check: 'fit-case' }, ...textBody(['application/jose', 'application/jwt', 'application/secevent+jwt'], 65_536), async (req, res) => {
      await svc.postEvent(who(res), param(req, 'caseId'), String(req.body ?? ''));
      res.status(204).end();
    }),
  ];
}

/**
 * The router mounted at `fitConnect.basePath`: the gateway's JWKS at
 * `<base>/.well-known/jwks.json` (where SDKs look for the Zustelldienst's keys), then
 * authentication and the routes; errors are problem+json with FIT-Connect's problem types.
 */
export function fitConnectRouter(svc: FitConnectService, d: FitConnectDeps, authenticate: RequestHandler, authz: AuthorizeDeps, wellKnown: RequestHandler | undefined): ExpressRouter {
  const r = ExpressRouter({ caseSensitive: true, strict: true });
  if (wellKnown) r.use(wellKnown);
  r.use(authenticate, apiRouter(fitConnectRoutes(svc, d), authz));
  r.use(problemHandler(d.log, fitProblemType));
  return r;
}
