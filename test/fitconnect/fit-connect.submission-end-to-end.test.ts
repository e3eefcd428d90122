import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactDecrypt, createLocalJWKSet, importJWK, jwtVerify, SignJWT, type JWK } from 'jose';
import { requiredAuthConfig, testTokenFor, tokenFor, withTestClients } from '../auth/oauth-fixture.js';
import { encryptionKeys, signingKeys } from '../crypto/support.js';
import { startTestGateway, waitFor } from '../support/gateway.js';
import { call as call0, EVENT, FORM, HALLE, MAGDEBURG, PROBLEM, send as send0, sha512, type Knobs } from './sender.js';

const WITTENBERG = '5a1c0e3e-3b0f-4f6a-9a51-150910000001';

/**
 * A FIT-Connect sender written with `jose` and fetch only (no gateway code) submits a Hund
 * application with two attachments to Halle's destination; Halle's subscriber lists, fetches,
 * decrypts and accepts it; the sender verifies the signed accept event against the JWKS.
 * Every refusal answers with FIT-Connect's problem type, stores no message, and the next
 * good submission goes through.
 */
describe('FIT-Connect Submission API: sender, subscriber and event log over HTTP', function () {
  this.timeout(180_000);
  const keyDir = mkdtempSync(join(tmpdir(), 'zsa-fit-keys-'));
  const halleKeys = encryptionKeys('fit-halle');
  const halleSig = signingKeys('fit-halle-sig');
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let base: string;
  let sender: string;

  before(async () => {
    const cfg = await withTestClients(requiredAuthConfig(), ['efa-wohngeld-lsa']);
    const file = join(keyDir, 'halle.jwk.json');
    writeFileSync(file, JSON.stringify(halleKeys.publicJwk));
    cfg.participants = cfg.participants.map((p) => (p.id === 'halle' ? { ...p, encryptionKey: file } : p));
    const sigFile = join(keyDir, 'halle-sig.jwk.json');
    writeFileSync(sigFile, JSON.stringify(halleSig.publicJwk));
    cfg.fitConnect.destinations = cfg.fitConnect.destinations.map((d) => (d.id === HALLE ? { ...d, subscriberSigningKeys: [sigFile] } : d));
    gw = await startTestGateway(cfg);
    base = `${gw.url}/fit-connect`;
    sender = await tokenFor(gw.url, 'efa-hund-lsa');
  });
  after(async () => {
    await gw?.stop();
    rmSync(keyDir, { recursive: true, force: true });
  });

  const call = (token: string, method: string, path: string, body?: unknown, type?: string) => call0(base, token, method, path, body, type);
  const send = (k: Knobs = {}) => send0(base, sender, k);

  async function expectNothingStored(caseId: string | undefined) {
    if (caseId === undefined) return;
    expect(await gw.services.store.vorgang(caseId)).to.deep.equal([]);
    const [sub] = await gw.services.store.fitConnect.caseSubmissions(caseId);
    expect(sub?.status).to.not.equal('submitted');
  }

  it('carries a Hund application end to end: submit, list, fetch, decrypt, accept, signed accept event', async () => {
    const sent = await send();
    expect(sent.created.status, sent.created.text).to.equal(201);
    expect(sent.submit!.status, sent.submit!.text).to.equal(202);
    expect(sent.submit!.json).to.deep.equal({ destinationId: HALLE, submissionId: sent.submissionId, caseId: sent.caseId });
    const stored = await gw.services.store.vorgang(sent.caseId!);
    expect(stored.map((m) => m.messageType)).to.deep.equal(['hund.anmeldung.0101']);
    expect(stored[0]!.messageUuid).to.equal(sent.submissionId);
    // Halle did not delegate Hund: the message goes on to its Fachverfahren's mailbox (forward-submission once observed)
    await waitFor('in mailbox', async () => ((await gw.services.store.getMessage(stored[0]!.id))?.state === 'in_mailbox' ? true : undefined));
    const before = await call(sender, 'GET', `/v1/cases/${sent.caseId}/events`);
    expect(before.json.eventLog).to.have.length(3);

    const halle = await tokenFor(gw.url, 'halle');
    const list = await call(halle, 'GET', `/v1/submissions?destinationId=${HALLE}`);
    expect(list.status).to.equal(200);
    expect(list.json.submissions).to.deep.include({ destinationId: HALLE, submissionId: sent.submissionId, caseId: sent.caseId });
    const got = await call(halle, 'GET', `/v1/submissions/${sent.submissionId}`);
    expect(got.status, got.text).to.equal(200);
    const { key_ops: _ops, alg: _alg, ...material } = halleKeys.privateJwk;
    const priv = await importJWK(material, 'RSA-OAEP-256');
    const data = (await compactDecrypt(got.json.encryptedData, priv)).plaintext;
    expect(Buffer.from(data).equals(FORM)).to.equal(true);
    const meta = JSON.parse(Buffer.from((await compactDecrypt(got.json.encryptedMetadata, priv)).plaintext).toString('utf8'));
    expect(meta.contentStructure.data.hash.content).to.equal(sha512(data));
    for (const [i, id] of sent.ids!.entries()) {
      const a = await call(halle, 'GET', `/v1/submissions/${sent.submissionId}/attachments/${id}`);
      expect(a.type).to.match(/^application\/jose/);
      const bytes = (await compactDecrypt(a.text, priv)).plaintext;
      expect(sha512(bytes)).to.equal(sha512(sent.attachments![i]!));
    }

    // Halle's subscriber signs its accept with its own PS512 key, which the destination names (subscriberSigningKeys)
    const acceptSignedWith = async (jwk: JWK) => {
      const { kid: _k, alg: _a, use: _u, ...bare } = jwk;
      return new SignJWT({ $schema: 'https://schema.fitko.de/fit-connect/set-payload/1.0.0/set-payload.schema.json', events: { [`${EVENT}accept-submission`]: {} }, txn: `case:${sent.caseId}` })
        .setProtectedHeader({ alg: 'PS512', typ: 'secevent+jwt', kid: halleSig.publicJwk.kid! })
        .setIssuedAt()
        .setJti(randomUUID())
        .setIssuer(HALLE)
        .setSubject(`submission:${sent.submissionId}`)
        .sign(await importJWK(bare, 'PS512'));
    };
    const forged = await call(halle, 'POST', `/v1/cases/${sent.caseId}/events`, await acceptSignedWith(signingKeys('fit-forger', halleSig.publicJwk.kid).privateJwk), 'application/jose');
    expect(forged.status).to.equal(422);
    expect(forged.json.type).to.equal(`${PROBLEM}event-invalid`);
    const accept = await acceptSignedWith(halleSig.privateJwk);
    const published = await call(halle, 'GET', `/v1/destinations/${HALLE}/keys/${halleSig.publicJwk.kid}`);
    expect(published.json).to.include({ kid: halleSig.publicJwk.kid, n: halleSig.publicJwk.n }).and.not.have.property('d');
    const posted = await call(halle, 'POST', `/v1/cases/${sent.caseId}/events`, accept, 'application/jose');
    expect(posted.status, posted.text).to.equal(204);

    const log = await call(sender, 'GET', `/v1/cases/${sent.caseId}/events`);
    expect(log.status).to.equal(200);
    const jwks = createLocalJWKSet((await (await fetch(`${base}/.well-known/jwks.json`)).json()) as { keys: JWK[] });
    const names: string[] = [];
    for (const token of log.json.eventLog as string[]) {
      const { payload, protectedHeader } = await jwtVerify(token, jwks, { algorithms: ['PS512'], typ: 'secevent+jwt' });
      expect(payload.sub).to.equal(`submission:${sent.submissionId}`);
      expect(payload['txn']).to.equal(`case:${sent.caseId}`);
      expect(protectedHeader.alg).to.equal('PS512');
      names.push(Object.keys(payload['events'] as object)[0]!.slice(EVENT.length));
    }
    expect(names).to.deep.equal(['create-submission', 'submit-submission', 'forward-submission', 'accept-submission', 'delete-submission']);
    expect((await gw.services.store.fitConnect.get(sent.submissionId!))?.status).to.equal('accepted');
    // accepted: the content is deleted, as FIT-Connect does; a second accept is a state conflict
    expect((await call(halle, 'GET', `/v1/submissions/${sent.submissionId}`)).status).to.equal(404);
    const again = await call(halle, 'POST', `/v1/cases/${sent.caseId}/events`, accept, 'application/jose');
    expect(again.status).to.equal(409);
    expect(again.json.type).to.equal(`${PROBLEM}submission-state-invalid`);
  });

  it('carries a Wohngeld application to Landkreis Wittenberg: a second service and sender, the municipality named by its ARS', async () => {
    const form = JSON.parse(readFileSync('mappings/efa-wohngeld-form-to-xzsa/fixtures/family-ars-two-incomes.input.json', 'utf8')) as { form: { id: string }; evidence: Array<{ sha512: string; size: number }> };
    form.form.id = 'S99107023037000-FORM'; // the form id the demo's ingress mapping selects (gateway/config/demo.yaml)
    // the evidence the form lists is what is attached: the gateway cross-checks each listed hash (ADR 0023)
    const files: [Buffer, Buffer] = [Buffer.from('%PDF-1.4 synthetic Mietvertrag'), Buffer.from('%PDF-1.4 synthetic Lohnabrechnung')];
    form.evidence.forEach((e, i) => Object.assign(e, { sha512: sha512(files[i]!), size: files[i]!.length }));
    const wohngeld = await testTokenFor(gw.url, 'efa-wohngeld-lsa');
    const sent = await send0(base, wohngeld, { form: Buffer.from(JSON.stringify(form)), identifier: 'urn:de:fim:leika:leistung:99107023037000', schemaUri: 'urn:zsa-gateway:fit-connect:submission-schema:wohngeld-antrag:2.0', attachments: files }, WITTENBERG);
    expect(sent.submit!.status, sent.submit!.text).to.equal(202);
    expect((await gw.services.store.vorgang(sent.caseId!)).map((m) => [m.messageType, m.ags])).to.deep.equal([['wohngeld.antrag.0201', '15091000']]);
    const hundSender = await call(sender, 'GET', `/v1/cases/${sent.caseId}/events`);
    expect(hundSender.status, 'another EfA service reads no foreign case').to.equal(404);
  });

  it('accepts a v1 sender that names the service as serviceType', async () => {
    const sent = await send({ useServiceType: true });
    expect(sent.submit!.status, sent.submit!.text).to.equal(202);
  });

  const refusals: Array<[string, Knobs, number, string]> = [
    ['data hash mismatch', { dataHash: 'a'.repeat(128) }, 422, 'hash-mismatch'],
    ['one attachment hash mismatch', { attachmentHash: 'b'.repeat(128) }, 422, 'hash-mismatch'],
    ['announced attachment missing', { skipUpload: true }, 422, 'missing-attachments'],
    ['extra attachment', { extraInMetadata: true }, 422, 'unexpected-attachment'],
    ['wrong kid', { kid: 'not-the-destination-key' }, 422, 'encryption-issue'],
    ['wrong alg', { alg: 'RSA-OAEP' }, 422, 'encryption-issue'],
    ['metadata not matching the schema', { badMetadata: true }, 422, 'metadata-schema-violation'],
    ['form data not matching the submission schema', { form: Buffer.from(JSON.stringify({ form: { id: 'S99102013104000-FORM', version: '1.2.0' }, submission: { municipalityKey: '15002000' } })) }, 422, 'data-schema-violation'],
    ['unknown destination', { destinationId: randomUUID() }, 404, 'destination-not-found'],
    ['unknown service', { identifier: 'urn:de:fim:leika:leistung:99107023037000' }, 422, 'service-not-available'],
  ];
  for (const [what, knobs, status, type] of refusals) {
    it(`refuses ${what} with ${type}, stores nothing, and the next good submission goes through`, async () => {
      const sent = await send(knobs);
      const refusal = sent.submit ?? sent.created;
      expect(refusal.status, refusal.text).to.equal(status);
      expect(refusal.type).to.match(/^application\/problem\+json/);
      expect(refusal.json.type).to.equal(`${PROBLEM}${type}`);
      await expectNothingStored(sent.caseId);
      if (sent.submissionId !== undefined) {
        const logged = (await gw.services.store.listRejections(500)).filter((r) => r.messageUuid === sent.submissionId);
        expect(logged.map((r) => r.remote), 'one entry in the rejection log').to.have.length(1);
      }
      if (sent.caseId !== undefined) {
        const log = await call(sender, 'GET', `/v1/cases/${sent.caseId}/events`);
        expect((log.json.eventLog as string[]).length).to.equal(3); // create-submission, reject-submission, delete-submission
        expect(await gw.services.store.fitConnect.attachments(sent.submissionId!)).to.have.property('size', 0);
      }
      const good = await send();
      expect(good.submit!.status, good.submit!.text).to.equal(202);
    });
  }

  it('refuses a form the submission schema admits but the pipeline does not (a date that does not exist), rejected once, nothing stored', async () => {
    const form = JSON.parse(FORM.toString('utf8')) as { dog: { birthDate: string } };
    form.dog.birthDate = '31.02.2021';
    const fromFit = async () => (await gw.services.store.listRejections(500)).filter((r) => r.remote === 'fit-connect').length;
    const before = await fromFit();
    const sent = await send({ form: Buffer.from(JSON.stringify(form)) });
    expect(sent.submit!.status, sent.submit!.text).to.equal(422);
    expect(sent.submit!.json.type).to.match(/^urn:zsa-gateway:problem:/);
    await expectNothingStored(sent.caseId);
    expect(await fromFit(), 'one entry in the rejection log').to.equal(before + 1);
    const log = await call(sender, 'GET', `/v1/cases/${sent.caseId}/events`);
    const names = (log.json.eventLog as string[]).map((t) => Object.keys((JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString('utf8')) as { events: object }).events)[0]!.slice(EVENT.length));
    expect(names).to.deep.equal(['create-submission', 'reject-submission', 'delete-submission']);
    const reject = JSON.parse(Buffer.from((log.json.eventLog as string[])[1]!.split('.')[1]!, 'base64url').toString('utf8')) as { events: Record<string, { problems: Array<Record<string, string>> }> };
    expect(JSON.stringify(reject), 'no form content in the event log').to.not.include('31.02.2021');
    expect(reject.events[`${EVENT}reject-submission`]!.problems[0]!.type).to.equal(sent.submit!.json.type);
  });

  it('keeps to the remit: another sender reads no foreign case or submission, a subscriber lists no other destination', async () => {
    const sent = await send();
    expect(sent.submit!.status).to.equal(202);
    const other = await testTokenFor(gw.url, 'efa-wohngeld-lsa');
    const events = await call(other, 'GET', `/v1/cases/${sent.caseId}/events`);
    expect(events.status).to.equal(404);
    expect(events.json.type).to.equal(`${PROBLEM}case-not-found`);
    const upload = await call(other, 'PUT', `/v1/submissions/${sent.submissionId}/attachments/${sent.ids![0]}`, 'eyJ.a.b.c.d', 'application/jose');
    expect(upload.status).to.equal(404);
    const magdeburg = await tokenFor(gw.url, 'magdeburg');
    const list = await call(magdeburg, 'GET', `/v1/submissions?destinationId=${HALLE}`);
    expect(list.status).to.equal(403);
    const fetchForeign = await call(magdeburg, 'GET', `/v1/submissions/${sent.submissionId}`);
    expect(fetchForeign.status).to.equal(404);
    const own = await call(magdeburg, 'GET', `/v1/submissions?destinationId=${MAGDEBURG}`);
    expect(own.status).to.equal(200);
    const senderLists = await call(sender, 'GET', `/v1/submissions?destinationId=${HALLE}`);
    expect(senderLists.status).to.equal(403);
  });
});
