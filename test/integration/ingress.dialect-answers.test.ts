import { expect } from 'chai';
import { createHash, randomUUID } from 'node:crypto';
import request from 'supertest';
import { tokenFor, testTokenFor, withTestClients, requiredAuthConfig } from '../auth/oauth-fixture.js';
import { startTestGateway, testConfig } from '../support/gateway.js';
import { hundAnmeldung, hundSteuerfestsetzung } from '../support/xzsa-fixtures.js';

const MAGDEBURG = '15003000'; // Hund delegated (e2e): its Fachverfahren answers the ZSA's draft in REST JSON
const HALLE = '15002000'; // Hund not delegated: its Fachverfahren answers the Anmeldung in HSTX 2.3
const SUELZETAL = '15083490'; // Hund delegated (e2e): its Fachverfahren answers the draft as an HST-RUECK CSV file
const LEIKA = '99102013104000';
const uuidOf = (xml: string) => /<xzsab:nachrichtenUUID>([^<]+)</.exec(xml)![1]!;
const vorgangOf = (xml: string) => /<xzsab:vorgangsID>([^<]+)</.exec(xml)![1]!;

const RUECK_HEADER = 'SATZART;ANTWORT_ID;VORGANG_ID;BEZUG_ID;EMPFAENGER;AGS;LEIKA;ERSTELLT;STATUS;KASSENZEICHEN;BESCHEIDDATUM;JAHRESSTEUER;GRUND;GRUNDTEXT;SACHBEARBEITUNG;DIENSTSTELLE;FESTSETZUNG_AB;FESTGESETZT;EPAY_REF;MANDATSREF;IBAN_MASKIERT;DATEI;SHA512;GROESSE;FAELLIG_AM;RATENBETRAG';
/** One HST-RUECK 2 record without payment plan or PDF (Sülzetal's answer file, mappings/fv-csv-to-xzsa/README.md). */
const rueckRecord = (c: { vorgangId: string; bezug: string; ags?: string; status?: string; id?: string }) =>
  `RM;${c.id ?? randomUUID()};${c.vorgangId};${c.bezug};efa:hund-lsa;${c.ags ?? SUELZETAL};${LEIKA};10.06.2025 14:32;${c.status ?? 'FEST'};HST-SUE-2025-00017;10.06.2025;;;;Demo-Sachbearbeitung Steuern;Gemeinde Sülzetal, Steuern und Abgaben (Demo);;;;;;;;;;`;
const rueck = (c: Parameters<typeof rueckRecord>[0]) => `${RUECK_HEADER}\n${rueckRecord(c)}\n`;

/** Halle's HSTX_BESCHEID (mappings/fv-legacy-xml-to-xzsa/README.md). */
const hstx = (c: { vorgangId: string; bezug: string; root?: string }) => `<?xml version="1.0" encoding="UTF-8"?>
<${c.root ?? 'HSTX_BESCHEID'} VERSION="2.3">
  <KOPF><ANTWORTNR>${randomUUID()}</ANTWORTNR><VORGANGSNR>${c.vorgangId}</VORGANGSNR><BEZUGNR>${c.bezug}</BEZUGNR><EMPFAENGER>efa:hund-lsa</EMPFAENGER><GKZ>${HALLE}</GKZ><LEISTUNGSNR>${LEIKA}</LEISTUNGSNR><ERSTELLT>28.04.2025 10:15:00</ERSTELLT></KOPF>
  <ERGEBNIS>1</ERGEBNIS>
  <KASSENZEICHEN>5.2025.0042.1</KASSENZEICHEN>
  <BESCHEIDDATUM>28.04.2025</BESCHEIDDATUM>
  <SACHBEARBEITER><NAME>Demo-Sachbearbeitung Steuern</NAME><DIENSTSTELLE>Stadt Halle (Saale), Fachbereich Steuern (Demo)</DIENSTSTELLE></SACHBEARBEITER>
</${c.root ?? 'HSTX_BESCHEID'}>
`;

/** Magdeburg's REST JSON decision (mappings/fv-rest-json-to-xzsa/README.md). */
const decision = (c: { vorgangId: string; bezug: string }) => JSON.stringify({
  meta: { kind: 'dog-tax.decision', answerId: randomUUID(), caseId: c.vorgangId, inReplyTo: c.bezug, recipient: 'efa:hund-lsa', municipalityKey: MAGDEBURG, serviceKey: LEIKA, createdAt: '2025-03-18T11:04:27+01:00' },
  decision: 'ISSUED', notice: { number: 'HST-MD-2025-000412', date: '2025-03-18' }, decidedBy: { name: 'Demo-Sachbearbeitung Steueramt', office: 'Landeshauptstadt Magdeburg, Steueramt (Demo)' },
});

