import { Router as ExpressRouter, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { routeGuard, type ApiMethod, type AuthorizeDeps, type OwnershipCheck, type RoutePolicy } from '../auth/policy.js';
import { GatewayError } from '../errors.js';
import { notFound } from './problem.js';

/**
 * The /api/v1 routes are declared as data: method, path, policy and handlers in one value
 * (ADR 0014). The feature files (messages.ts, mailboxes.ts, admin.ts, receipts.ts) return
 * lists of ApiRoute and never see an Express router, so a handler cannot be served without
 * a policy; `apiRouter` is the one place that registers them.
 */
export interface ApiRoute {
  method: ApiMethod;
  /** Express path below /api/v1: lower-case literal segments and `:name` parameters. */
  path: string;
  policy: RoutePolicy;
  handlers: readonly [RequestHandler, ...RequestHandler[]];
}

const SEGMENT = /^(?::[a-z][A-Za-z0-9]*|[a-z0-9][a-z0-9._-]*)$/;

/** The path parameter each ownership check reads (gateway/auth/policy.ts checkOwnership). */
const CHECK_PARAM: Record<OwnershipCheck, string | undefined> = {
  none: undefined,
  list: undefined,
  mailbox: 'mailbox',
  message: 'id',
  payload: 'id',
  vorgang: 'id',
  attachment: 'sha512',
  'fit-sender': 'submissionId',
  'fit-subscriber': 'submissionId',
  'fit-case': 'caseId',
  'fit-reply': 'replyId',
  'fit-destination': 'destinationId',
  proof: 'id',
};

/**
 * Declares one route. Throws at start (not per request) when the path is not of the one
 * supported shape, the policy names no role, or its ownership check needs a path
 * parameter the path does not have.
 */
export function route(method: ApiMethod, path: string, policy: RoutePolicy, ...handlers: [RequestHandler, ...RequestHandler[]]): ApiRoute {
  if (!path.startsWith('/') || !path.slice(1).split('/').every((s) => SEGMENT.test(s))) {
    throw new Error(`route ${method} ${path}: the path must be /-separated lower-case literals and :params`);
  }
  if (policy.roles.length === 0) throw new Error(`route ${method} ${path}: a policy names at least one role`);
  const needs = CHECK_PARAM[policy.check];
  if (needs !== undefined && !path.split('/').includes(`:${needs}`)) throw new Error(`route ${method} ${path}: the ${policy.check} check needs the path parameter :${needs}`);
  return { method, path, policy, handlers };
}

/**
 * Answers a method the path does not serve (also OPTIONS, and HEAD where there is no GET):
 * 405 GW_METHOD_NOT_ALLOWED with `Allow`. Registered with `.all()` after the route's own
 * methods, so it never runs before a method's guard and handlers.
 */
export function methodNotAllowed(path: string, allowed: readonly ApiMethod[]): RequestHandler {
  const allow = [...allowed, ...(allowed.includes('GET') ? ['HEAD'] : [])].join(', ');
  return function methodNotAllowed(req: Request, res: Response, next: NextFunction): void {
    res.setHeader('Allow', allow);
    next(new GatewayError('GW_METHOD_NOT_ALLOWED', `${req.method} is not served on ${path}; allowed: ${allow}`, { extra: { allow } }));
  };
}

/** The name of the path parameter whose raw text `path` cannot percent-decode, found on the declared routes (error message only). */
function undecodableParam(routes: readonly ApiRoute[], path: string): string | undefined {
  const got = path.split('/');
  for (const r of routes) {
    const want = r.path.split('/');
    if (want.length !== got.length) continue;
    if (!want.every((w, i) => w.startsWith(':') || w === got[i])) continue;
    const bad = want.findIndex((w, i) => w.startsWith(':') && !decodes(got[i]!));
    if (bad >= 0) return want[bad]!.slice(1);
  }
  return undefined;
}

function decodes(s: string): boolean {
  try {
    decodeURIComponent(s);
    return true;
  } catch {
    return false;
  }
}

/**
 * Builds the /api/v1 router, called once by createApp. Guarantees: routing is
 * case-sensitive and strict (no trailing-slash or case variants); each route's first
 * handler is the guard built from its policy (gateway/auth/policy.ts `routeGuard`); a path
 * that matches no route is 404 GW_NOT_FOUND, a served path with another method is 405;
 * a path parameter that is not valid percent-encoding is 400 GW_BAD_REQUEST naming the
 * parameter. Throws at start when one method and path is declared twice.
 *
 * `check`, when given, yields the contract's request check of a route (gateway/api/contract.ts,
 * ADR 0026); it runs after the guard and the route's body parsers, right before the route's
 * last handler — so an unauthorised caller learns nothing from validation, and the check
 * sees the parsed JSON body. Routes the contract does not describe run without one (the
 * contract test names them).
 */
export function apiRouter(routes: readonly ApiRoute[], deps: AuthorizeDeps, check?: (method: ApiMethod, path: string) => RequestHandler | undefined): ExpressRouter {
  const r = ExpressRouter({ caseSensitive: true, strict: true });
  const byPath = new Map<string, ApiRoute[]>();
  for (const x of routes) {
    const same = byPath.get(x.path) ?? [];
    if (same.some((y) => y.method === x.method)) throw new Error(`route ${x.method} ${x.path} is declared twice`);
    byPath.set(x.path, [...same, x]);
  }
  for (const [path, declared] of byPath) {
    const chain = r.route(path);
    for (const x of declared) {
      const validate = check?.(x.method, path);
      const own = validate ? [...x.handlers.slice(0, -1), validate, x.handlers[x.handlers.length - 1]!] : x.handlers;
      const handlers: RequestHandler[] = [routeGuard(x.method, path, x.policy, deps), ...own];
      if (x.method === 'GET') chain.get(handlers);
      else if (x.method === 'POST') chain.post(handlers);
      else if (x.method === 'PATCH') chain.patch(handlers);
      else chain.put(handlers);
    }
    chain.all(methodNotAllowed(path, declared.map((x) => x.method)));
  }
  r.use((req) => notFound(req));
  r.use((err: unknown, req: Request, _res: Response, next: NextFunction) => {
    if (err instanceof URIError && (err as { status?: unknown }).status === 400) {
      const name = undecodableParam(routes, req.path);
      const where = name === undefined ? 'path' : `params.${name}`;
      return next(new GatewayError('GW_BAD_REQUEST', `${name === undefined ? 'the path' : `path parameter ${name}`} is not valid percent-encoding (RFC 3986, UTF-8)`, { cause: err, issues: [{ message: 'invalid percent-encoding', path: where }] }));
    }
    next(err);
  });
  return r;
}
