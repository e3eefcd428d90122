import type { RouteConfig } from '../config/schema.js';
import type { MessageHeader } from '../model/index.js';
import type { Strictness } from '../validation/types.js';
import { routingAgs } from './region-key.js';

/** What of a route decides whether it handles a message, and the strictness it sets. */
export type RouteMatch = Pick<RouteConfig, 'match' | 'strictness'>;

/** Whether `route` handles `h`: message type (exact or `prefix*`), AGS, standard, version and reader as its `match` names them. */
export function routeMatches(route: Pick<RouteConfig, 'match'>, h: MessageHeader): boolean {
  const m = route.match;
  const types = Array.isArray(m.messageType) ? m.messageType : [m.messageType];
  return (
    types.some((t) => (t.endsWith('*') ? h.messageType.startsWith(t.slice(0, -1)) : t === h.messageType)) &&
    (!m.ags || m.ags.includes(routingAgs(h.ags))) &&
    (m.standard === undefined || m.standard === h.standard) &&
    (m.version === undefined || m.version === h.version) &&
    (!m.reader || m.reader.includes(h.reader))
  );
}

/**
 * The strictness of the first route that handles `h` (pure configuration, no store): what
 * `Router.strictnessFor` answers, for the validation that runs where no Router lives (the
 * ingress worker threads, gateway/ingress/steps/).
 */
export function strictnessOf(routes: readonly RouteMatch[], h: MessageHeader): Strictness | undefined {
  return routes.find((r) => routeMatches(r, h))?.strictness;
}
