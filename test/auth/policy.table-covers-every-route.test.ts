import { expect } from 'chai';
import { join } from 'node:path';
import { createApp } from '../../gateway/api/app.js';
import { SigningKey } from '../../gateway/crypto/signing-key.js';
import { ROUTE_RULES, ruleFor } from '../../gateway/auth/policy.js';
import { startTestGateway, testConfig } from '../support/gateway.js';

interface Layer {
  rawPath?: unknown;
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}
function routesOf(stack: Layer[], prefix = ''): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const l of stack) {
    if (l.route) for (const m of Object.keys(l.route.methods)) out.push([m.toUpperCase(), `${prefix}${l.route.path}`]);
    else if (Array.isArray(l.handle.stack)) out.push(...routesOf(l.handle.stack, prefix + (typeof l.rawPath === 'string' && l.rawPath !== '/' ? l.rawPath : '')));
  }
  return out;
}

/** A route without a row in the role table would be open to every authenticated role: none may exist. */
describe('auth: the role table names every /api/v1 route', () => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  before(async () => {
    gw = await startTestGateway(testConfig());
  });
  after(() => gw?.stop());

  it('has exactly one rule per route and no rule for a route that does not exist', () => {
    const signing = { key: new SigningKey(join(gw.services.cfg.store.dataDir, 'unused.jwk.json'), false), issuer: () => `${gw.url}/` };
    const app = createApp(gw.services, { signing }) as unknown as { router: { stack: Layer[] } };
    const api = routesOf(app.router.stack).filter(([, p]) => p.startsWith('/api/v1/')).map(([m, p]) => `${m} ${p.slice('/api/v1'.length)}`);
    expect(api.length).to.be.greaterThan(20);
    const table = ROUTE_RULES.map((r) => `${r.method} ${r.path}`);
    expect([...api].sort()).to.deep.equal([...table].sort());
  });

  it('matches concrete paths to their rule', () => {
    expect(ruleFor('GET', '/messages/abc/payload')?.rule.check).to.equal('payload');
    expect(ruleFor('POST', '/mailboxes/zsa-hund/messages/12/ack')?.params).to.deep.equal({ mailbox: 'zsa-hund', item: '12' });
    expect(ruleFor('DELETE', '/messages')).to.equal(undefined);
  });
});
