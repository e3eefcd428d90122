import { expect } from 'chai';
import { requiredAuthConfig } from '../auth/oauth-fixture.js';
import { runCli, show } from '../support/cli.js';
import { startTestGateway } from '../support/gateway.js';

/** The CLI presents credentials (token, client credentials); the gateway decides. */
describe('auth: CLI credentials against a gateway with auth.mode required', function () {
  this.timeout(120_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  before(async () => {
    gw = await startTestGateway(requiredAuthConfig());
  });
  after(() => gw?.stop());

  it('`token` prints an access token; a wrong secret exits 2 naming invalid_client', async () => {
    const ok = await runCli(['token', '--client-id', 'admin', '--client-secret', 'demo-admin-secret', '--url', gw.url]);
    expect(ok.code, show(ok)).to.equal(0);
    expect(ok.stdout.trim()).to.match(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const bad = await runCli(['token', '--client-id', 'admin', '--client-secret', 'nope', '--url', gw.url]);
    expect(bad.code, show(bad)).to.equal(2);
    expect(bad.stderr).to.contain('invalid_client');
  });

  it('without credentials the gateway answers 401; with --client-id/--client-secret or a token the role decides', async () => {
    const none = await runCli(['delegation', 'list', '--url', gw.url]);
    expect(none.code, show(none)).to.equal(2);
    expect(none.stderr).to.contain('GW_UNAUTHENTICATED');
    const muni = await runCli(['delegation', 'list', '--url', gw.url, '--client-id', 'magdeburg', '--client-secret', 'demo-magdeburg-secret']);
    expect(muni.code, show(muni)).to.equal(2);
    expect(muni.stderr).to.contain('GW_FORBIDDEN');
    const token = (await runCli(['token', '--client-id', 'betrieb', '--client-secret', 'demo-operator-secret', '--url', gw.url])).stdout.trim();
    const viaOption = await runCli(['delegation', 'list', '--url', gw.url, '--token', token]);
    expect(viaOption.code, show(viaOption)).to.equal(0);
    const viaEnv = await runCli(['messages', 'list', '--url', gw.url], { env: { ZSA_GATEWAY_TOKEN: token } });
    expect(viaEnv.code, show(viaEnv)).to.equal(0);
  });
});
