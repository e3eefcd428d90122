import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requiredAuthConfig } from '../auth/oauth-fixture.js';
import { signingKeys } from '../crypto/support.js';
import { runCli, show } from '../support/cli.js';
import { startTestGateway } from '../support/gateway.js';

const FORM = 'mappings/efa-hund-form-to-xzsa/fixtures/halle-ags-reduction-transfer.input.json';
const CREDENTIALS = { ZSA_GATEWAY_CLIENT_ID: 'efa-hund-lsa', ZSA_GATEWAY_CLIENT_SECRET: 'demo-efa-hund-secret' };
const SUELZETAL_DEST = '5a1c0e3e-3b0f-4f6a-9a51-150834900001';

/**
 * `zsa-gateway efa send` (the real CLI in a child process) against an in-process gateway with
 * `auth.mode: required`: the whole FIT-Connect sender flow and each documented exit code.
 */
describe('cli: efa send', function () {
  this.timeout(180_000);
  const tmp = mkdtempSync(join(tmpdir(), 'zsa-cli-efa-'));
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  const pdfA = join(tmp, 'ausweis.pdf');
  const pdfB = join(tmp, 'ausbildung.pdf');

  before(async () => {
    writeFileSync(pdfA, '%PDF-1.4 synthetic Schwerbehindertenausweis');
    writeFileSync(pdfB, '%PDF-1.4 synthetic Ausbildungsnachweis');
    gw = await startTestGateway(requiredAuthConfig());
  });
  after(async () => {
    await gw?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  const efa = (args: string[], env: Record<string, string> = CREDENTIALS) => runCli(['efa', 'send', FORM, '--url', gw.url, ...args], { env });

  it('sends a Hund form with two attachments to Halle (found by AGS), prints the case id and its verified events (exit 0)', async () => {
    const r = await efa(['--service', '99102013104000', '--ags', '15002000', '--attach', pdfA, '--attach', pdfB]);
    expect(r.code, show(r)).to.equal(0);
    expect(r.stdout).to.match(/destination 5a1c0e3e-3b0f-4f6a-9a51-150020000001 .*routing signature verified/);
    const caseId = /^case: ([0-9a-f-]{36})$/m.exec(r.stdout)?.[1];
    expect(caseId, r.stdout).to.be.a('string');
    expect(r.stdout).to.match(/create-submission\s+verified/);
    expect(r.stdout).to.match(/submit-submission\s+verified/);
    const stored = await gw.services.store.vorgang(caseId!);
    expect(stored.map((m) => m.messageType)).to.deep.equal(['hund.anmeldung.0101']);
    const message = await gw.services.store.getMessage(stored[0]!.id);
    expect(message?.attachments.map((a) => a.name).sort()).to.deep.equal(['ausbildung.pdf', 'ausweis.pdf']);

    const events = await runCli(['efa', 'events', caseId!, '--url', gw.url, '--json'], { env: CREDENTIALS });
    expect(events.code, show(events)).to.equal(0);
    const names = (JSON.parse(events.stdout) as Array<{ name: string; verified: boolean }>).map((e) => e.name);
    expect(names.slice(0, 2)).to.deep.equal(['create-submission', 'submit-submission']);
    const unknown = await runCli(['efa', 'events', randomUUID(), '--url', gw.url], { env: CREDENTIALS });
    expect(unknown.code, show(unknown)).to.equal(1);
    expect(unknown.stderr).to.include('problems/case-not-found');
  });

  it('exit 1: several destinations without --destination; the gateway\'s refusal with its problem type; no credentials', async () => {
    const several = await efa(['--service', '99102013104000', '--ags', '15083490']);
    expect(several.code, show(several)).to.equal(1);
    expect(several.stderr).to.include('choose one with --destination').and.include(SUELZETAL_DEST);

    const refused = await efa(['--service', '99102013104000', '--ags', '15083490', '--destination', SUELZETAL_DEST]);
    expect(refused.code, show(refused)).to.equal(1);
    expect(refused.stderr).to.include('refused at submit (HTTP 422)').and.include('problems/area-not-served');

    const anonymous = await efa(['--service', '99102013104000', '--ags', '15002000'], {});
    expect(anonymous.code, show(anonymous)).to.equal(1);
    expect(anonymous.stderr).to.include('HTTP 401');
  });

  it('exit 3 when the routing result is not signed by the pinned key; exit 2 for a malformed LeiKa key', async () => {
    const jwks = join(tmp, 'routing-jwks.json');
    writeFileSync(jwks, JSON.stringify({ keys: [signingKeys('cli-efa-foreign').publicJwk] }));
    const untrusted = await efa(['--service', '99102013104000', '--ags', '15002000', '--routing-jwks', jwks]);
    expect(untrusted.code, show(untrusted)).to.equal(3);
    expect(untrusted.stderr).to.match(/^untrusted \(route\./);

    const bad = await efa(['--service', '12345', '--ags', '15002000']);
    expect(bad.code, show(bad)).to.equal(2);
    expect(bad.stderr).to.include('--service must be a LeiKa key');
  });
});
