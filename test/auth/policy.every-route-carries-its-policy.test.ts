import { expect } from 'chai';
import { apiRouter, route } from '../../gateway/api/route.js';
import { startTestGateway, testConfig } from '../support/gateway.js';
import { appOf, servedRoutes, type ServedRoute } from '../support/served-routes.js';

/**
 * Routes served without authentication, on purpose (the UI's sign-in form, its redirect and its
 * two static files among them); anything else must be an /api/v1, /ui or FIT-Connect route with its guard.
 */
const PUBLIC = [
  'GET /health', 'GET /ready', 'POST /token', 'GET /.well-known/jwks.json', 'GET /api/openapi.yaml', 'GET /api/docs', 'GET /api/docs/:asset',
  'GET /ui', 'GET /ui/login', 'POST /ui/login', 'GET /ui/assets/:file',
  'GET /fit-connect/.well-known/jwks.json',
  // the FIT-Connect Routing API is public like FITKO's, each route with its per-address limit (ADR 0028)
  'GET /fit-connect/routing/v1/routes', 'GET /fit-connect/routing/v1/areas', 'GET /fit-connect/routing/v1/info', 'GET /fit-connect/routing/.well-known/jwks.json',
  // the XTA 2 WSDL, public like the API contract (ADR 0040)
  'GET /xta',
];
/** The FIT-Connect-compatible API of the demo configuration (fitConnect.basePath, ADR 0027). */
const FIT = '/fit-connect';
/** The XTA 2 web service of the demo configuration (xta.basePath, ADR 0040): its SOAP ports are routes with policies. */
const XTA = '/xta';
/** Outside /api/v1 but authenticated and guarded by its own policy (ADR 0029). */
const GUARDED_OUTSIDE = ['GET /metrics'];
/** The prefixes whose routes are declared with a policy (gateway/api/route.ts): the API and the monitoring UI. */
const GUARDED = ['/api/v1', '/ui'];
const guardedPrefix = (path: string) => GUARDED.find((p) => path.startsWith(`${p}/`));
const guarded = (r: ServedRoute) =>
  !PUBLIC.includes(`${r.method} ${r.path}`) && (guardedPrefix(r.path) !== undefined || r.path.startsWith(`${FIT}/v1/`) || r.path.startsWith(`${XTA}/`) || GUARDED_OUTSIDE.includes(`${r.method} ${r.path}`));

