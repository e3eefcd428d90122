import type express from 'express';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { principalOf } from '../auth/principal.js';
import { PARTIES, type AuthorizeDeps } from '../auth/policy.js';
import { apiRouter, route } from '../api/route.js';
import { GatewayError } from '../errors.js';
import { readBody } from '../ingress/http.js';
import { unexpectedSummary } from '../ingress/diagnostics.js';
import { XtaAccounts } from './accounts.js';
import { faultOf, XtaFault } from './faults.js';
import { pipelineIngress } from './ingress.js';
import { actionOf, faultActionOf, xtaOperations, type XtaDeps, type XtaOperation, type XtaPort } from './operations.js';
import { EnvelopeError, SOAP12_MEDIA_TYPE, XtaSoap } from './soap.js';
import { readXop, resolveXop } from './mtom.js';
import type { ServicesWith } from '../api/services.js';
import type { DelegationStore, MailboxStore, MessageReads, XtaFetchStore } from '../store/contracts.js';

/** The XTA 2 message boxes: mailbox items, their XTA fetches, the stored message of an item and the runtime delegations (ADR 0044). */
export type XtaServices = ServicesWith<MailboxStore & XtaFetchStore & Pick<MessageReads, 'getMessage'> & Pick<DelegationStore, 'delegationOverrides'>>;

/** The three ports the gateway offers, below `xta.basePath` (the WSDL's service XTACore). */
export const XTA_PORTS: readonly XtaPort[] = ['transport-base', 'sender', 'recipient'];

/** The XTA service as server.ts builds it once (`buildXta`) and createApp mounts it (`mountXta`). */
export interface XtaRuntime {
  soap: XtaSoap;
  deps: XtaDeps;
}

/** Builds the XTA runtime when `xta.enabled`: loads the WSDL, the accounts and the operations' dependencies. */
export async function buildXta(s: XtaServices): Promise<XtaRuntime | undefined> {
  if (!s.cfg.xta.enabled) return undefined;
  const soap = await XtaSoap.load();
  const deps: XtaDeps = {
    cfg: s.cfg,
    accounts: new XtaAccounts(s.cfg),
    mailboxes: s.store,
    messages: s.store,
    attachments: s.attachments,
    ingress: pipelineIngress(s.pipeline),
    admission: s.admission,
    fetches: s.store,
    recipientKeys: s.recipientKeys,
    onDelivered: s.monitoring ? (m) => s.monitoring!.metrics.deliveredFacts(m) : undefined,
    log: s.log.child({ component: 'xta' }),
  };
  return { soap, deps };
}

/** Largest SOAP request: the message and its attachments base64-encoded (4/3), plus room for the envelope. */
function requestLimit(deps: XtaDeps): number {
  const { maxMessageBytes, maxAttachmentBytes } = deps.cfg.server;
  return Math.ceil((maxMessageBytes + maxAttachmentBytes) * 1.37) + 256 * 1024;
}

/** `action="…"` of a SOAP 1.2 Content-Type (RFC 3902), if any. */
function contentTypeAction(req: Request): string | undefined {
  const m = /;\s*action\s*=\s*"?([^";]+)"?/i.exec(req.headers['content-type'] ?? '');
  return m?.[1]?.trim();
}

function send(res: Response, status: number, xml: string): void {
  res.status(status).type(`${SOAP12_MEDIA_TYPE}; charset=utf-8`).send(xml);
}

/**
 * The SOAP handler of one port: reads the body (bounded), checks the envelope, runs the operation
 * named by the action and answers with an envelope — the operation's answer, an XTA exception as a
 * fault, or an envelope fault (size, DOCTYPE, not well-formed, SOAP version, no action). Never throws.
 */
