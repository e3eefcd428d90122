import { join } from 'node:path';
import type { Router } from 'express';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/schema.js';
import type { FitDestinations } from './destinations.js';
import { SigningKey } from '../crypto/signing-key.js';
import { routingApi } from './routing.js';
import { CallbackNotifier, loadCallbackTargets, type CallbackTarget } from './callbacks.js';
import { openCallbackStore } from './callback-store.js';
import type { StateBackend } from '../state/backend.js';

/**
 * Builds the Routing API for gateway/compose/fitconnect.ts when `fitConnect.enabled`: the routing
 * signing key (`crypto.routingSigningKeyFile`, else a generated development key) and, as
 * each destination's encryption key, the key the Submission API decrypts that destination's
 * submissions with (`fitConnect.destinations[].encryptionKey`, destinations.ts).
 */
export function routingApiOf(cfg: GatewayConfig, dataDir: string, destinations: FitDestinations, publicBaseUrl: () => string, log: Logger): Router {
  const file = cfg.crypto.routingSigningKeyFile ?? join(dataDir, 'keys', 'gateway-routing-sig.private.jwk.json');
  const signingKey = new SigningKey(file, cfg.crypto.routingSigningKeyFile === undefined, (f) =>
    log.warn({ file: f }, 'generated a DEVELOPMENT routing signing key; configure crypto.routingSigningKeyFile in production'),
  );
  // the destination's own encryption key, the one the Submission API decrypts with (destinations.ts), so a sender
  // that takes the key from the route encrypts to the key that opens it
  const technical = async (id: string) => {
    const { publicKey } = await destinations.get(id).keys();
    return { encryptionKid: publicKey.kid!, publicKeys: { keys: [publicKey] } };
  };
  return routingApi({ cfg, signingKey, publicBaseUrl, technical });
}

/**
 * Opens the callback store of the state backend (a SQLite file in the data folder, or the
 * PostgreSQL database every instance shares; ADR 0043) and starts the notifier for
 * gateway/compose/fitconnect.ts when `fitConnect.enabled`, with the callback targets read by loadCallbackTargets (compose/keys.ts reads them
 * before it opens anything, so a missing secret stops the start).
 * Retries follow `delivery` (backoff, maxAttempts, timeoutMs, pollMs); development
 * (`auth.mode: off`) may call back to loopback over http. `close` stops the loop and
 * closes the store; pending callbacks stay for the next start.
 */
export async function startCallbacks(cfg: GatewayConfig, backend: StateBackend, log: Logger, targets: ReadonlyMap<string, CallbackTarget> = loadCallbackTargets(cfg)): Promise<{ notifier: CallbackNotifier; close(): Promise<void> }> {
  const store = await openCallbackStore(backend);
  const notifier = new CallbackNotifier({
    store,
    targets,
    urlPolicy: { development: cfg.auth.mode === 'off' },
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
