import { expect } from 'chai';
import { Command } from 'commander';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEV_LABEL, LAYOUT } from '../../certs-dev/generate.js';
import { crlDersOf, parseCrlDer, certificatesOf } from '../../gateway/auth/crl.js';
import { defaultCertsDir, participantsOf, registerCertsCommands } from '../../gateway/cli/certs.js';
import { PACKAGE_ROOT } from '../../gateway/paths.js';
import { PKI_TIMEOUT_MS } from './pki-fixture.js';
import { testConfig } from '../support/gateway.js';

/** A configuration with one participant, so `certs init` stays quick. */
const ONE_PARTICIPANT = `
participants:
  - { id: magdeburg, kind: municipality, kennung: "ags:15003000", name: "Magdeburg (Test)" }
endpoints:
  - { id: zsa-hund, connector: mailbox, config: { mailbox: zsa-hund } }
services:
  - { id: hund, name: "Hund", leika: ["99102013104000"], zsaEndpoint: zsa-hund }
routes:
  - { name: hund, match: { messageType: hund.anmeldung.0101 }, targets: [{ to: zsa }] }
`;

/** Runs `zsa-gateway certs …` in process and returns what it printed. */
async function certs(...args: string[]): Promise<string> {
  const program = new Command().exitOverride();
  registerCertsCommands(program);
  const printed: string[] = [];
  const original = console.log;
  console.log = (...a: unknown[]) => void printed.push(a.map(String).join(' '));
  try {
    await program.parseAsync(['certs', ...args], { from: 'user' });
  } finally {
    console.log = original;
  }
  return printed.join('\n');
}

describe('zsa-gateway certs init / revoke', function () {
  let dir: string;
  let out: string;
  let config: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'zsa-cli-certs-'));
    out = join(dir, 'pki');
    config = join(dir, 'one.yaml');
    writeFileSync(config, ONE_PARTICIPANT);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the participants of the demo configuration by default and writes to the git-ignored certs-dev/out', () => {
    const { participants } = participantsOf(undefined, {});
    expect(participants.map((p) => p.id)).to.deep.equal(testConfig().participants.map((p) => p.id)); // system participants, the demo operator and admin
    expect(participants[0]).to.deep.equal({ id: 'efa-hund-lsa', kind: 'efa-service', kennung: 'efa:hund-lsa' });
    expect(defaultCertsDir({})).to.equal(join(PACKAGE_ROOT, 'certs-dev', 'out'));
    expect(defaultCertsDir({ ZSA_CERTS_DIR: '/elsewhere' })).to.equal('/elsewhere');
    expect(readFileSync(join(PACKAGE_ROOT, '.gitignore'), 'utf8').split('\n')).to.include('certs-dev/out/');
  });

  it('init generates the PKI for the configured participants, lists the files and prints the warning', async function () {
    this.timeout(PKI_TIMEOUT_MS);
    const printed = await certs('init', '--out', out, '--config', config);
    expect(printed).to.contain(`development PKI for 1 participants`);
    expect(printed).to.contain(`wrote ${LAYOUT.clientCert('magdeburg')}`);
    expect(printed).to.contain(`wrote ${LAYOUT.encPrivate('magdeburg')}`);
    expect(printed).to.match(/7 RSA keys in \d+ ms/);
    expect(printed).to.contain(`WARNING: ${DEV_LABEL}`);
    expect(existsSync(join(out, LAYOUT.gatewayJwks))).to.equal(true);
  });

  it('init refuses to overwrite an existing PKI without --force', async () => {
    let refused: unknown;
    await certs('init', '--out', out, '--config', config).catch((e: unknown) => (refused = e));
    expect(String(refused)).to.contain('already holds a development PKI; use --force');
  });

  it('revoke puts the participant on the CRL and says so; an unknown participant is an error', async () => {
    const printed = await certs('revoke', 'magdeburg', '--out', out);
    expect(printed).to.match(/^revoked magdeburg \(serial [0-9A-F]+\); .* is now CRL number 2/);
    const list = parseCrlDer(crlDersOf(readFileSync(join(out, LAYOUT.crl), 'utf8'))[0]!, certificatesOf(readFileSync(join(out, LAYOUT.chain), 'utf8')));
    expect([...list.revoked.keys()]).to.have.length(1);
    expect(await certs('revoke', 'magdeburg', '--out', out)).to.contain('was already revoked');
    let refused: unknown;
    await certs('revoke', 'nobody', '--out', out).catch((e: unknown) => (refused = e));
    expect(String(refused)).to.contain('no client certificate for participant "nobody"');
  });
});
