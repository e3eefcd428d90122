import { join } from 'node:path';
import type { Router } from 'express';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/schema.js';
import type { PrivateKeyRing } from '../crypto/keyring.js';
import { SigningKey } from '../crypto/signing-key.js';
import { routingApi } from './routing.js';

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
