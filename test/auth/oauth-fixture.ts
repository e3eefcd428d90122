import request from 'supertest';
import type { GatewayConfig } from '../../gateway/config/schema.js';
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
  const res = await request(url)
    .post('/token')
    .type('form')
    .send({ grant_type: 'client_credentials', client_id: client, client_secret: DEMO_CLIENTS[client], ...(scope ? { scope } : {}) });
  if (res.status !== 200) throw new Error(`token for ${client}: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { access_token: string }).access_token;
}
