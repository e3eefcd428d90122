import { expect } from 'chai';
import request from 'supertest';
import { requiredAuthConfig, tokenFor, type DemoClient } from '../auth/oauth-fixture.js';
import { startTestGateway, waitFor } from '../support/gateway.js';

/**
 * GET /metrics and GET /api/v1/alerts fail closed (ADR 0029): only operator and admin —
 * Prometheus as an operator client with the read-only scope — with `auth.mode: required`.
 */
describe('auth: /metrics and /api/v1/alerts are for operator and admin only', function () {
  this.timeout(60_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  before(async () => {
    gw = await startTestGateway(requiredAuthConfig());
  });
  after(() => gw?.stop());

  const PATHS = ['/metrics', '/api/v1/alerts'];

  it('answers 401 without credentials and with a forged token, also for HEAD', async () => {
    for (const path of PATHS) {
      for (const r of [request(gw.url).get(path), request(gw.url).head(path), request(gw.url).get(path).set('authorization', 'Bearer eyJhbGciOiJub25lIn0.e30.')]) {
        const res = await r;
        expect(res.status, path).to.equal(401);
      }
      expect((await request(gw.url).get(path)).body.code).to.equal('GW_UNAUTHENTICATED');
    }
  });

  it('refuses every participant role with 403 route.roles, and never leaks a metric in the refusal', async () => {
    const parties: DemoClient[] = ['efa-hund-lsa', 'zsa-lsa', 'magdeburg', 'fv-15003000-hund'];
    for (const client of parties) {
      const token = await tokenFor(gw.url, client);
      for (const path of PATHS) {
        const res = await request(gw.url).get(path).set('authorization', `Bearer ${token}`);
        expect(res.status, `${client} ${path}`).to.equal(403);
        expect(res.body).to.include({ code: 'GW_FORBIDDEN', rule: 'route.roles' });
        expect(res.text).to.not.include('zsa_gateway_');
      }
    }
  });

  it('serves operator (also with the read-only scope operator:read) and admin; other methods are 405', async () => {
    const tokens = [await tokenFor(gw.url, 'betrieb'), await tokenFor(gw.url, 'betrieb', 'operator:read'), await tokenFor(gw.url, 'admin')];
    for (const token of tokens) {
      const metrics = await request(gw.url).get('/metrics').set('authorization', `Bearer ${token}`);
      expect(metrics.status).to.equal(200);
      expect(metrics.text).to.include('# TYPE zsa_gateway_messages_received_total counter');
      const alerts = await request(gw.url).get('/api/v1/alerts').set('authorization', `Bearer ${token}`);
      expect(alerts.status).to.equal(200);
      expect(alerts.body).to.have.keys('active', 'recent');
    }
    const post = await request(gw.url).post('/metrics').set('authorization', `Bearer ${tokens[2]}`);
    expect(post.status).to.equal(405);
    expect(post.headers['allow']).to.equal('GET, HEAD');
  });

  it('audits refused scrapes but not served ones', async () => {
    const audit = gw.services.audit!;
    const before = (await audit.list()).filter((e) => e.action === 'api.get.metrics');
    await request(gw.url).get('/metrics');
    await request(gw.url).get('/metrics').set('authorization', `Bearer ${await tokenFor(gw.url, 'betrieb', 'operator:read')}`);
    const entries = await waitFor('the refused scrape in the audit log', async () => {
      const now = (await audit.list()).filter((e) => e.action === 'api.get.metrics');
      return now.length > before.length ? now : undefined;
    });
    const fresh = entries.slice(before.length);
    expect(fresh.map((e) => e.outcome)).to.deep.equal(['refused']);
  });
});