/** Every route Express serves below /api/v1 runs the guard of its own policy first (ADR 0014): none can be served without one. */
describe('auth: every served /api/v1 route carries its own policy', () => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let served: ServedRoute[];
  before(async () => {
    gw = await startTestGateway(testConfig());
    served = servedRoutes(appOf(gw));
  });
  after(() => gw?.stop());

  it('finds the API routes (guards the walk over Express internals)', () => {
    const api = served.filter((r) => r.path.startsWith('/api/v1/'));
    expect(api.map((r) => `${r.method} ${r.path}`)).to.include.members(['POST /api/v1/messages', 'GET /api/v1/messages/:id/payload', 'POST /api/v1/admin/break-glass', 'GET /api/v1/messages/:id/receipt']);
  });

  it('serves nothing outside /api/v1, /ui, the FIT-Connect API, the XTA ports and the guarded Prometheus scrape but the public probes, the token endpoint, the JWKS, the API contract with its docs, the WSDL, the UI sign-in and the Routing API', () => {
    const outside = served.filter((r) => !guarded(r)).map((r) => `${r.method} ${r.path}`);
    expect([...outside].sort()).to.deep.equal([...PUBLIC].sort());
  });

  it('runs the guard of its own policy first on GET /metrics (operator, admin), and answers other methods with the 405 responder', () => {
    const metrics = served.filter((r) => GUARDED_OUTSIDE.includes(`${r.method} ${r.path}`));
    expect(metrics.map((r) => [r.guardFor, r.policy && [...r.policy.roles], r.allHandler])).to.deep.equal([['GET /metrics', ['operator', 'admin'], 'methodNotAllowed']]);
  });

  it('runs, first on every /api/v1 and /ui route, the guard built for exactly that method and path, and answers other methods with the 405 responder', () => {
    const api = served.filter((r) => guardedPrefix(r.path) && !PUBLIC.includes(`${r.method} ${r.path}`));
    expect(api.filter((r) => r.path.startsWith('/ui/')).length, 'UI routes found').to.be.greaterThan(5);
    const wrong = api.filter((r) => r.guardFor !== `${r.method} ${r.path.slice(guardedPrefix(r.path)!.length)}` || !r.policy || r.policy.roles.length === 0 || r.allHandler !== 'methodNotAllowed');
    expect(wrong.map((r) => `${r.method} ${r.path} guard=${r.guardFor ?? 'none'} all=${r.allHandler ?? 'none'}`)).to.deep.equal([]);
  });

  it('runs, first on every FIT-Connect route, the guard built for exactly that method and path', () => {
    const fit = served.filter((r) => r.path.startsWith(`${FIT}/v1/`));
    expect(fit.map((r) => `${r.method} ${r.path}`)).to.include.members([`POST ${FIT}/v1/submissions`, `PUT ${FIT}/v1/submissions/:submissionId`, `GET ${FIT}/v1/cases/:caseId/events`]);
    const wrong = fit.filter((r) => r.guardFor !== `${r.method} ${r.path.slice(FIT.length)}` || !r.policy || r.policy.roles.length === 0 || r.allHandler !== 'methodNotAllowed');
    expect(wrong.map((r) => `${r.method} ${r.path} guard=${r.guardFor ?? 'none'}`)).to.deep.equal([]);
  });

  it('runs, first on every XTA port, the guard built for exactly that method and path (the parties)', () => {
    const xta = served.filter((r) => r.path.startsWith(`${XTA}/`));
    expect(xta.map((r) => `${r.method} ${r.path}`).sort()).to.deep.equal([`POST ${XTA}/recipient`, `POST ${XTA}/sender`, `POST ${XTA}/transport-base`]);
    const wrong = xta.filter((r) => r.guardFor !== `${r.method} ${r.path.slice(XTA.length)}` || !r.policy || r.policy.roles.length === 0 || r.allHandler !== 'methodNotAllowed');
    expect(wrong.map((r) => `${r.method} ${r.path} guard=${r.guardFor ?? 'none'}`)).to.deep.equal([]);
  });

  it('refuses at declaration a path that is not lower-case literals and :params, a policy without roles, and a check without its parameter', () => {
    const h = () => undefined;
    for (const bad of ['/Messages', '/messages/', '//messages', 'messages', '/messages/:id/Payload', '/a/*', '/a/:id?', '/a/{x}']) {
      expect(() => route('GET', bad, { roles: ['admin'], check: 'none' }, h), bad).to.throw(/lower-case literals/);
    }
    expect(() => route('GET', '/x', { roles: [] as unknown as ['admin'], check: 'none' }, h)).to.throw(/at least one role/);
    expect(route('GET', '/messages/:id/payload', { roles: ['admin'], check: 'payload' }, h).path).to.equal('/messages/:id/payload');
    expect(() => route('GET', '/messages/:key', { roles: ['admin'], check: 'message' }, h)).to.throw(/needs the path parameter :id/);
    expect(() => route('POST', '/fetch', { roles: ['zsa'], check: 'mailbox' }, h)).to.throw(/needs the path parameter :mailbox/);
  });

  it('refuses at start a method and path declared twice', () => {
    const h = () => undefined;
    const twice = [route('GET', '/x', { roles: ['admin'], check: 'none' }, h), route('GET', '/x', { roles: ['operator'], check: 'none' }, h)];
    expect(() => apiRouter(twice, { cfg: gw.services.cfg, store: gw.services.store, grants: undefined as never, log: gw.services.log })).to.throw(/declared twice/);
  });
});
