import type { Request, RequestHandler, Response } from 'express';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { ParticipantConfig } from '../config/schema.js';
import { GatewayError, toProblem } from '../errors.js';
import type { RevocationCheck } from './crl.js';
import { identifyClient, requireClientCertificate } from './tls.js';
import type { TokenService } from './tokens.js';

/** Roles are the participant kinds (ADR 0012): what a participant is decides what it may do. */
export type Role = ParticipantConfig['kind'];

/** Who is calling, as every authorization decision sees it. */
export interface Principal {
  role: Role;
  /** The configured participant; null only for the local admin of `auth.mode: off`. */
  participant: ParticipantConfig | null;
  via: 'mtls' | 'token' | 'local';
  /** A token whose scope grants only `<role>:read`: safe methods only. */
  readOnly: boolean;
  /** For logs and the recorded actor of changes: `participant:<id>` or `anonymous@<ip>`. */
  label: string;
}

export function principalOf(res: Response): Principal | undefined {
  return res.locals['principal'] as Principal | undefined;
}

export interface AuthenticateOptions {
  mode: 'off' | 'required';
  participants: readonly ParticipantConfig[];
  tokens: TokenService;
  log: Pick<Logger, 'warn'>;
  /** server.tls with clientAuth required: client certificates are asked for (and, in mode off, demanded as before). */
  mtls: boolean;
  crl?: RevocationCheck;
}

function refuse(req: Request, res: Response, log: Pick<Logger, 'warn'>, reason: string, detail: string): void {
  log.warn({ reason, detail, remote: req.socket.remoteAddress, method: req.method, path: req.path }, `request refused: ${reason}: ${detail}`);
  const problem = toProblem(new GatewayError('GW_UNAUTHENTICATED', detail, { extra: { reason } }), req.originalUrl);
  res.setHeader('Connection', 'close');
  res.setHeader('WWW-Authenticate', `Bearer error="invalid_token", error_description="${reason}"`);
  res.status(401).type('application/problem+json').send(JSON.stringify(problem));
}

const participantPrincipal = (p: ParticipantConfig, via: 'mtls' | 'token', readOnly: boolean): Principal => ({ role: p.kind, participant: p, via, readOnly, label: `participant:${p.id}` });

/**
 * Builds the middleware that runs before every /api/v1 handler and leaves a Principal in
 * `res.locals.principal`. Mode `off`: every caller is the local admin (`anonymous@<ip>`),
 * after the client-certificate check when mTLS is configured (unchanged behaviour). Mode
 * `required`: a Bearer token (checked by TokenService, its scope must name the
 * participant's role) or else a client certificate (identifyClient); anything else is
 * 401 GW_UNAUTHENTICATED with a `reason`, never reading the body.
 */
export function buildAuthenticate(o: AuthenticateOptions): RequestHandler {
  if (o.mode === 'off') {
    const local: RequestHandler = (req, res, next) => {
      res.locals['principal'] = { role: 'admin', participant: null, via: 'local', readOnly: false, label: `anonymous@${req.ip ?? 'unknown'}` } satisfies Principal;
      next();
    };
    if (!o.mtls) return local;
    const cert = requireClientCertificate(o.participants, o.log, o.crl ? { crl: o.crl } : {});
    return (req, res, next) => cert(req, res, () => local(req, res, next));
  }
  return (req, res, next) => {
    const authz = req.headers.authorization;
    if (authz !== undefined) {
      const m = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(authz.trim());
      if (!m) return refuse(req, res, o.log, 'unsupported-scheme', 'Authorization must be "Bearer <access token>" (get one at POST /token)');
      o.tokens.verify(m[1]!).then(
        (v) => {
          if (!v.ok) return refuse(req, res, o.log, v.reason, v.detail);
          const role = v.participant.kind;
          if (!v.scopes.includes(role) && !v.scopes.includes(`${role}:read`)) return refuse(req, res, o.log, 'token-scope', `the token's scope grants no access for role ${role}`);
          res.locals['principal'] = participantPrincipal(v.participant, 'token', !v.scopes.includes(role));
          res.locals['participant'] = v.participant;
          next();
        },
        (err: unknown) => next(err),
      );
      return;
    }
    if (!req.socket || !(req.socket as TLSSocket).encrypted) return refuse(req, res, o.log, 'no-credentials', 'send a Bearer token (POST /token) or connect with a client certificate');
    const id = identifyClient(req.socket as TLSSocket, o.participants, o.crl);
    if (!id.ok) return refuse(req, res, o.log, id.reason, `client certificate refused (${id.reason}): ${id.detail}`);
    res.locals['principal'] = participantPrincipal(id.participant, 'mtls', false);
    res.locals['participant'] = id.participant;
    next();
  };
}
