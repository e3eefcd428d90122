import { expect } from 'chai';
import type { Express } from 'express';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../gateway/paths.js';
import { startTestGateway, testConfig } from '../support/gateway.js';
import { appOf, servedRoutes } from '../support/served-routes.js';

/** Every `METHOD /path` the app serves, with `:param` written as `{param}` as in the docs. */
function routesOf(app: Express): string[] {
  return servedRoutes(app).map((r) => `${r.method} ${r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
}

/** docs/api.md and the routes of the HTTP app name the same endpoints, in both directions. */
describe('api: docs/api.md covers every route', function () {
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let routes: string[];
  const doc = readFileSync(join(PACKAGE_ROOT, 'docs/api.md'), 'utf8');

  before(async () => {
    gw = await startTestGateway(testConfig());
    routes = routesOf(appOf(gw));
  });
  after(() => gw?.stop());

  it('finds the routes (guards the walk over Express internals)', () => {
    expect(routes).to.include.members(['GET /health', 'GET /ready', 'POST /api/v1/messages', 'PUT /api/v1/admin/municipalities/{ags}/delegations/{service}']);
  });

  it('documents every route the app serves', () => {
    const missing = routes.filter((r) => !doc.includes(r));
    expect(missing, 'routes missing from docs/api.md').to.deep.equal([]);
  });

  it('documents no route the app does not serve', () => {
    const documented = [...doc.matchAll(/`(GET|POST|PUT|PATCH|DELETE) (\/[^`?\s]*)/g)].map((m) => `${m[1]} ${m[2]}`);
    expect(documented).to.not.be.empty;
    expect([...new Set(documented)].filter((d) => !routes.includes(d)), 'documented but not served').to.deep.equal([]);
  });
});
