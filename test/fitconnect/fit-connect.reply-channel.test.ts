import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify, type JWK } from 'jose';
import request from 'supertest';
import { issueBescheid } from '../../gateway/demo/simulators/bescheid.js';
import { firstYearInstalments } from '../../gateway/demo/simulators/dog-tax.js';
import { freigabe } from '../../gateway/demo/xzsa.js';
import { acknowledgeReply, fetchReply, listReplies, ReplyError, type ReplyClient } from '../../gateway/fitconnect/client/replies.js';
import { requiredAuthConfig, testTokenFor, tokenFor, withTestClients } from '../auth/oauth-fixture.js';
import { encryptionKeys } from '../crypto/support.js';
import { startTestGateway, waitFor } from '../support/gateway.js';
import { hundSteuerfestsetzung, wohngeldNachforderung } from '../support/xzsa-fixtures.js';
import { call as call0, EVENT, MAGDEBURG, PROBLEM, send as send0, sha512, type Knobs } from './sender.js';

const WITTENBERG = '5a1c0e3e-3b0f-4f6a-9a51-150910000001';
const MD = '15003000'; // Magdeburg delegates Hund end to end (e2e) to the ZSA
const HUND_LEIKA = '99102013104000';
const uuidOf = (xml: string) => /<xzsab:nachrichtenUUID>([^<]+)</.exec(xml)![1]!;

/**
 * The reply channel (Rückkanal, ADR 0033) over real HTTP and real crypto: a Hund application
 * sent over FIT-Connect to Magdeburg (delegated to the ZSA) ends with the municipality's
 * released Bescheid as a reply the sender decrypts with its own reply key, PDF included; a
 * Wohngeld application's Nachforderung comes back the same way. The client functions used
 * here (gateway/fitconnect/client/replies.ts) import no gateway code.
 */
