import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import { principalOf } from '../auth/principal.js';
import { XtaAccounts } from './accounts.js';
import { faultOf, XtaFault } from './faults.js';
import { pipelineIngress } from './ingress.js';
import { FetchLeases } from './leases.js';
import { actionOf, faultActionOf, xtaOperations, type XtaDeps, type XtaOperation, type XtaPort } from './operations.js';
import { EnvelopeError, SOAP12_MEDIA_TYPE, XtaSoap } from './soap.js';
import type { GatewayServices } from '../api/services.js';

/** The three ports the gateway offers, below `xta.basePath` (the WSDL's service XTACore). */
export const XTA_PORTS: readonly XtaPort[] = ['transport-base', 'sender', 'recipient'];

/** The XTA service as server.ts builds it once (`buildXta`) and createApp mounts it (`mountXta`). */
export interface XtaRuntime {
  soap: XtaSoap;
  deps: XtaDeps;
}

/** Builds the XTA runtime when `xta.enabled`: loads the WSDL, the accounts and the operations' dependencies. */
export async function buildXta(s: GatewayServices): Promise<XtaRuntime | undefined> {
  if (!s.cfg.xta.enabled) return undefined;
  const soap = await XtaSoap.load();
  const deps: XtaDeps = {
    cfg: s.cfg,
    accounts: new XtaAccounts(s.cfg),
    mailboxes: s.store,
    attachments: s.attachments,
    ingress: pipelineIngress(s.pipeline),
    leases: new FetchLeases(),
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
 * Mounts the XTA 2 web service at `xta.basePath` (ADR 0040, docs/xta.md):
 * - `GET <basePath>?wsdl` (also at each port's path): the WSDL with the ports' real addresses — public, like the API contract;
 * - `POST <basePath>/<port>`: SOAP 1.2 requests, authenticated like /api/v1 (mTLS or token) and audited.
 * Every answer to a POST is a SOAP 1.2 envelope: the operation's answer, an XTA exception as a
 * fault, or an envelope fault (size, DOCTYPE, not well-formed, SOAP version, no action) — never a crash.
 */
export function mountXta(app: express.Express, x: XtaRuntime, authenticate: RequestHandler, audit: RequestHandler[], log: Logger): void {
  const base = x.deps.cfg.xta.basePath;
  const ops = new Map<string, XtaOperation>(xtaOperations(x.deps).map((op) => [`${op.port} ${actionOf(op)}`, op]));
  const router = Router({ caseSensitive: true, strict: true });
  const baseUrl = (req: Request) => `${req.protocol}://${req.get('host') ?? 'localhost'}${base}`;

  const wsdl: RequestHandler = (req, res, next) => {
    if (!Object.keys(req.query).some((k) => k.toLowerCase() === 'wsdl')) return next();
    res.type('application/xml').send(x.soap.wsdlFor(baseUrl(req)));
  };
  router.get('/', wsdl);

  const body = express.raw({ type: () => true, limit: requestLimit(x.deps) });
  for (const port of XTA_PORTS) {
    router.get(`/${port}`, wsdl);
    router.post(`/${port}`, ...audit, authenticate, body, async (req, res) => {
      let op: XtaOperation | undefined;
      let relatesTo: string | undefined;
      try {
        const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
        if (type === 'text/xml') throw new EnvelopeError('VersionMismatch', 400, 'SOAP 1.1 (text/xml) is not supported: XTA 2 binds SOAP 1.2 (application/soap+xml)');
        if (type === 'multipart/related') throw new XtaFault('ParameterNotSupportedException', 'MTOM/XOP requests are not supported: send the content inline (base64)');
        if (type !== SOAP12_MEDIA_TYPE) throw new EnvelopeError('Sender', 415, `send ${SOAP12_MEDIA_TYPE} (SOAP 1.2)`);
        const call = x.soap.parse(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), contentTypeAction(req));
        relatesTo = call.messageId;
        op = ops.get(`${port} ${call.action}`);
        if (!op) throw new XtaFault('NotImplementedException', `the port ${port} offers no operation with action ${call.action}`);
        const answer = await op.run({ principal: principalOf(res), header: call.header, body: call.body });
        const headers = answer.headers.map(([name, value]) => x.soap.element(name, value));
        send(res, 200, x.soap.envelope(actionOf(op, 'Response'), relatesTo, headers, answer.body ? x.soap.element(answer.body[0], answer.body[1]) : ''));
      } catch (err) {
        if (err instanceof EnvelopeError) return send(res, err.status, x.soap.envelopeFault(err));
        const f = faultOf(err);
        if (f.exception === 'TechnicalProblemException') log.error({ err: err instanceof Error ? err.message : String(err), port, operation: op?.name }, 'xta: operation failed');
        else log.info({ exception: f.exception, code: f.code, port, operation: op?.name }, 'xta: operation refused');
        const portType = op?.portType ?? `core.${port.replace('-', '.')}`;
        send(res, f.sender ? 400 : 500, x.soap.xtaFault(f, faultActionOf(portType, f.exception), relatesTo));
      }
    });
  }
  // Errors before the handler (body too large, aborted upload) are answered as SOAP faults too.
  router.use((err: unknown, _req: Request, res: Response, next: (e?: unknown) => void) => {
    if (res.headersSent) return next(err);
    const status = (err as { status?: number; type?: string }).status;
    const tooLarge = (err as { type?: string }).type === 'entity.too.large';
    if (status === undefined || status >= 500) return next(err);
    send(res, tooLarge ? 413 : status, x.soap.envelopeFault(new EnvelopeError('Sender', tooLarge ? 413 : status, tooLarge ? 'the request exceeds the size limit' : 'the request body cannot be read')));
  });
  app.use(base, router);
}