function portHandler(x: XtaRuntime, port: XtaPort, ops: ReadonlyMap<string, XtaOperation>, log: Logger): RequestHandler {
  const limit = requestLimit(x.deps);
  return async (req, res) => {
    let op: XtaOperation | undefined;
    let relatesTo: string | undefined;
    try {
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type === 'text/xml') throw new EnvelopeError('VersionMismatch', 400, 'SOAP 1.1 (text/xml) is not supported: XTA 2 binds SOAP 1.2 (application/soap+xml)');
      const mtom = type === 'multipart/related';
      if (!mtom && type !== SOAP12_MEDIA_TYPE) throw new EnvelopeError('Sender', 415, `send ${SOAP12_MEDIA_TYPE} (SOAP 1.2), or MTOM (multipart/related)`);
      let raw: Buffer;
      try {
        raw = await readBody(req, limit);
      } catch (err) {
        throw err instanceof GatewayError && err.code === 'GW_PAYLOAD_TOO_LARGE' ? new EnvelopeError('Sender', 413, `the request exceeds the size limit of ${limit} bytes`) : err;
      }
      // MTOM (the WSDL's OptimizedMimeSerialization): the envelope is the root part, binary content comes as parts named by xop:Include
      const xop = mtom ? await readXop(raw, req.headers['content-type'] ?? '') : undefined;
      const parsed = x.soap.parse(xop ? xop.envelope : raw, contentTypeAction(req));
      const call = xop ? { ...parsed, body: resolveXop(parsed.body, xop.parts) } : parsed;
      relatesTo = call.messageId;
      op = ops.get(`${port} ${call.action}`);
      if (!op) throw new XtaFault('NotImplementedException', `the port ${port} offers no operation with action ${call.action}`);
      const answer = await op.run({ principal: principalOf(res), header: call.header, body: call.body });
      const headers = answer.headers.map(([name, value]) => x.soap.element(name, value));
      send(res, 200, x.soap.envelope(actionOf(op, 'Response'), relatesTo, headers, answer.body ? x.soap.element(answer.body[0], answer.body[1]) : ''));
    } catch (err) {
      if (err instanceof EnvelopeError) return send(res, err.status, x.soap.envelopeFault(err));
      const f = faultOf(err);
      if (f.retryAfterSeconds !== undefined) {
        // busy (admission control): not an error of the gateway; the fault says when to send again, Retry-After too
        log.info({ exception: f.exception, code: f.code, port, operation: op?.name }, 'xta: busy, call refused');
        res.setHeader('Retry-After', String(f.retryAfterSeconds));
      } else if (f.exception === 'TechnicalProblemException') log.error({ err: unexpectedSummary(err), port, operation: op?.name }, 'xta: operation failed');
      else log.info({ exception: f.exception, code: f.code, port, operation: op?.name }, 'xta: operation refused');
      const portType = op?.portType ?? `core.${port.replace('-', '.')}`;
      send(res, f.sender ? 400 : 500, x.soap.xtaFault(f, faultActionOf(portType, f.exception), relatesTo));
    }
  };
}

/**
 * Mounts the XTA 2 web service at `xta.basePath` (ADR 0040, docs/xta.md):
 * - `GET <basePath>?wsdl`: the WSDL with the ports' real addresses — public, like the API contract;
 * - `POST <basePath>/<port>`: SOAP 1.2 requests, authenticated and audited like /api/v1, each a
 *   route with its policy (ADR 0014: the parties; the account binding is XtaAccounts.resolve).
 */
export function mountXta(app: express.Express, x: XtaRuntime, authenticate: RequestHandler, audit: RequestHandler[], authz: AuthorizeDeps, log: Logger): void {
  const base = x.deps.cfg.xta.basePath;
  const ops = new Map<string, XtaOperation>(xtaOperations(x.deps).map((op) => [`${op.port} ${actionOf(op)}`, op]));
  app.get(base, (req, res, next) => {
    if (!Object.keys(req.query).some((k) => k.toLowerCase() === 'wsdl')) return next();
    res.type('application/xml').send(x.soap.wsdlFor(`${req.protocol}://${req.get('host') ?? 'localhost'}${base}`));
  });
  const routes = XTA_PORTS.map((port) => route('POST', `/${port}`, { roles: PARTIES, check: 'none' }, portHandler(x, port, ops, log)));
  app.use(base, ...audit, authenticate, apiRouter(routes, authz));
}
