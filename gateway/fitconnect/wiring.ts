import { join } from 'node:path';
import type { Router } from 'express';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/schema.js';
import type { PrivateKeyRing } from '../crypto/keyring.js';
import { SigningKey } from '../crypto/signing-key.js';
import { routingApi } from './routing.js';
import { CallbackNotifier, loadCallbackTargets, type CallbackTarget } from './callbacks.js';
import { CallbackStore, callbackDbPath } from './callback-store.js';

/**
 * Builds the Routing API for gateway/server.ts when `fitConnect.enabled`: the routing
 * signing key (`crypto.routingSigningKeyFile`, else a generated development key) and, as
 * every destination's encryption key, the gateway's own JWE keys (`crypto.jwe.keys`; the
 * gateway decrypts FIT-Connect submissions itself). The first configured key is the
 * `encryptionKid` senders encrypt to; the others stay published for rotation. Without JWE
 * keys the routes carry no `destinationParameters`.
 */
export function routingApiOf(cfg: GatewayConfig, dataDir: string, jwe: PrivateKeyRing | undefined, publicBaseUrl: () => string, log: Logger): Router {
  const file = cfg.crypto.routingSigningKeyFile ?? join(dataDir, 'keys', 'gateway-routing-sig.private.jwk.json');
  const signingKey = new SigningKey(file, cfg.crypto.routingSigningKeyFile === undefined, (f) =>
    log.warn({ file: f }, 'generated a DEVELOPMENT routing signing key; configure crypto.routingSigningKeyFile in production'),
  );
  const keys = jwe?.publicJwks();
  const first = keys?.keys[0]?.kid;
  const technical = async () => (keys && first !== undefined ? { encryptionKid: first, publicKeys: keys } : undefined);
  return routingApi({ cfg, signingKey, publicBaseUrl, technical });
}

/**
 * Opens the callback store and starts the notifier for gateway/server.ts when
 * `fitConnect.enabled`, with the callback targets read by loadCallbackTargets (server.ts reads them
 * before it opens anything, so a missing secret stops the start).
 * Retries follow `delivery` (backoff, maxAttempts, timeoutMs, pollMs); development
 * (`auth.mode: off`) may call back to loopback over http. `close` stops the loop and
 * closes the store; pending callbacks stay for the next start.
 */
export function startCallbacks(cfg: GatewayConfig, dataDir: string, log: Logger, targets: ReadonlyMap<string, CallbackTarget> = loadCallbackTargets(cfg)): { notifier: CallbackNotifier; close(): Promise<void> } {
  const store = CallbackStore.open(callbackDbPath(dataDir));
  const notifier = new CallbackNotifier({
    store,
    targets,
    urlPolicy: { allowLoopback: cfg.auth.mode === 'off' },
    log: log.child({ component: 'fitconnect-callbacks' }),
    backoff: cfg.delivery.backoff,
    maxAttempts: cfg.delivery.maxAttempts,
    timeoutMs: cfg.delivery.timeoutMs,
    pollMs: cfg.delivery.pollMs,
  });
  notifier.start();
  let closing: Promise<void> | undefined;
  return { notifier, close: () => (closing ??= notifier.stop().finally(() => store.close())) };
}
