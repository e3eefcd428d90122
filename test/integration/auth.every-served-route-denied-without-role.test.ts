import { expect } from 'chai';
import type { Server } from 'node:http';
import request from 'supertest';
import type { OwnershipCheck } from '../../gateway/auth/policy.js';
import type { Role } from '../../gateway/auth/principal.js';
import { DEMO_CLIENTS, requiredAuthConfig, type DemoClient } from '../auth/oauth-fixture.js';
import { startTestGateway } from '../support/gateway.js';
import { appOf, servedRoutes, type ServedRoute } from '../support/served-routes.js';

/** One demo client per role (gateway/config/demo.yaml). */
const CLIENT_OF: Record<Role, DemoClient> = {
  'efa-service': 'efa-hund-lsa',
  municipality: 'halle',
  fachverfahren: 'fv-15003000-hund',
  zsa: 'zsa-lsa',
  operator: 'betrieb',
  admin: 'admin',
};
const ROLES = Object.keys(CLIENT_OF) as Role[];

const P = 'efa-service municipality fachverfahren zsa';
/**
 * The intended policy of every route (ADR 0012), written down independently of the code:
 * a served route missing here, or serving another policy, fails the first test — widening
 * a route's roles is a decision, not a side effect.
 */
const INTENDED: Record<string, [roles: string, check: OwnershipCheck]> = {
  'POST /api/v1/messages': [P, 'none'],
  'GET /api/v1/messages': [`${P} operator admin`, 'list'],
  'GET /api/v1/messages/:id': [`${P} operator admin`, 'message'],
  'GET /api/v1/messages/:id/payload': [`${P} operator admin`, 'payload'],
  'GET /api/v1/messages/:id/forms': [`${P} operator admin`, 'message'],
  'GET /api/v1/messages/:id/forms/:name': [`${P} operator admin`, 'payload'],
  'GET /api/v1/messages/:id/receipt': [`${P} operator admin`, 'message'],
  'GET /api/v1/messages/:id/events': [`${P} operator admin`, 'message'],
  'GET /api/v1/messages/:id/proof': [`${P} operator admin`, 'proof'],
  'GET /api/v1/vorgaenge/:id/proof': [`${P} operator admin`, 'vorgang'],
  'GET /api/v1/reports/figures': ['municipality operator admin', 'list'],
  'GET /api/v1/reports/usage': ['municipality operator admin', 'list'],
  'POST /api/v1/messages/:id/replay': ['admin', 'none'],
  'POST /api/v1/replay': ['admin', 'none'],
  'GET /api/v1/vorgaenge/:id': [`${P} operator admin`, 'vorgang'],
  'POST /api/v1/attachments': [P, 'none'],
  'GET /api/v1/attachments/:sha512': [P, 'attachment'],
  'GET /api/v1/rejections': ['operator admin', 'none'],
  'POST /api/v1/routes/explain': ['admin', 'none'],
  'GET /api/v1/mailboxes/:mailbox/messages': [`${P} operator admin`, 'mailbox'],
  'POST /api/v1/mailboxes/:mailbox/fetch': [P, 'mailbox'],
  'POST /api/v1/mailboxes/:mailbox/messages/:item/ack': [P, 'mailbox'],
  'GET /api/v1/admin/municipalities': ['operator admin', 'none'],
  'PUT /api/v1/admin/municipalities/:ags/delegations/:service': ['admin', 'none'],
  'GET /api/v1/admin/delegations/history': ['operator admin', 'none'],
  'GET /api/v1/admin/endpoints': ['operator admin', 'none'],
  'GET /api/v1/admin/stats': ['operator admin', 'none'],
  'GET /api/v1/admin/participants': ['admin', 'none'],
  'GET /api/v1/admin/break-glass': ['operator admin', 'none'],
  'POST /api/v1/admin/break-glass': ['admin', 'none'],
  'GET /api/v1/alerts': ['operator admin', 'none'],
  'GET /metrics': ['operator admin', 'none'],
};

/** Concrete values for path parameters; refusals by role come before any ownership or existence check. */
const PARAM: Record<string, string> = { id: '00000000-0000-4000-8000-000000000000', sha512: 'a'.repeat(128), mailbox: 'zsa-hund', item: '1', ags: '15003000', service: 'hund' };
const concrete = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, (_m, n: string) => PARAM[n] ?? 'x');

/**
 * Spellings of a served path that must not reach any route (and so no handler): case,
 * slashes, `;` on a literal segment, encoded letters and slashes, Unicode folding. (A `;…`
 * after a parameter is part of that parameter's value: same route, same policy.)
 */
function spellings(path: string): string[] {
  const segs = path.split('/');
  const literal = (i: number) => i >= 3 && !segs[i]!.startsWith(':');
  const out = new Set<string>([path.toUpperCase(), path.replace('/api/v1/', '/Api/v1/'), `${path}/`, path.replace('/api/v1/', '/api/v1//'), path.replace(/\/([^/]+)$/, '/./$1')]);
  segs.forEach((w, i) => {
    if (!literal(i)) return;
    out.add(segs.map((x, j) => (j === i ? x.toUpperCase() : x)).join('/'));
    out.add(segs.map((x, j) => (j === i ? `${x};a=b` : x)).join('/'));
    out.add(segs.map((x, j) => (j === i ? `%${x.charCodeAt(0).toString(16)}${x.slice(1)}` : x)).join('/'));
    if (w.includes('s')) out.add(segs.map((x, j) => (j === i ? x.replace('s', '%C5%BF') : x)).join('/'));
    if (w.includes('i')) out.add(segs.map((x, j) => (j === i ? x.replace('i', '%C4%B0') : x)).join('/'));
    if (i + 1 < segs.length && literal(i + 1)) out.add([...segs.slice(0, i), `${w}%2F${segs[i + 1]}`, ...segs.slice(i + 2)].join('/'));
  });
  return [...out].filter((p) => p !== path).map(concrete);
}

