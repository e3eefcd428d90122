import { Router as ExpressRouter, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { JWK } from 'jose';
import type { GatewayConfig } from '../config/schema.js';
import { publicJwks } from '../crypto/jwk.js';
import type { SigningKey } from '../crypto/signing-key.js';
import { GatewayError, type Issue } from '../errors.js';
import { canonicalJson } from './client/canonical-json.js';
import type { DestinationParameters } from './client/verify-route.js';
import { signDestination, signDestinationParameters } from './destination-signature.js';
import { windowLimit, type WindowLimitOptions } from './rate-limit.js';
import { RoutingIndex, type IndexedDestination, type PlaceQuery } from './routing-index.js';

/**
 * The FIT-Connect-compatible Routing API (docs/fit-connect.md, ADR 0028), mounted
 * at `<fitConnect.basePath>/routing`:
 *
 *   GET /v1/routes?leikaKey=&(ags|ars|areaId)=[&offset&limit]   responsible destinations, signed
 *   GET /v1/areas?areaSearchexpression=…[&offset&limit]          areas the configuration knows
 *   GET /v1/info                                                 version of the API layout
 *   GET /.well-known/jwks.json                                   the routing signing key (public)
 *
 * Like FIT-Connect's routing service these routes are public (no login): they reveal only
 * what the configuration publishes anyway. Each is declared below with that access and
 * the per-address rate limit (rate-limit.ts) in front; nothing else is served here.
 */

/** The technical parameters of a destination that the submission side knows: its encryption key(s). */
export interface DestinationTechnical {
  encryptionKid: string;
  publicKeys: { keys: JWK[] };
  metadataVersions?: string[];
  replyChannels?: Record<string, unknown>;
}

/** Where the routing API gets a destination's encryption keys; undefined: the route carries no `destinationParameters`. */
export type DestinationTechnicalSource = (destinationId: string) => Promise<DestinationTechnical | undefined>;

export interface RoutingDeps {
  cfg: GatewayConfig;
  /** The routing signing key (`crypto.routingSigningKeyFile`). */
  signingKey: SigningKey;
  /** The gateway's public base URL without trailing slash, e.g. `https://gateway.zsa.example`. */
  publicBaseUrl: () => string;
  technical: DestinationTechnicalSource;
  limit?: WindowLimitOptions;
}

/** The layout of results we serve: Routing API 1.2 (with `destinationParameters`), which 2.x clients read too. */
export const ROUTING_API_VERSION = { major: 1, minor: 2, patch: 0 } as const;

/** Default public limit: 600 requests per minute and address. */
export const ROUTING_RATE_LIMIT: WindowLimitOptions = { limit: 600, windowMs: 60_000, maxKeys: 100_000 };

/** A route of this router: declared public, with the rate limit, never without both. */
interface PublicRoute {
  method: 'GET';
  path: string;
  access: 'public';
  limited: true;
  handler: RequestHandler;
}

const publicGet = (path: string, handler: RequestHandler): PublicRoute => ({ method: 'GET', path, access: 'public', limited: true, handler });

/** The issuer (`iss`) of routing signatures, whose `/.well-known/jwks.json` holds the key. */
export function routingIssuer(cfg: GatewayConfig, publicBaseUrl: string): string {
  return `${publicBaseUrl}${cfg.fitConnect.basePath}/routing`;
}

/** The URL of the FIT-Connect-compatible submission API (`submissionUrl`). */
export function submissionUrlOf(cfg: GatewayConfig, publicBaseUrl: string): string {
  return `${publicBaseUrl}${cfg.fitConnect.basePath}`;
}

const LEIKA_KEY = /^99\d{12}$/;
const AGS_QUERY = /^(\d{2}|\d{3}|\d{5}|\d{8})$/;
const ARS_QUERY = /^(\d{2}|\d{3}|\d{5}|\d{9}|\d{12})$/;
const AREA_ID = /^\d{1,12}$/;
const SEARCH = /^(\*?([^*]{2,})\*?)*$/;

function bad(issues: Issue[]): GatewayError {
  return new GatewayError('GW_BAD_REQUEST', issues.map((i) => `${i.path}: ${i.message}`).join('; '), { issues });
}

/** One query parameter as a single string; repeated or nested values are a finding. */
function single(req: Request, name: string, issues: Issue[]): string | undefined {
  const v = (req.query as Record<string, unknown>)[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') {
    issues.push({ message: 'must be given once', path: `query.${name}` });
    return undefined;
  }
  return v;
}

function paging(req: Request, issues: Issue[]): { offset: number; limit: number } {
  const num = (name: string, min: number, max: number, dflt: number) => {
    const v = single(req, name, issues);
    if (v === undefined) return dflt;
    if (!/^\d{1,9}$/.test(v) || Number(v) < min || Number(v) > max) {
      issues.push({ message: `must be an integer from ${min} to ${max}`, path: `query.${name}` });
      return dflt;
    }
    return Number(v);
  };
  return { offset: num('offset', 0, 1_000_000_000, 0), limit: num('limit', 1, 500, 100) };
}

function onlyKnown(req: Request, known: readonly string[], issues: Issue[]): void {
  for (const k of Object.keys(req.query as object)) if (!known.includes(k)) issues.push({ message: 'unknown query parameter', path: `query.${k.slice(0, 40)}` });
}

/** Builds the router; signatures are made once per destination (and parameters), not per request. */
export function routingApi(deps: RoutingDeps): ExpressRouter {
  const index = new RoutingIndex(deps.cfg);
  const names = new Map(deps.cfg.participants.map((p) => [p.id, p.name]));
  const signed = new Map<string, Promise<string>>();
  const memo = (key: string, make: () => Promise<string>): Promise<string> => {
    let p = signed.get(key);
    if (p === undefined) {
      if (signed.size > 1000) signed.clear();
      p = make();
      p.catch(() => signed.delete(key));
      signed.set(key, p);
    }
    return p;
  };

  const routeOf = async (d: IndexedDestination, schema: { uri: string; mimeType: string }) => {
    const base = deps.publicBaseUrl();
    const jwk = await deps.signingKey.get();
    const submissionUrl = submissionUrlOf(deps.cfg, base);
    const destinationSignature = await memo(`dest|${d.config.id}|${base}|${jwk.kid}`, () =>
      signDestination(
        { destinationId: d.config.id, submissionHost: new URL(submissionUrl).host, issuer: routingIssuer(deps.cfg, base), gebietIDs: d.gebietIDs, leikaKeys: d.config.services.map((s) => s.leika) },
        jwk,
      ),
    );
    const out: Record<string, unknown> = { destinationId: d.config.id, destinationSignature, destinationName: names.get(d.config.participant) ?? d.config.participant };
    const tech = await deps.technical(d.config.id);
    if (tech) {
      const params: DestinationParameters = {
        encryptionKid: tech.encryptionKid,
        ...(tech.metadataVersions ? { metadataVersions: tech.metadataVersions } : {}),
        publicKeys: { keys: tech.publicKeys.keys.map((k) => ({ ...k })) },
        ...(tech.replyChannels ? { replyChannels: tech.replyChannels } : {}),
        status: 'active',
        submissionSchemas: [{ schemaUri: schema.uri, mimeType: schema.mimeType }],
        submissionUrl,
      };
      out.destinationParameters = params;
      out.destinationParametersSignature = await memo(`params|${jwk.kid}|${canonicalJson(params)}`, () => signDestinationParameters(params, jwk));
    }
    return out;
  };

  const routes: PublicRoute[] = [
    publicGet('/v1/routes', async (req, res) => {
      const issues: Issue[] = [];
      onlyKnown(req, ['leikaKey', 'ags', 'ars', 'areaId', 'offset', 'limit'], issues);
      const leikaKey = single(req, 'leikaKey', issues);
      if (leikaKey === undefined) issues.push({ message: 'is required', path: 'query.leikaKey' });
      else if (!LEIKA_KEY.test(leikaKey)) issues.push({ message: 'must be a Leistungsschlüssel: 14 digits starting with 99', path: 'query.leikaKey' });
      const ags = single(req, 'ags', issues);
      const ars = single(req, 'ars', issues);
      const areaId = single(req, 'areaId', issues);
      const given = [ags, ars, areaId].filter((x) => x !== undefined).length;
      if (given !== 1) issues.push({ message: 'exactly one of ags, ars and areaId is required', path: 'query' });
      if (ags !== undefined && !AGS_QUERY.test(ags)) issues.push({ message: 'must be an AGS of 2, 3, 5 or 8 digits', path: 'query.ags' });
      if (ars !== undefined && !ARS_QUERY.test(ars)) issues.push({ message: 'must be an ARS of 2, 3, 5, 9 or 12 digits', path: 'query.ars' });
      if (areaId !== undefined && !AREA_ID.test(areaId)) issues.push({ message: 'must be an area id from /v1/areas (digits)', path: 'query.areaId' });
      const page = paging(req, issues);
      if (issues.length > 0) throw bad(issues);
      const place: PlaceQuery = ags !== undefined ? { ags } : ars !== undefined ? { ars } : { areaId: areaId! };
      const found = index.find(leikaKey!, place);
      const slice = found.slice(page.offset, page.offset + page.limit);
      const list = await Promise.all(slice.map((f) => routeOf(f.destination, f.service.submissionSchema)));
      res.json({ count: list.length, offset: page.offset, totalCount: found.length, routes: list });
    }),
    publicGet('/v1/areas', (req, res) => {
      const issues: Issue[] = [];
      onlyKnown(req, ['areaSearchexpression', 'offset', 'limit'], issues);
      const raw = (req.query as Record<string, unknown>)['areaSearchexpression'];
      const exprs = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
      if (exprs.length < 1 || exprs.length > 10) issues.push({ message: 'give 1 to 10 search expressions', path: 'query.areaSearchexpression' });
      exprs.forEach((e, i) => {
        if (typeof e !== 'string' || e.length > 100 || !SEARCH.test(e)) issues.push({ message: 'a search expression is at least 2 characters besides the wildcard *, at most 100', path: `query.areaSearchexpression.${i}` });
      });
      const page = paging(req, issues);
      if (issues.length > 0) throw bad(issues);
      const found = index.search(exprs as string[]);
      const areas = found.slice(page.offset, page.offset + page.limit);
      res.json({ count: areas.length, offset: page.offset, totalCount: found.length, areas });
    }),
    publicGet('/v1/info', (_req, res) => {
      res.json({ version: ROUTING_API_VERSION });
    }),
    publicGet('/.well-known/jwks.json', async (_req, res) => {
      res.type('application/jwk-set+json').send(JSON.stringify(publicJwks([await deps.signingKey.get()])));
    }),
  ];
  return publicRouter(routes, windowLimit(deps.limit ?? ROUTING_RATE_LIMIT));
}

/**
 * Registers the declared public routes, each behind the limiter; another method on a served
 * path is 405, an unknown path below the mount point 404 (never passed on to other routers).
 */
function publicRouter(routes: readonly PublicRoute[], limiter: RequestHandler): ExpressRouter {
  const r = ExpressRouter({ caseSensitive: true, strict: true });
  for (const x of routes) {
    if (x.access !== 'public' || !x.limited) throw new Error(`route ${x.method} ${x.path}: a public route must be declared public and rate-limited`);
    r.route(x.path)
      .get(limiter, x.handler)
      .all((req: Request, res: Response, next: NextFunction) => {
        res.setHeader('Allow', 'GET, HEAD');
        next(new GatewayError('GW_METHOD_NOT_ALLOWED', `${req.method} is not served on ${x.path}; allowed: GET, HEAD`, { extra: { allow: 'GET, HEAD' } }));
      });
  }
  r.use((req: Request) => {
    throw new GatewayError('GW_NOT_FOUND', `no such resource: ${req.method} ${req.baseUrl}${req.path}`);
  });
  return r;
}
