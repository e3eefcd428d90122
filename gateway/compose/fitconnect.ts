import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/schema.js';
import type { SigningKey } from '../crypto/signing-key.js';
import type { CallbackNotifier } from '../fitconnect/callbacks.js';
import type { FitConnectDeps } from '../fitconnect/types.js';
import { routingApiOf, startCallbacks } from '../fitconnect/wiring.js';
import type { Keys } from './keys.js';
import type { Part } from './parts.js';

export interface FitConnect {
  /** Callbacks of the destinations (ADR 0028): told of each submission once it is stored. */
  callbacks: CallbackNotifier | undefined;
  /** The Submission API's dependencies (ADR 0027), mounted by createApp at `fitConnect.basePath`. */
  deps: FitConnectDeps | undefined;
  /** The public Routing API, mounted at `<fitConnect.basePath>/routing`. */
  routing: RequestHandler | undefined;
  /** Stops the callback notifier and closes its store (after the deadline watcher, before monitoring). */
  part: Part;
}

export interface FitConnectBuildOptions {
  cfg: GatewayConfig;
  dataDir: string;
  log: Logger;
  keys: Pick<Keys, 'callbackTargets' | 'fitDestinations' | 'recipientKeys' | 'state'>;
  /** What the Submission API uses of the gateway (store, attachments, pipeline, admission). */
  gateway: Pick<FitConnectDeps, 'store' | 'attachments' | 'pipeline' | 'admission'>;
  signing: { key: SigningKey; issuer: () => string };
}

/**
 * The FIT-Connect-compatible API when `fitConnect.enabled` (nothing otherwise): the callback
 * notifier runs from the build on (pending callbacks of an earlier run go out), the
 * Submission and Routing APIs are mounted with the HTTP server.
 */
export async function buildFitConnect(o: FitConnectBuildOptions, own: (p: Part) => void): Promise<FitConnect> {
  const { callbackTargets, fitDestinations } = o.keys;
  const callbacks = callbackTargets ? await startCallbacks(o.cfg, o.keys.state, o.log, callbackTargets) : undefined;
  const part: Part = { name: 'fit-connect callbacks', close: async () => callbacks?.close() };
  own(part);
  if (!fitDestinations) return { callbacks: callbacks?.notifier, deps: undefined, routing: undefined, part };
  const deps: FitConnectDeps = {
    cfg: o.cfg,
    ...o.gateway,
    log: o.log.child({ component: 'fit-connect' }),
    signing: o.signing,
    recipientKeys: o.keys.recipientKeys,
    destinations: fitDestinations,
    ...(callbacks ? { callbacks: callbacks.notifier } : {}),
  };
  const routing = routingApiOf(o.cfg, o.dataDir, fitDestinations, () => o.signing.issuer().replace(/\/+$/, ''), o.log);
  return { callbacks: callbacks?.notifier, deps, routing, part };
}
