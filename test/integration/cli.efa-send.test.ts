import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { issueBescheid } from '../../gateway/demo/simulators/bescheid.js';
import { firstYearInstalments } from '../../gateway/demo/simulators/dog-tax.js';
import { freigabe } from '../../gateway/demo/xzsa.js';
import { requiredAuthConfig, tokenFor } from '../auth/oauth-fixture.js';
import { encryptionKeys, signingKeys } from '../crypto/support.js';
import { runCli, show } from '../support/cli.js';
import { startTestGateway, waitFor } from '../support/gateway.js';
import { hundSteuerfestsetzung } from '../support/xzsa-fixtures.js';

const FORM = 'mappings/efa-hund-form-to-xzsa/fixtures/halle-ags-reduction-transfer.input.json';
const CREDENTIALS = { ZSA_GATEWAY_CLIENT_ID: 'efa-hund-lsa', ZSA_GATEWAY_CLIENT_SECRET: 'demo-efa-hund-secret' };
const SUELZETAL_DEST = '5a1c0e3e-3b0f-4f6a-9a51-150834900001';
const MAGDEBURG_DEST = '5a1c0e3e-3b0f-4f6a-9a51-150030000001';
const uuidOf = (xml: string) => /<xzsab:nachrichtenUUID>([^<]+)</.exec(xml)![1]!;

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
  it('efa replies: the released Bescheid comes back on the case, decrypted with the reply key, its PDF saved and checked, then acknowledged', async () => {
    const keys = encryptionKeys('cli-efa-reply');
    const pub = join(tmp, 'reply.public.jwk.json');
    const priv = join(tmp, 'reply.private.jwk.json');
    writeFileSync(pub, JSON.stringify(keys.publicJwk));
    writeFileSync(priv, JSON.stringify(keys.privateJwk));
    const sent = await runCli(['efa', 'send', 'mappings/efa-hund-form-to-xzsa/fixtures/magdeburg-ars-sepa.input.json', '--url', gw.url, '--service', '99102013104000', '--ags', '15003000', '--destination', MAGDEBURG_DEST, '--reply-key', pub], { env: CREDENTIALS });
    expect(sent.code, show(sent)).to.equal(0);
    const caseId = /^case: ([0-9a-f-]{36})$/m.exec(sent.stdout)![1]!;
    // the ZSA drafts, Magdeburg releases with its PDF (Verwaltungshelfer rule), the release goes to the citizen's service
    const post = (token: string, xml: string, pdf?: { name: string; bytes: Buffer }) => {
      let req = request(gw.url).post('/api/v1/messages').set('authorization', `Bearer ${token}`).field('message', xml);
      if (pdf) req = req.attach('attachment', pdf.bytes, { filename: pdf.name, contentType: 'application/pdf' });
      return req;
    };
    const anmeldung = (await gw.services.store.vorgang(caseId))[0]!;
    const draft = hundSteuerfestsetzung({ ags: '15003000', vorgangId: caseId, anmeldungUuid: anmeldung.messageUuid, author: 'zsa:lsa', reader: 'fv:15003000-hund' });
    expect((await post(await tokenFor(gw.url, 'zsa-lsa'), draft)).status).to.equal(202);
    const { data, dokument } = await issueBescheid(
      { gemeinde: 'Landeshauptstadt Magdeburg', dienststelle: 'Steueramt (Demo)', sachbearbeitung: 'Demo-Sachbearbeitung', ags: '15003000' },
      { vorgangId: caseId, bescheidnummer: 'HST-MD-2025-CLI', kassenzeichen: 'HST-MD-2025-CLI', bescheiddatum: '2025-03-10', jahresbetrag: '96.00', festsetzungAb: '2025-03-01', instalments: firstYearInstalments(9600, '2025-03-01') },
    );
    const head = { uuid: randomUUID(), vorgangId: caseId, leika: '99102013104000', ags: '15003000', author: 'fv:15003000-hund', reader: 'efa:hund-lsa' };
    const release = freigabe(head, { entwurfUuid: uuidOf(draft), bescheid: data, dokument, durch: 'Demo-Sachbearbeitung', organisation: 'Steueramt (Demo)' });
    const r = await post(await tokenFor(gw.url, 'fv-15003000-hund'), release, { name: dokument.dateiname, bytes: dokument.bytes });
    expect(r.status, r.text).to.equal(202);
    await waitFor('release in the sender mailbox', async () => ((await gw.services.store.vorgang(caseId)).some((m) => m.messageType === 'hund.freigabe.0103' && m.state === 'in_mailbox') ? true : undefined));

    const out = join(tmp, 'replies');
    const replies = await runCli(['efa', 'replies', caseId, '--url', gw.url, '--reply-key', priv, '--out', out, '--ack', '--json'], { env: CREDENTIALS });
    expect(replies.code, show(replies)).to.equal(0);
    const listed = JSON.parse(replies.stdout) as Array<{ replyId: string; messageType: string; checked: boolean; acknowledged: boolean; attachments: Array<{ filename: string; mimeType: string }> }>;
    expect(listed.map((x) => [x.messageType, x.checked, x.acknowledged])).to.deep.equal([['hund.freigabe.0103', true, true]]);
    expect(listed[0]!.attachments.map((a) => a.mimeType)).to.deep.equal(['application/pdf']);
    expect(readFileSync(join(out, listed[0]!.replyId, listed[0]!.attachments[0]!.filename)).equals(dokument.bytes)).to.equal(true);
    expect(readFileSync(join(out, listed[0]!.replyId, 'data.xml'), 'utf8')).to.contain(dokument.sha512);
    // acknowledged: the release is delivered, nothing is left to read
    expect((await gw.services.store.vorgang(caseId)).find((m) => m.messageType === 'hund.freigabe.0103')!.state).to.equal('delivered');
    const again = await runCli(['efa', 'replies', caseId, '--url', gw.url, '--reply-key', priv], { env: CREDENTIALS });
    expect(again.code, show(again)).to.equal(0);
    expect(again.stdout).to.include(`no replies on case ${caseId}`);
    // a key that is not the reply key: the reply does not decrypt (exit 3), checked on a fresh case would need a new reply; here the wrong key file is refused as unreadable JSON
    const wrong = await runCli(['efa', 'replies', caseId, '--url', gw.url, '--reply-key', join(tmp, 'missing.jwk.json')], { env: CREDENTIALS });
    expect(wrong.code, show(wrong)).to.equal(2);
  });
});