/**
 * Generated from the routes the built app serves (Express's router stack), not from a
 * policy table: every route is called over HTTP with a real token of every role its policy
 * does not name (403 route.roles), with a read-only token when it changes something (403
 * scope.read-only), without credentials (401), and in other spellings (404, never the
 * handler) — with `auth.mode: required`.
 */
describe('auth: every served route is denied to every role without it (generated from the served routes)', function () {
  this.timeout(120_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let server: Server;
  let api: ServedRoute[];
  const tokens = new Map<string, string>();

  async function token(client: DemoClient, scope?: string): Promise<string> {
    const key = `${client}|${scope ?? ''}`;
    if (!tokens.has(key)) {
      const res = await request(server).post('/token').type('form').send({ grant_type: 'client_credentials', client_id: client, client_secret: DEMO_CLIENTS[client], ...(scope ? { scope } : {}) });
      expect(res.status, `token for ${client}`).to.equal(200);
      tokens.set(key, (res.body as { access_token: string }).access_token);
    }
    return tokens.get(key)!;
  }
  function send(method: string, path: string, bearer?: string) {
    const r = request(server)[method.toLowerCase() as 'get' | 'post' | 'put' | 'head'](path);
    return bearer === undefined ? r : r.set('authorization', `Bearer ${bearer}`);
  }

  before(async () => {
    gw = await startTestGateway(requiredAuthConfig());
    const app = appOf(gw);
    // the /api/v1 routes and the guarded Prometheus scrape outside it (GET /metrics, ADR 0029); the UI's pages
    // (cookie sessions, test/integration/ui.sign-in-csrf-and-policies.test.ts) and the FIT-Connect API
    // (test/fitconnect/fit-connect.contract-roles-and-hostile-input.test.ts) are refused by role in their own tests
    api = servedRoutes(app).filter((r) => r.path.startsWith('/api/v1/') || `${r.method} ${r.path}` === 'GET /metrics');
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
  });
  after(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await gw?.stop();
  });

  it('serves exactly the intended routes, each with its intended policy', () => {
    const served = Object.fromEntries(api.map((r) => [`${r.method} ${r.path}`, r.policy ? [[...r.policy.roles].join(' '), r.policy.check] : null]));
    expect(served).to.deep.equal(INTENDED);
  });

  it('refuses every role its policy does not name with 403 route.roles, also for HEAD', async () => {
    const wrong: string[] = [];
    let calls = 0;
    for (const r of api) {
      for (const role of ROLES.filter((x) => !r.policy!.roles.includes(x))) {
        const path = concrete(r.path);
        const res = await send(r.method, path, await token(CLIENT_OF[role]));
        calls++;
        if (res.status !== 403 || res.body.code !== 'GW_FORBIDDEN' || res.body.rule !== 'route.roles' || res.body.role !== role) wrong.push(`${role} ${r.method} ${path}: ${res.status} ${JSON.stringify(res.body).slice(0, 160)}`);
        if (r.method === 'GET') {
          const head = await send('HEAD', path, await token(CLIENT_OF[role]));
          calls++;
          if (head.status !== 403) wrong.push(`${role} HEAD ${path}: ${head.status}`);
        }
      }
    }
    expect(wrong).to.deep.equal([]);
    expect(calls).to.be.greaterThan(api.length);
  });

  it('refuses a read-only token on every route that changes something (403 scope.read-only), before the role', async () => {
    const ro = await token('magdeburg', 'municipality:read');
    const changing = api.filter((r) => r.method !== 'GET');
    expect(changing).to.not.be.empty;
    const wrong: string[] = [];
    for (const r of changing) {
      const res = await send(r.method, concrete(r.path), ro);
      if (res.status !== 403 || res.body.rule !== 'scope.read-only') wrong.push(`${r.method} ${r.path}: ${res.status} ${res.body.rule ?? res.body.code}`);
    }
    expect(wrong).to.deep.equal([]);
  });

  it('answers every route 401 without credentials', async () => {
    const wrong: string[] = [];
    for (const r of api) {
      const res = await send(r.method, concrete(r.path));
      if (res.status !== 401 || res.body.code !== 'GW_UNAUTHENTICATED') wrong.push(`${r.method} ${r.path}: ${res.status}`);
    }
    expect(wrong).to.deep.equal([]);
  });

  it('answers other spellings of every route 404 from routing, never from a handler, even for a role the route allows', async () => {
    const wrong: string[] = [];
    let tried = 0;
    for (const r of api) {
      const bearer = await token(CLIENT_OF[r.policy!.roles.includes('admin') ? 'admin' : r.policy!.roles[0]]);
      for (const path of spellings(r.path)) {
        const res = await send(r.method, path, bearer);
        tried++;
        const routing = res.status === 404 && res.body.code === 'GW_NOT_FOUND' && String(res.body.detail).startsWith('no such resource: ');
        if (!routing) wrong.push(`${r.method} ${path}: ${res.status} ${JSON.stringify(res.body).slice(0, 120)}`);
      }
    }
    expect(wrong).to.deep.equal([]);
    expect(tried).to.be.at.least(api.length * 6);
  });
});
