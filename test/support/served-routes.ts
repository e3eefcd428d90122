import type { Express } from 'express';
import { join } from 'node:path';
import { createApp } from '../../gateway/api/app.js';
import type { GatewayServices } from '../../gateway/api/services.js';
import type { RoutePolicy } from '../../gateway/auth/policy.js';
import { SigningKey } from '../../gateway/crypto/signing-key.js';

/** The parts of an Express 5 router layer the walk reads (the `router` package's Layer and Route). */
interface Layer {
  rawPath?: unknown;
  method?: string;
  name?: string;
  route?: { path: string; methods: Record<string, boolean>; stack: Layer[] };
  handle: { stack?: Layer[]; policy?: RoutePolicy; route?: string; name?: string };
}

/** One method of one route as Express serves it, found by walking the app's router stack. */
export interface ServedRoute {
  method: string;
  /** Full path with Express `:param` syntax, e.g. `/api/v1/messages/:id`. */
  path: string;
  /** The policy of the route's first handler when that handler is a route guard (gateway/auth/policy.ts routeGuard). */
  policy?: RoutePolicy;
  /** The `METHOD path` the guard was built for (must equal this route's). */
  guardFor?: string;
  /** Name of the route's `.all()` handler (the 405 responder), if it has one. */
  allHandler?: string;
}

function walk(stack: Layer[], prefix: string): ServedRoute[] {
  const out: ServedRoute[] = [];
  for (const l of stack) {
    if (l.route) {
      const path = `${prefix}${l.route.path}`;
      const all = l.route.stack.find((x) => x.method === undefined);
      for (const m of Object.keys(l.route.methods)) {
        if (m === '_all') continue;
        const first = l.route.stack.find((x) => x.method === m)?.handle;
        out.push({
          method: m.toUpperCase(),
          path,
          ...(first?.policy ? { policy: first.policy } : {}),
          ...(typeof first?.route === 'string' ? { guardFor: first.route } : {}),
          ...(all ? { allHandler: all.handle.name ?? '' } : {}),
        });
      }
    } else if (Array.isArray(l.handle.stack)) {
      out.push(...walk(l.handle.stack, prefix + (typeof l.rawPath === 'string' && l.rawPath !== '/' ? l.rawPath : '')));
    }
  }
  return out;
}

/** Every (method, path) the app serves, read from Express's own router stack, not from any table of ours. */
export function servedRoutes(app: Express): ServedRoute[] {
  return walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
}

/** The app as gateway/server.ts builds it for this gateway's services (with the signing option; the key is only read on use). */
export function appOf(gw: { url: string; services: GatewayServices }): Express {
  const signing = { key: new SigningKey(join(gw.services.cfg.store.dataDir, 'route-walk.jwk.json'), true), issuer: () => `${gw.url}/` };
  return createApp(gw.services, { signing });
}