/** The same decision with the Bescheid's assessment (96 € a year from 1 April 2025: 72 €), E-Payment, three instalments and `pdf` as its document. */
const decisionWithBescheid = (c: { vorgangId: string; bezug: string }, pdf: Buffer) => JSON.stringify({
  ...JSON.parse(decision(c)) as object,
  annualTaxCents: 9600,
  assessment: { from: '2025-04-01', amountCents: 7200 },
  payment: { cashReference: 'HST-MD-2025-000412', ePaymentReference: 'EPAY-15003000-HSTMD2025000412', instalments: [{ due: '2025-05-15', amountCents: 2400 }, { due: '2025-08-15', amountCents: 2400 }, { due: '2025-11-15', amountCents: 2400 }] },
  document: { fileName: 'hundesteuerbescheid.pdf', mediaType: 'application/pdf', sha512: createHash('sha512').update(pdf).digest('hex'), size: pdf.length },
});

/**
 * A Fachverfahren answers in its own dialect and the gateway maps it at ingress (ADR 0025):
 * selected by media type, root element or record type and the submitting participant, mapped,
 * validated, routed and stored like any message, the original kept. Authentication is on: the
 * author must be the Fachverfahren, and nobody may use another participant's dialect.
 */
describe('ingress: Fachverfahren answers in their own dialect (CSV, legacy XML, REST JSON)', function () {
  this.timeout(90_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  const tokens = new Map<string, string>();
  const FVS = ['fv-15002000-hund', 'fv-15083490-hund'];
  const token = async (id: string): Promise<string> => {
    if (!tokens.has(id)) tokens.set(id, FVS.includes(id) ? await testTokenFor(gw.url, id) : await tokenFor(gw.url, id as 'efa-hund-lsa'));
    return tokens.get(id)!;
  };
  const post = async (as: string, body: string | Buffer, type: string) =>
    request(gw.url).post('/api/v1/messages').set('authorization', `Bearer ${await token(as)}`).set('content-type', type).send(typeof body === 'string' ? body : body);

  before(async () => {
    const cfg = await withTestClients(requiredAuthConfig(), FVS);
    cfg.server.maxMessageBytes = 64 * 1024;
    gw = await startTestGateway(cfg);
  });
  after(() => gw?.stop());

  /** An Anmeldung by the citizen's service, and for a delegating municipality the ZSA's draft: what the Fachverfahren answers. */
  async function caseFor(ags: string): Promise<{ vorgangId: string; bezug: string }> {
    const anmeldung = hundAnmeldung({ ags });
    const a = await post('efa-hund-lsa', anmeldung, 'application/xml');
    expect(a.status, JSON.stringify(a.body)).to.equal(202);
    if (ags === HALLE) return { vorgangId: vorgangOf(anmeldung), bezug: uuidOf(anmeldung) };
    const draft = hundSteuerfestsetzung({ ags, vorgangId: vorgangOf(anmeldung), anmeldungUuid: uuidOf(anmeldung), author: 'zsa:lsa', reader: `fv:${ags}-hund` });
    const d = await post('zsa-lsa', draft, 'application/xml');
    expect(d.status, JSON.stringify(d.body)).to.equal(202);
    return { vorgangId: vorgangOf(anmeldung), bezug: uuidOf(draft) };
  }

  /** The stored answer: XZSA hund.freigabe.0103 by the Fachverfahren, to the citizen's service, the dialect document kept as `original`. */
  async function expectMapped(gatewayId: string, o: { ags: string; mapping: string; mediaType: string; original: string | Buffer }) {
    const m = (await gw.services.store.getMessage(gatewayId))!;
    expect(m.messageType).to.equal('hund.freigabe.0103');
    expect(m.author).to.equal(`fv:${o.ags}-hund`);
    expect(m.endpointId).to.equal('efa-hund-lsa');
    expect(m.state).to.not.equal('dead');
    expect((await gw.services.store.getPayload(gatewayId))!.toString('utf8')).to.include('urn:zsa-gateway:xzsa:1.1');
    const original = (await gw.services.store.getForm(gatewayId, 'original'))!;
    expect(original.form).to.include({ mapping: o.mapping, mediaType: o.mediaType, role: 'original' });
    expect(original.body.equals(Buffer.from(o.original))).to.equal(true);
    expect((await gw.services.store.history(gatewayId))[0]!.reason).to.include(o.mapping);
  }

  it('takes Sülzetal\'s HST-RUECK file as text/csv from its Fachverfahren and routes the mapped release to the citizen\'s service', async () => {
    const csv = rueck(await caseFor(SUELZETAL));
    const res = await post('fv-15083490-hund', csv, 'text/csv; charset=utf-8');
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    await expectMapped(res.body.gatewayId, { ags: SUELZETAL, mapping: 'fv-csv-to-xzsa', mediaType: 'text/csv', original: csv });
  });

  it('takes Halle\'s HSTX_BESCHEID as application/xml (selected by its root element) from its Fachverfahren', async () => {
    const xml = hstx(await caseFor(HALLE));
    const res = await post('fv-15002000-hund', xml, 'application/xml');
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    await expectMapped(res.body.gatewayId, { ags: HALLE, mapping: 'fv-legacy-xml-to-xzsa', mediaType: 'application/xml', original: xml });
  });

  it('takes Magdeburg\'s REST JSON decision as application/json (selected by meta.kind) from its Fachverfahren', async () => {
    const json = decision(await caseFor(MAGDEBURG));
    const res = await post('fv-15003000-hund', json, 'application/json');
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    await expectMapped(res.body.gatewayId, { ags: MAGDEBURG, mapping: 'fv-rest-json-to-xzsa', mediaType: 'application/json', original: json });
  });

  it('takes Magdeburg\'s REST JSON decision with payment plan and its PDF (multipart) and stores an XZSA 1.1 Bescheid naming the attachment', async () => {
    const pdf = Buffer.from('%PDF-1.4\n% synthetic Bescheid Hundesteuer Magdeburg (Demo)\n%%EOF\n');
    const json = decisionWithBescheid(await caseFor(MAGDEBURG), pdf);
    const res = await request(gw.url).post('/api/v1/messages').set('authorization', `Bearer ${await token('fv-15003000-hund')}`)
      .attach('message', Buffer.from(json), { filename: 'decision.json', contentType: 'application/json' })
      .attach('attachment', pdf, { filename: 'hundesteuerbescheid.pdf', contentType: 'application/pdf' });
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    await expectMapped(res.body.gatewayId, { ags: MAGDEBURG, mapping: 'fv-rest-json-to-xzsa', mediaType: 'application/json', original: json });
    const xml = (await gw.services.store.getPayload(res.body.gatewayId))!.toString('utf8');
    expect(xml).to.include('<xzsa:betrag>72.00</xzsa:betrag>').and.include(`<xzsa:sha512>${createHash('sha512').update(pdf).digest('hex')}</xzsa:sha512>`);
    expect(xml.match(/<xzsa:faelligkeit>/g)).to.have.length(3);
    expect((await gw.services.store.getMessage(res.body.gatewayId))!.attachments.map((a) => a.name)).to.deep.equal(['hundesteuerbescheid.pdf']);
  });

  it('refuses Magdeburg\'s REST JSON decision whose named PDF is not the attachment it sends (hash), without naming hash or file', async () => {
    const pdf = Buffer.from('%PDF-1.4\n% synthetic Bescheid Hundesteuer Magdeburg (Demo)\n%%EOF\n');
    const json = decisionWithBescheid(await caseFor(MAGDEBURG), pdf);
    const other = Buffer.from('%PDF-1.4\n% another synthetic document\n%%EOF\n');
    const res = await request(gw.url).post('/api/v1/messages').set('authorization', `Bearer ${await token('fv-15003000-hund')}`)
      .attach('message', Buffer.from(json), { filename: 'decision.json', contentType: 'application/json' })
      .attach('attachment', other, { filename: 'hundesteuerbescheid.pdf', contentType: 'application/pdf' });
    expect(res.status, JSON.stringify(res.body)).to.equal(422);
    expect(res.body.code).to.equal('GW_EVIDENCE_MISMATCH');
    expect(JSON.stringify(res.body)).to.not.include(createHash('sha512').update(pdf).digest('hex')).and.not.include('hundesteuerbescheid.pdf');
  });

  it('refuses Magdeburg\'s REST JSON decision debiting by another mandate than the application gave (GW_CASE_MISMATCH), never naming the mandate; the application\'s own passes', async () => {
    const c = await caseFor(MAGDEBURG);
    const withDebit = (mandateRef: string) => {
      const d = JSON.parse(decisionWithBescheid(c, Buffer.from('%PDF-1.4\n%%EOF\n'))) as { meta: { answerId: string }; payment: Record<string, unknown>; document?: unknown };
      d.meta.answerId = randomUUID();
      delete d.document;
      delete d.payment['ePaymentReference'];
      d.payment['directDebit'] = { mandateRef, ibanMasked: 'DE02**************2051' };
      return JSON.stringify(d);
    };
    const res = await post('fv-15003000-hund', withDebit('HST-15003000-999999'), 'application/json');
    expect(res.status, JSON.stringify(res.body)).to.equal(422);
    expect(res.body.code).to.equal('GW_CASE_MISMATCH');
    expect(JSON.stringify(res.body)).to.not.include('HST-15003000-999999');
    const own = await post('fv-15003000-hund', withDebit('HST-15003000-000001'), 'application/json');
    expect(own.status, JSON.stringify(own.body)).to.equal(202);
  });

  it('refuses Magdeburg\'s REST JSON decision whose payment plan contradicts its assessment, naming mapping and XZSA rule; the next good one passes', async () => {
    const c = await caseFor(MAGDEBURG);
    const bad = JSON.parse(decisionWithBescheid(c, Buffer.from('%PDF-1.4\n%%EOF\n'))) as { assessment: { amountCents: number } };
    bad.assessment.amountCents = 9600; // a full year for a dog kept from 1 April
    const res = await post('fv-15003000-hund', JSON.stringify({ ...bad, document: undefined }), 'application/json');
    expect(res.status, JSON.stringify(res.body)).to.equal(422);
    expect(res.body).to.include({ code: 'GW_MAPPING_FAILED', mapping: 'fv-rest-json-to-xzsa', rule: 'rules.hund.freigabe.bescheid-anteilig' });
    const good = await post('fv-15003000-hund', decision(c), 'application/json');
    expect(good.status, JSON.stringify(good.body)).to.equal(202);
  });

  it('takes the dialect document as the multipart message part with the Bescheid as an attachment', async () => {
    const csv = rueck(await caseFor(SUELZETAL));
    const pdf = Buffer.from('%PDF-1.4\n% synthetic Bescheid Hundesteuer (Demo)\n%%EOF\n');
    const res = await request(gw.url).post('/api/v1/messages').set('authorization', `Bearer ${await token('fv-15083490-hund')}`)
      .attach('message', Buffer.from(csv), { filename: 'HST-RUECK.csv', contentType: 'text/csv' })
      .attach('attachment', pdf, { filename: 'bescheid.pdf', contentType: 'application/pdf' });
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    await expectMapped(res.body.gatewayId, { ags: SUELZETAL, mapping: 'fv-csv-to-xzsa', mediaType: 'text/csv', original: csv });
    expect((await gw.services.store.getMessage(res.body.gatewayId))!.attachments.map((a) => a.name)).to.deep.equal(['bescheid.pdf']);
  });

  it('refuses another participant\'s dialect (415 GW_DIALECT_NOT_CONFIGURED, rule ingress.author) without naming whose it is', async () => {
    const c = await caseFor(SUELZETAL);
    for (const [as, body, type] of [['fv-15002000-hund', rueck(c), 'text/csv'], ['fv-15003000-hund', hstx(c), 'application/xml'], ['efa-hund-lsa', rueck(c), 'text/csv']] as const) {
      const res = await post(as, body, type);
      expect(res.status, `${as} ${type}: ${res.text}`).to.equal(415);
      expect(res.body.code).to.equal('GW_DIALECT_NOT_CONFIGURED');
      expect(res.body.errors[0].rule).to.equal('ingress.author');
      expect(res.text).to.not.include('15083490').and.not.include('fv-csv-to-xzsa');
    }
    const [rejection] = await gw.services.store.listRejections(1);
    expect(rejection!.code).to.equal('GW_DIALECT_NOT_CONFIGURED');
  });

  it('refuses a dialect answer written in another municipality\'s name: the author must be the caller', async () => {
    const c = await caseFor(HALLE);
    const res = await post('fv-15083490-hund', rueck({ ...c, ags: HALLE }), 'text/csv');
    expect(res.status, res.text).to.equal(403);
    expect(res.body).to.include({ code: 'GW_FORBIDDEN', rule: 'ingress.author' });
  });

  it('refuses media types no ingress mapping takes (text/plain, CSV in another charset) with 415', async () => {
    const csv = rueck(await caseFor(SUELZETAL));
    for (const type of ['text/plain', 'text/csv; charset=iso-8859-1', 'application/vnd.ms-excel']) {
      const res = await post('fv-15083490-hund', csv, type);
      expect(res.status, `${type}: ${res.text}`).to.equal(415);
      expect(res.body.code).to.equal('GW_UNSUPPORTED_MEDIA_TYPE');
    }
  });

  it('refuses broken CSV with 422 naming mapping, rule and line but no value, and the next good answer still flows', async () => {
    const c = await caseFor(SUELZETAL);
    const broken = `${RUECK_HEADER}\nRM;${randomUUID()};"${c.vorgangId};${c.bezug};efa:hund-lsa\n`;
    const res = await post('fv-15083490-hund', broken, 'text/csv');
    expect(res.status, res.text).to.equal(422);
    expect(res.body.code).to.equal('GW_MAPPING_FAILED');
    expect(res.body).to.include({ mapping: 'fv-csv-to-xzsa', rule: 'input' });
    expect(res.text).to.not.include(c.vorgangId);
    const unknownStatus = await post('fv-15083490-hund', rueck({ ...c, status: 'STORNO' }), 'text/csv');
    expect(unknownStatus.status).to.equal(422);
    expect(unknownStatus.body).to.include({ mapping: 'fv-csv-to-xzsa', rule: 'entscheidung.code', path: 'STATUS' });
    expect(unknownStatus.text).to.not.include('STORNO').and.not.include(c.vorgangId);
    const [rejection] = await gw.services.store.listRejections(1);
    expect(rejection!.detail).to.include('fv-csv-to-xzsa/entscheidung.code').and.not.include('STORNO');

    const good = await post('fv-15083490-hund', rueck(c), 'text/csv');
    expect(good.status, good.text).to.equal(202);
  });

  it('refuses a file with two answer records instead of mapping the first and dropping the second', async () => {
    const c = await caseFor(SUELZETAL);
    const res = await post('fv-15083490-hund', `${RUECK_HEADER}\n${rueckRecord(c)}\n${rueckRecord(c)}\n`, 'text/csv');
    expect(res.status, res.text).to.equal(422);
    expect(res.body).to.include({ code: 'GW_MAPPING_FAILED', mapping: 'fv-csv-to-xzsa', rule: 'ingress.records' });
  });

  it('leaves XML whose root element no ingress mapping selects to the validator, which refuses it naming the root', async () => {
    const res = await post('fv-15002000-hund', hstx({ ...(await caseFor(HALLE)), root: 'HSTX_STORNO' }), 'application/xml');
    expect(res.status, res.text).to.equal(422);
    expect(res.body.code).to.equal('GW_UNKNOWN_MESSAGE_TYPE');
    expect(res.body.errors[0].rule).to.equal('routing.namespace');
  });

  it('refuses an oversized dialect document with 413 before mapping it', async () => {
    const c = await caseFor(SUELZETAL);
    const big = `${rueck(c)}${'#'.repeat(70 * 1024)}\n`;
    const res = await post('fv-15083490-hund', big, 'text/csv');
    expect(res.status).to.equal(413);
    expect(res.body.code).to.equal('GW_PAYLOAD_TOO_LARGE');
  });
});

describe('ingress: a dialect answer may only name its ingress mapping\'s authors, also without authentication', function () {
  this.timeout(60_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  before(async () => {
    gw = await startTestGateway(testConfig());
  });
  after(() => gw?.stop());

  it('refuses Sülzetal\'s file dialect carrying Halle\'s key (GW_FORBIDDEN, rule ingress.dialect-author)', async () => {
    const anmeldung = hundAnmeldung({ ags: HALLE });
    expect((await request(gw.url).post('/api/v1/messages').set('content-type', 'application/xml').send(anmeldung)).status).to.equal(202);
    const res = await request(gw.url).post('/api/v1/messages').set('content-type', 'text/csv').send(rueck({ vorgangId: vorgangOf(anmeldung), bezug: uuidOf(anmeldung), ags: HALLE }));
    expect(res.status, res.text).to.equal(403);
    expect(res.body).to.include({ code: 'GW_FORBIDDEN', rule: 'ingress.dialect-author' });
    const [rejection] = await gw.services.store.listRejections(1);
    expect(rejection).to.include({ code: 'GW_FORBIDDEN', author: `fv:${HALLE}-hund` });
  });
});
