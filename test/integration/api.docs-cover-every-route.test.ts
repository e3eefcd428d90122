import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApp } from '../../gateway/api/app.js';
import { SigningKey } from '../../gateway/crypto/signing-key.js';
import { PACKAGE_ROOT } from '../../gateway/paths.js';
import { startTestGateway, testConfig } from '../support/gateway.js';

/** The parts of an Express 5 router layer this test reads (the `router` package's Layer). */
interface Layer {
  rawPath?: unknown;
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}

/** Every `METHOD /path` the app serves, with `:param` written as `{param}` as in the docs. */
function routesOf(stack: Layer[], prefix = ''): string[] {
  const out: string[] = [];
  for (const l of stack) {
    if (l.route) {
      const path = `${prefix}${l.route.path}`.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      for (const m of Object.keys(l.route.methods)) out.push(`${m.toUpperCase()} ${path}`);
    } else if (Array.isArray(l.handle.stack)) {
      out.push(...routesOf(l.handle.stack, prefix + (typeof l.rawPath === 'string' && l.rawPath !== '/' ? l.rawPath : '')));
    }
  }
  return out;
}

/** docs/api.md and the routes of the HTTP app name the same endpoints, in both directions. */
describe('api: docs/api.md covers every route', function () {
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let routes: string[];
  const doc = readFileSync(join(PACKAGE_ROOT, 'docs/api.md'), 'utf8');

  before(async () => {
    gw = await startTestGateway(testConfig());
    // with the signing option, as the server builds it (the key is never loaded here)
    const signing = { key: new SigningKey(join(gw.services.cfg.store.dataDir, 'unused.jwk.json'), false), issuer: () => `${gw.url}/` };
    const app = createApp(gw.services, { signing }) as unknown as { router: { stack: Layer[] } };
    routes = routesOf(app.router.stack);
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
