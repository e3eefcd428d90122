import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PullAgent } from '../../gateway/agent/agent.js';
import { validateAgentConfig } from '../../gateway/agent/config.js';
import { LAYOUT } from '../../certs-dev/files.js';
import { PKI_TIMEOUT_MS, requiredClientTls, testPki, type TestPki } from '../auth/pki-fixture.js';
import { requiredAuthConfig } from '../auth/oauth-fixture.js';
import { quietLog, startTestGateway, waitFor } from '../support/gateway.js';

/** The agent authenticates with the participant's client certificate (development PKI, auth.mode required). */
describe('pull agent over mTLS', function () {
  this.timeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), 'zsa-agent-mtls-'));
  let pki: TestPki;
  let gw: Awaited<ReturnType<typeof startTestGateway>>;

  before(async function () {
    this.timeout(PKI_TIMEOUT_MS);
    pki = await testPki();
    const cfg = requiredAuthConfig();
    cfg.server.tls = requiredClientTls(pki);
    gw = await startTestGateway(cfg);
    mkdirSync(join(dir, 'inbox'));
  });
  after(async () => {
    await gw?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const magdeburgAgent = (name: string, mailbox: string) =>
    new PullAgent(
      validateAgentConfig(
        {
          gateway: { url: gw.url, ca: join(pki.dir, LAYOUT.root), clientCert: { cert: join(pki.dir, LAYOUT.clientCert('magdeburg')), key: join(pki.dir, LAYOUT.clientKey('magdeburg')) }, waitSeconds: 1 },
          stateDir: join(dir, name),
          mailboxes: [{ mailbox, targets: [{ kind: 'folder', dir: join(dir, 'inbox') }] }],
        },
        dir,
      ),
      { log: quietLog() },
    );

  it('polls its own mailbox with the municipality\'s certificate', async () => {
    const agent = magdeburgAgent('own', 'fv-15003000-hund');
    await agent.start();
    try {
      await waitFor('a poll answered over mTLS', () => (agent.status.status.mailboxes['fv-15003000-hund']?.lastPollAt ? true : undefined));
      expect(agent.status.status.errors).to.deep.equal([]);
    } finally {
      expect(await agent.stop()).to.deep.equal({ reason: 'stopped' });
    }
  });

  it('is refused another municipality\'s mailbox: the certificate names Magdeburg, the mailbox is Halle\'s', async () => {
    const agent = magdeburgAgent('foreign', 'fv-15002000-hund');
    await agent.start();
    const end = await agent.done;
    expect(end.reason).to.equal('refused');
    expect(end.reason === 'refused' && end.message).to.contain('403 GW_FORBIDDEN').and.to.contain('fv-15002000-hund');
  });
});
