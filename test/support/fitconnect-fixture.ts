import { readFileSync } from 'node:fs';
import type { JWK } from 'jose';
import { parse as parseYaml } from 'yaml';
import { CONNECTORS } from '../../connectors/index.js';
import { DEMO_CONFIG_PATH, substituteEnv, validateConfig } from '../../gateway/config/load.js';
import type { GatewayConfig } from '../../gateway/config/schema.js';
import { generateKeyObjectsSync } from '../../gateway/crypto/keygen.js';

/**
 * FIT-Connect destinations over the pilot municipalities (docs/reference-keys.md): real
 * AGS/ARS and LeiKa keys, synthetic destination ids and schema URIs.
 */
export const DEST = {
  magdeburgHund: '6f1d3a52-0b7e-4c41-9a55-3c1e2d4b7a01',
  halleHund: '0c2e8f34-5d6a-4b7c-8e9f-1a2b3c4d5e02',
  suelzetalHund: 'b7e4c2a1-9f3d-4e8b-a6c5-2d1f0e9b8a03',
  wittenbergWohngeld: '3a9c7e5b-1d2f-4a6b-8c0e-9f8d7c6b5a04',
} as const;

export const LEIKA = { hundAnmeldung: '99102013104000', hundAbmeldung: '99102013070000', wohngeld: '99107023037000' } as const;

const hundSchema = { uri: 'urn:xoev-de:zsa:efa-form:hund-anmeldung:1.0', mimeType: 'application/json', file: 'gateway/fitconnect/schemas/hund-anmeldung.schema.json' };

export function fitConnectBlock(callbacks: Partial<Record<keyof typeof DEST, { url: string; secretRef: string }>> = {}): Record<string, unknown> {
  const d = (key: keyof typeof DEST, participant: string, areas: string[], services: unknown[]) => ({
    id: DEST[key],
    participant,
    areas,
    services,
    encryptionKey: `fc-test-${key}`,
    ...(callbacks[key] ? { callback: callbacks[key] } : {}),
  });
  return {
    enabled: true,
    destinations: [
      d('magdeburgHund', 'magdeburg', ['150030000000'], [
        { leika: LEIKA.hundAnmeldung, service: 'hund', submissionSchema: hundSchema },
        { leika: LEIKA.hundAbmeldung, service: 'hund', submissionSchema: hundSchema },
      ]),
      d('halleHund', 'halle', ['15002000'], [{ leika: LEIKA.hundAnmeldung, service: 'hund', submissionSchema: hundSchema }]),
      d('suelzetalHund', 'suelzetal', ['15083490'], [{ leika: LEIKA.hundAnmeldung, service: 'hund', submissionSchema: hundSchema }]),
      d('wittenbergWohngeld', 'wittenberg', ['15091000'], [
        { leika: LEIKA.wohngeld, service: 'wohngeld', submissionSchema: { uri: 'urn:xoev-de:zsa:efa-form:wohngeld-antrag:1.0', mimeType: 'application/json', file: 'gateway/fitconnect/schemas/wohngeld-antrag.schema.json' } },
      ]),
    ],
  };
}

/** The demo configuration (validated) with `fitConnect` set to `block` and further top-level overrides. */
export function demoWithFitConnect(block: Record<string, unknown> = fitConnectBlock(), overrides: Record<string, unknown> = {}): GatewayConfig {
  const raw = substituteEnv(parseYaml(readFileSync(DEMO_CONFIG_PATH, 'utf8')), {}) as Record<string, unknown>;
  return validateConfig({ ...raw, fitConnect: block, ...overrides }, CONNECTORS);
}

/** A fresh RSA-4096 private JWK for `alg` (PS512 signing or RSA-OAEP-256 encryption). */
export function rsaJwk(kid: string, alg: 'PS512' | 'RSA-OAEP-256'): JWK {
  const { privateKey } = generateKeyObjectsSync({ type: 'rsa', modulusLength: 4096 });
  return { ...(privateKey.export({ format: 'jwk' }) as JWK), kid, alg, use: alg === 'PS512' ? 'sig' : 'enc' };
}

/** The public half of an RSA JWK. */
export function publicOf(jwk: JWK): JWK {
  const { kty, n, e, kid, alg, use } = jwk;
  return { kty, n, e, kid, alg, use } as JWK;
}

/** A test gateway configuration (fresh data folder, port 0) with `fitConnect` and top-level overrides. */
export function testGatewayWithFitConnect(base: GatewayConfig, block: Record<string, unknown> = fitConnectBlock(), overrides: Record<string, unknown> = {}): GatewayConfig {
  return validateConfig({ ...base, fitConnect: block, ...overrides }, CONNECTORS);
}
