import request from 'supertest';
import type { GatewayConfig } from '../../gateway/config/schema.js';
import { hashSecret } from '../../gateway/auth/secrets.js';
import { testConfig } from '../support/gateway.js';

/** The demo OAuth clients and their DEMO secrets (gateway/config/demo.yaml). */
export const DEMO_CLIENTS = {
  'efa-hund-lsa': 'demo-efa-hund-secret',
  'zsa-lsa': 'demo-zsa-secret',
  magdeburg: 'demo-magdeburg-secret',
  halle: 'demo-halle-secret',
  'fv-15003000-hund': 'demo-fv-15003000-hund-secret',
  betrieb: 'demo-operator-secret',
  admin: 'demo-admin-secret',
} as const;
export type DemoClient = keyof typeof DEMO_CLIENTS;

/** The demo configuration with `auth.mode: required`. */
export function requiredAuthConfig(): GatewayConfig {
  const cfg = testConfig();
  cfg.auth.mode = 'required';
  return cfg;
}

/** A token for a demo client from the gateway's own token endpoint (form body credentials). */
export async function tokenFor(url: string, client: DemoClient, scope?: string): Promise<string> {
  return requestToken(url, client, DEMO_CLIENTS[client], scope);
}

async function requestToken(url: string, client: string, secret: string, scope?: string): Promise<string> {
  const res = await request(url)
    .post('/token')
    .type('form')
    .send({ grant_type: 'client_credentials', client_id: client, client_secret: secret, ...(scope ? { scope } : {}) });
  if (res.status !== 200) throw new Error(`token for ${client}: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { access_token: string }).access_token;
}

/** Secret of a test client added by withTestClients. */
const testSecret = (id: string) => `test-${id}-secret`;

/**
 * Gives demo participants without an OAuth client in demo.yaml (e.g. `fv-15002000-hund`,
 * `efa-wohngeld-lsa`) a client with their id as client id, for tests only.
 */
export async function withTestClients(cfg: GatewayConfig, ids: readonly string[]): Promise<GatewayConfig> {
  const hashed = new Map(await Promise.all(ids.map(async (id) => [id, await hashSecret(testSecret(id))] as const)));
  cfg.participants = cfg.participants.map((p) => (hashed.has(p.id) ? { ...p, oauth: { clientId: p.id, clientSecretHash: hashed.get(p.id)! } } : p));
  return cfg;
}

/** A token for a client added by withTestClients. */
export async function testTokenFor(url: string, id: string): Promise<string> {
  return requestToken(url, id, testSecret(id));
}