describe('FIT-Connect reply channel: Bescheid and Nachforderung back to the online service', function () {
  this.timeout(240_000);
  const replyKeys = encryptionKeys('efa-hund-reply');
  const otherKeys = encryptionKeys('efa-other-reply');
  const keyDir = mkdtempSync(join(tmpdir(), 'zsa-fit-reply-keys-'));
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let base: string;
  let hund: string;

  before(async () => {
    const cfg = await withTestClients(requiredAuthConfig(), ['efa-wohngeld-lsa', 'fv-15091000-wohngeld']);
    // the Wohngeld service has a registered key (participants[].encryptionKey); the Hund service has none
    const file = join(keyDir, 'efa-wohngeld.jwk.json');
    writeFileSync(file, JSON.stringify(otherKeys.publicJwk));
    cfg.participants = cfg.participants.map((p) => (p.id === 'efa-wohngeld-lsa' ? { ...p, encryptionKey: file } : p));
    gw = await startTestGateway(cfg);
    base = `${gw.url}/fit-connect`;
    hund = await tokenFor(gw.url, 'efa-hund-lsa');
  });
  after(async () => {
    await gw?.stop();
    rmSync(keyDir, { recursive: true, force: true });
  });

  const client = (token: string): ReplyClient => ({ base, token });
  const replyChannel = (key: JWK) => ({ fitConnect: { processStandards: ['urn:xoev-de:xzsa:standard:xzsa_1.1'], encryptionPublicKey: key } });
  const post = (token: string, xml: string, pdf?: { name: string; bytes: Buffer }) => {
    let req = request(gw.url).post('/api/v1/messages').set('authorization', `Bearer ${token}`).field('message', xml);
    if (pdf) req = req.attach('attachment', pdf.bytes, { filename: pdf.name, contentType: 'application/pdf' });
    return req;
  };

  /** A Hund application to Magdeburg over FIT-Connect, then the ZSA's draft and Magdeburg's release with its PDF. */
  async function hundCaseWithBescheid(k: Knobs = {}) {
    const form = Buffer.from(readFileSync('mappings/efa-hund-form-to-xzsa/fixtures/magdeburg-ars-sepa.input.json'));
    const sent = await send0(base, hund, { form, ...k }, MAGDEBURG);
    expect(sent.submit!.status, sent.submit!.text).to.equal(202);
    const caseId = sent.caseId!;
    const anmeldung = (await gw.services.store.vorgang(caseId))[0]!;
    const zsa = await tokenFor(gw.url, 'zsa-lsa');
    const draft = hundSteuerfestsetzung({ ags: MD, vorgangId: caseId, anmeldungUuid: anmeldung.messageUuid, author: 'zsa:lsa', reader: `fv:${MD}-hund` });
    const d = await post(zsa, draft);
    expect(d.status, d.text).to.equal(202);
    const issuer = { gemeinde: 'Landeshauptstadt Magdeburg', dienststelle: 'Steueramt (Demo)', sachbearbeitung: 'Demo-Sachbearbeitung', ags: MD };
    const { data, dokument } = await issueBescheid(issuer, {
      vorgangId: caseId, bescheidnummer: `HST-MD-2025-${caseId.slice(0, 6)}`, kassenzeichen: `HST-MD-2025-${caseId.slice(0, 6)}`, bescheiddatum: '2025-03-10',
      jahresbetrag: '96.00', festsetzungAb: '2025-03-01', instalments: firstYearInstalments(9600, '2025-03-01'),
    });
    const head = { uuid: randomUUID(), vorgangId: caseId, leika: HUND_LEIKA, ags: MD, author: `fv:${MD}-hund`, reader: 'efa:hund-lsa' };
    const xml = freigabe(head, { entwurfUuid: uuidOf(draft), bescheid: data, dokument, durch: 'Demo-Sachbearbeitung', organisation: 'Steueramt (Demo)' });
    const r = await post(await tokenFor(gw.url, 'fv-15003000-hund'), xml, { name: dokument.dateiname, bytes: dokument.bytes });
    expect(r.status, r.text).to.equal(202);
    await waitFor('release in the sender mailbox', async () => ((await gw.services.store.vorgang(caseId)).some((m) => m.messageType === 'hund.freigabe.0103' && m.state === 'in_mailbox') ? true : undefined));
    return { caseId, pdf: dokument, releaseUuid: head.uuid };
  }

  it('brings the released Hund Bescheid back as a reply: the sender decrypts it with its reply key, the PDF hash matches, the events are signed', async () => {
    const { caseId, pdf } = await hundCaseWithBescheid({ replyChannel: replyChannel(replyKeys.publicJwk) });
    const replies = await listReplies(client(hund), caseId);
    expect(replies.map((r) => r.messageType)).to.deep.equal(['hund.freigabe.0103']);
    expect(await listReplies(client(hund), caseId), 'listing again keeps the reply id').to.deep.equal(replies);
    // paged like the submission list: offset/limit, count of the page, totalCount of all
    const first = await call0(base, hund, 'GET', `/v1/cases/${caseId}/replies?limit=1&offset=0`);
    expect([first.json.count, first.json.offset, first.json.totalCount, first.json.replies.map((r: { replyId: string }) => r.replyId)]).to.deep.equal([1, 0, 1, [replies[0]!.replyId]]);
    const beyond = await call0(base, hund, 'GET', `/v1/cases/${caseId}/replies?offset=1`);
    expect([beyond.json.count, beyond.json.offset, beyond.json.totalCount, beyond.json.replies]).to.deep.equal([0, 1, 1, []]);
    const tooMany = await call0(base, hund, 'GET', `/v1/cases/${caseId}/replies?limit=501`);
    expect([tooMany.status, tooMany.json.errors?.[0]?.path]).to.deep.equal([400, 'query.limit']);
    const opened = await fetchReply(client(hund), replies[0]!.replyId, replyKeys.privateJwk);
    expect(opened.caseId).to.equal(caseId);
    expect(opened.destinationId).to.equal(MAGDEBURG);
    expect(opened.schemaUri).to.equal('urn:zsa-gateway:fit-connect:reply:hund.freigabe.0103');
    const xml = opened.data.toString('utf8');
    expect(xml).to.contain('hund.freigabe.0103').and.contain(pdf.sha512);
    expect(opened.attachments).to.have.length(1);
    expect(opened.attachments[0]!.mimeType).to.equal('application/pdf');
    expect(sha512(opened.attachments[0]!.bytes)).to.equal(pdf.sha512);
    expect(opened.attachments[0]!.bytes.equals(pdf.bytes)).to.equal(true);

    await acknowledgeReply(client(hund), opened.replyId);
    // one delivery state: the mailbox item is closed, the message delivered, the reply no longer handed out
    const release = (await gw.services.store.vorgang(caseId)).find((m) => m.messageType === 'hund.freigabe.0103')!;
    expect(release.state).to.equal('delivered');
    expect(await listReplies(client(hund), caseId)).to.deep.equal([]);
    const again = await call0(base, hund, 'GET', `/v1/replies/${opened.replyId}`);
    expect(again.status).to.equal(404);
    expect(again.json.type).to.equal(`${PROBLEM}reply-not-found`);
    expect((await call0(base, hund, 'POST', `/v1/replies/${opened.replyId}/accept`)).status, 'a second acknowledgement').to.equal(404);

    const jwks = createLocalJWKSet((await (await fetch(`${base}/.well-known/jwks.json`)).json()) as { keys: JWK[] });
    const log = (await call0(base, hund, 'GET', `/v1/cases/${caseId}/events`)).json.eventLog as string[];
    const onePage = (await call0(base, hund, 'GET', `/v1/cases/${caseId}/events?limit=1&offset=1`)).json;
    expect([onePage.count, onePage.offset, onePage.totalCount, onePage.eventLog]).to.deep.equal([1, 1, log.length, [log[1]]]);
    const claims = await Promise.all(log.map(async (t) => (await jwtVerify(t, jwks, { typ: 'secevent+jwt', algorithms: ['PS512'] })).payload));
    const replyEvents = claims.filter((c) => String(c.sub).startsWith('reply:'));
    expect(replyEvents.map((c) => Object.keys(c['events'] as object)[0])).to.deep.equal([`${EVENT}submit-reply`, `${EVENT}accept-reply`]);
    expect(replyEvents.every((c) => c.sub === `reply:${opened.replyId}` && c['txn'] === `case:${caseId}`)).to.equal(true);
  });

  it('brings a Wohngeld Nachforderung back as a reply, encrypted to the sender\'s registered key when its metadata name none', async () => {
    const form = JSON.parse(readFileSync('mappings/efa-wohngeld-form-to-xzsa/fixtures/family-ars-two-incomes.input.json', 'utf8')) as { form: { id: string }; evidence: Array<{ sha512: string; size: number }> };
    form.form.id = 'S99107023037000-FORM';
    const files: [Buffer, Buffer] = [Buffer.from('%PDF-1.4 synthetic Mietvertrag'), Buffer.from('%PDF-1.4 synthetic Lohnabrechnung')];
    form.evidence.forEach((e, i) => Object.assign(e, { sha512: sha512(files[i]!), size: files[i]!.length }));
    const wohngeld = await testTokenFor(gw.url, 'efa-wohngeld-lsa');
    const sent = await send0(base, wohngeld, {
      form: Buffer.from(JSON.stringify(form)), identifier: 'urn:de:fim:leika:leistung:99107023037000', schemaUri: 'urn:zsa-gateway:fit-connect:submission-schema:wohngeld-antrag:2.0', attachments: files,
    }, WITTENBERG);
    expect(sent.submit!.status, sent.submit!.text).to.equal(202);
    const antrag = (await gw.services.store.vorgang(sent.caseId!))[0]!;
    // Wittenberg delegates only the completeness check: its Fachverfahren asks the citizen for what is missing
    const nf = wohngeldNachforderung({ ags: '15091000', vorgangId: sent.caseId!, antragUuid: antrag.messageUuid, author: 'fv:15091000-wohngeld', reader: 'efa:wohngeld-lsa' });
    const r = await post(await testTokenFor(gw.url, 'fv-15091000-wohngeld'), nf);
    expect(r.status, r.text).to.equal(202);
    await waitFor('Nachforderung in the sender mailbox', async () => ((await gw.services.store.vorgang(sent.caseId!)).some((m) => m.messageType === 'wohngeld.nachforderung.0203' && m.state === 'in_mailbox') ? true : undefined));
    const [reply] = await listReplies(client(wohngeld), sent.caseId!);
    expect(reply?.messageType).to.equal('wohngeld.nachforderung.0203');
    // the Hund service's reply key does not open it; the Wohngeld service's registered key does
    const wrongKey = await fetchReply(client(wohngeld), reply!.replyId, replyKeys.privateJwk).catch((e: unknown) => e);
    expect(wrongKey).to.be.instanceOf(ReplyError).and.have.property('type', 'decryption-failed');
    const opened = await fetchReply(client(wohngeld), reply!.replyId, otherKeys.privateJwk);
    expect(opened.data.toString('utf8')).to.contain('wohngeld.nachforderung.0203').and.contain(uuidOf(nf));
    expect(opened.attachments).to.deep.equal([]);
    await acknowledgeReply(client(wohngeld), reply!.replyId);
    expect(await listReplies(client(wohngeld), sent.caseId!)).to.deep.equal([]);
  });

  it('keeps one delivery state: a reply acknowledged through the mailbox API is closed here, and a reply leased there waits', async () => {
    const { caseId } = await hundCaseWithBescheid({ replyChannel: replyChannel(replyKeys.publicJwk) });
    const [reply] = await listReplies(client(hund), caseId);
    const item = (await gw.services.store.mailboxList('efa-hund-lsa', 500)).find((i) => i.vorgangId === caseId)!;
    const fetched = await request(gw.url).post(`/api/v1/mailboxes/efa-hund-lsa/fetch?item=${item.id}`).set('authorization', `Bearer ${hund}`);
    expect(fetched.status).to.equal(200);
    // leased through the mailbox: not listed, and not acknowledged from this side meanwhile
    expect(await listReplies(client(hund), caseId)).to.deep.equal([]);
    const busy = await call0(base, hund, 'POST', `/v1/replies/${reply!.replyId}/accept`);
    expect(busy.status).to.equal(409);
    const ack = await request(gw.url).post(`/api/v1/mailboxes/efa-hund-lsa/messages/${item.id}/ack`).set('authorization', `Bearer ${hund}`).send({ leaseToken: fetched.headers['x-lease-token'] });
    expect(ack.status, ack.text).to.equal(200);
    const gone = await call0(base, hund, 'GET', `/v1/replies/${reply!.replyId}`);
    expect(gone.status, 'acknowledged in the mailbox: not handed out again as a reply').to.equal(404);
    expect(await listReplies(client(hund), caseId)).to.deep.equal([]);
  });

  it('hands no reply to another sender: its case ids, reply ids and attachment ids all answer not found', async () => {
    const { caseId } = await hundCaseWithBescheid({ replyChannel: replyChannel(replyKeys.publicJwk) });
    const [reply] = await listReplies(client(hund), caseId);
    const other = await testTokenFor(gw.url, 'efa-wohngeld-lsa');
    const list = await call0(base, other, 'GET', `/v1/cases/${caseId}/replies`);
    expect(list.status).to.equal(404);
    expect(list.json.type).to.equal(`${PROBLEM}case-not-found`);
    for (const path of [`/v1/replies/${reply!.replyId}`, `/v1/replies/${reply!.replyId.toUpperCase()}`, `/v1/replies/${reply!.replyId}/attachments/${randomUUID()}`]) {
      const got = await call0(base, other, 'GET', path);
      expect(got.status, path).to.equal(404);
      expect(got.json.type, path).to.equal(`${PROBLEM}reply-not-found`);
    }
    expect((await call0(base, other, 'POST', `/v1/replies/${reply!.replyId}/accept`)).status).to.equal(404);
    // a subscriber reads the case's events but no replies (the reply channel is the sender's)
    expect((await call0(base, await tokenFor(gw.url, 'magdeburg'), 'GET', `/v1/cases/${caseId}/replies`)).status).to.equal(403);
    // unknown and malformed ids answer alike
    expect((await call0(base, hund, 'GET', `/v1/replies/${randomUUID()}`)).status).to.equal(404);
    expect((await call0(base, hund, 'GET', '/v1/replies/not-a-uuid')).status).to.be.oneOf([400, 404]);
    // the rightful sender still gets it, untouched by the attempts
    expect((await fetchReply(client(hund), reply!.replyId, replyKeys.privateJwk)).attachments).to.have.length(1);
  });

  it('refuses a submission whose reply key is tampered (private part, too short, another algorithm), and a reply without any key', async () => {
    const form = Buffer.from(readFileSync('mappings/efa-hund-form-to-xzsa/fixtures/magdeburg-ars-sepa.input.json'));
    const bad: Array<[string, unknown]> = [
      ['private members', replyKeys.privateJwk],
      ['2048 bits', encryptionKeys('efa-short-reply', 'short', 2048).publicJwk],
      ['another algorithm', { ...replyKeys.publicJwk, alg: 'RSA1_5' }],
      ['not a key', 'MIIB...'],
    ];
    for (const [what, key] of bad) {
      const sent = await send0(base, hund, { form, replyChannel: { fitConnect: { encryptionPublicKey: key } } }, MAGDEBURG);
      expect(sent.submit!.status, what).to.equal(422);
      expect(sent.submit!.json.type, what).to.equal(`${PROBLEM}metadata-schema-violation`);
      expect(await gw.services.store.vorgang(sent.caseId!), what).to.deep.equal([]);
    }
    // no reply key and none registered for the sender: the reply is listed but not handed out unencrypted
    const { caseId } = await hundCaseWithBescheid();
    const [reply] = await listReplies(client(hund), caseId);
    const got = await call0(base, hund, 'GET', `/v1/replies/${reply!.replyId}`);
    expect(got.status).to.equal(422);
    expect(got.text).to.not.contain('hund.freigabe');
    // still waiting in the mailbox: nothing lost
    const release = (await gw.services.store.vorgang(caseId)).find((m) => m.messageType === 'hund.freigabe.0103')!;
    expect(release.state).to.equal('in_mailbox');
  });
});
