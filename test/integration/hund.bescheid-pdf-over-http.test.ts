import { createHash, randomUUID } from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { issueBescheid, type Decision } from '../../gateway/demo/simulators/bescheid.js';
import { firstYearInstalments } from '../../gateway/demo/simulators/dog-tax.js';
import { freigabe } from '../../gateway/demo/xzsa.js';
import { startTestGateway, testConfig } from '../support/gateway.js';
import { hundAnmeldung, hundSteuerfestsetzung } from '../support/xzsa-fixtures.js';

const AGS = '15003000'; // Magdeburg delegated Hund (e2e)
const uuidOf = (xml: string) => /<xzsab:nachrichtenUUID>([^<]+)</.exec(xml)![1]!;
const vorgangOf = (xml: string) => /<xzsab:vorgangsID>([^<]+)</.exec(xml)![1]!;
const issuer = { gemeinde: 'Landeshauptstadt Magdeburg', dienststelle: 'Steueramt (Demo)', sachbearbeitung: 'Demo-Sachbearbeitung', ags: AGS };

type Pdf = { name: string; bytes: Buffer; sha512: string };

/** Posts XML, with the PDF as an `attachment` part when given. */
const postTo = (url: string, xml: string, pdf?: Pick<Pdf, 'name' | 'bytes'>) => {
  let req = request(url).post('/api/v1/messages').field('message', xml);
  if (pdf) req = req.attach('attachment', pdf.bytes, { filename: pdf.name, contentType: 'application/pdf' });
  return req;
};

/** Anmeldung and ZSA draft of a Magdeburg case (96 EUR a year from 1 March 2025), then the municipality's release with its Bescheid, `edit`ed. */
async function releaseAt(url: string, edit: (xml: string) => string = (x) => x, over: Partial<Decision> = {}): Promise<{ xml: string; pdf: Pdf }> {
  const anmeldung = hundAnmeldung({ ags: AGS });
  expect((await postTo(url, anmeldung)).status).to.equal(202);
  const vorgangId = vorgangOf(anmeldung);
  const draft = hundSteuerfestsetzung({ ags: AGS, vorgangId, anmeldungUuid: uuidOf(anmeldung), author: 'zsa:lsa', reader: `fv:${AGS}-hund` });
  expect((await postTo(url, draft)).status).to.equal(202);
  const { data, dokument } = await issueBescheid(issuer, {
    vorgangId, bescheidnummer: `HST-MD-2025-${vorgangId.slice(0, 6)}`, kassenzeichen: `HST-MD-2025-${vorgangId.slice(0, 6)}`, bescheiddatum: '2025-03-10',
    jahresbetrag: '96.00', festsetzungAb: '2025-03-01', instalments: firstYearInstalments(9600, '2025-03-01'), ...over,
  });
  const head = { uuid: randomUUID(), vorgangId, leika: '99102013104000', ags: AGS, author: `fv:${AGS}-hund`, reader: 'efa:hund-lsa' };
  const xml = edit(freigabe(head, { entwurfUuid: uuidOf(draft), bescheid: data, dokument, durch: 'Demo-Sachbearbeitung', organisation: 'Steueramt (Demo)' }));
  return { xml, pdf: { name: dokument.dateiname, bytes: dokument.bytes, sha512: dokument.sha512 } };
}

/**
 * The Bescheid with its PDF on the demo configuration (ADR 0024): the municipality's release
 * (XZSA 1.1 hund.freigabe.0103) names the PDF in `bescheid/dokument`; the gateway takes it only
 * with that very file attached (the Hund service's evidence check) and only when its payment
 * details agree with themselves (service rules), and the citizen's service then reads the
 * message and downloads the PDF by the hash the Bescheid names.
 */
describe('Hund Bescheid with PDF and payment details over HTTP', function () {
  this.timeout(60_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  before(async () => {
    gw = await startTestGateway(testConfig());
  });
  after(() => gw?.stop());

  const post = (xml: string, pdf?: Pick<Pdf, 'name' | 'bytes'>) => postTo(gw.url, xml, pdf);
  const release = (edit?: (xml: string) => string, over?: Partial<Decision>) => releaseAt(gw.url, edit, over);

  it('takes the release with its PDF, and the citizen\'s service downloads exactly that PDF by the hash the Bescheid names', async () => {
    const r = await release();
    const res = await post(r.xml, r.pdf);
    expect(res.status, res.text).to.equal(202);
    const stored = (await gw.services.store.getMessage(res.body.gatewayId))!;
    expect(stored.endpointId).to.equal('efa-hund-lsa');
    expect(stored.attachments.map((a) => [a.name, a.mediaType, a.sha512, a.size])).to.deep.equal([[r.pdf.name, 'application/pdf', r.pdf.sha512, r.pdf.bytes.length]]);
    const named = /<xzsa:sha512>([0-9a-f]{128})<\/xzsa:sha512>/.exec(r.xml)![1]!;
    const got = await request(gw.url).get(`/api/v1/attachments/${named}`).buffer(true).parse((resp, cb) => {
      const chunks: Buffer[] = [];
      resp.on('data', (c: Buffer) => chunks.push(c));
      resp.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(got.status).to.equal(200);
    const bytes = got.body as Buffer;
    expect(bytes.subarray(0, 5).toString('latin1')).to.equal('%PDF-');
    expect(createHash('sha512').update(bytes).digest('hex')).to.equal(named);
  });

  it('refuses a release whose PDF is not attached, or another file in its place, naming the entry and rule, never the file', async () => {
    const r = await release();
    for (const res of [await post(r.xml), await post(r.xml, { name: r.pdf.name, bytes: Buffer.concat([r.pdf.bytes, Buffer.from('\n')]) })]) {
      expect(res.status, res.text).to.equal(422);
      expect(res.body.code).to.equal('GW_EVIDENCE_MISMATCH');
      expect((res.body.errors as Array<{ path: string; rule: string }>).map((e) => [e.path, e.rule])).to.deep.equal([['/hund.freigabe.0103/bescheid/dokument[1]/sha512', 'evidence.not-attached']]);
      expect(res.text).to.not.include(r.pdf.sha512);
      expect(res.text).to.not.include(r.pdf.name);
    }
  });

  it('refuses contradictory payment details with the rule and path, even with the PDF attached', async () => {
    const cases: Array<[string, (x: string) => string, string, string]> = [
      ['full year from 1 March', (x) => x.replace('<xzsa:betrag>80.00</xzsa:betrag></xzsa:festsetzung>', '<xzsa:betrag>96.00</xzsa:betrag></xzsa:festsetzung>').replace('<xzsa:datum>2025-11-15</xzsa:datum><xzsa:betrag>24.00', '<xzsa:datum>2025-11-15</xzsa:datum><xzsa:betrag>40.00'),
        'rules.hund.freigabe.bescheid-anteilig', '/hund.freigabe.0103/bescheid/festsetzung/betrag'],
      ['first instalment before the liability', (x) => x.replace('<xzsa:datum>2025-05-15</xzsa:datum>', '<xzsa:datum>2025-02-15</xzsa:datum>'),
        'rules.hund.freigabe.faelligkeit-ab-steuerpflicht', '/hund.freigabe.0103/bescheid/zahlung/faelligkeit[1]/datum'],
      ['instalments not adding up', (x) => x.replace('<xzsa:datum>2025-08-15</xzsa:datum><xzsa:betrag>24.00', '<xzsa:datum>2025-08-15</xzsa:datum><xzsa:betrag>12.00'),
        'rules.hund.freigabe.raten-summe', '/hund.freigabe.0103/bescheid/festsetzung/betrag'],
    ];
    for (const [what, edit, rule, path] of cases) {
      const r = await release(edit);
      const res = await post(r.xml, r.pdf);
      expect(res.status, `${what}: ${res.text}`).to.equal(422);
      expect(res.body.code, what).to.equal('GW_RULE_VIOLATION');
      expect((res.body.errors as Array<{ rule: string; path: string }>).map((e) => [e.rule, e.path]), what).to.deep.equal([[rule, path]]);
    }
  });
  it('takes a direct debit only by the SEPA mandate the application gave (caseMatches), naming path and rule, never a value', async () => {
    const lastschrift = (mandatsreferenz: string) => ({ lastschrift: { mandatsreferenz, ibanMaskiert: 'DE02**************2051' } });
    const same = await release(undefined, lastschrift('HST-15003000-000001')); // the fixture Anmeldung's mandate
    const ok = await post(same.xml, same.pdf);
    expect(ok.status, ok.text).to.equal(202);
    const other = await release(undefined, lastschrift('HST-15003000-999999'));
    const res = await post(other.xml, other.pdf);
    expect(res.status, res.text).to.equal(422);
    expect(res.body.code).to.equal('GW_CASE_MISMATCH');
    expect((res.body.errors as Array<{ path: string; rule: string }>).map((e) => [e.path, e.rule])).to.deep.equal([['/hund.freigabe.0103/bescheid/zahlung/lastschrift/mandatsreferenz', 'case.bescheid-mandat']]);
    expect(res.text).to.not.include('HST-15003000-');
    const rejected = (await gw.services.store.listRejections(20)).find((r) => r.messageUuid === /<xzsab:nachrichtenUUID>([^<]+)</.exec(other.xml)![1]);
    expect(rejected?.code).to.equal('GW_CASE_MISMATCH');
  });
});

describe('Hund Bescheid for a citizen\'s service that reads only XZSA 1.0', function () {
  this.timeout(60_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  before(async () => {
    const cfg = testConfig();
    cfg.endpoints.find((e) => e.id === 'efa-hund-lsa')!.accepts = [{ standard: 'XZSA', version: '1.0' }];
    gw = await startTestGateway(cfg);
  });
  after(() => gw?.stop());

  const post = (xml: string, pdf?: Pick<Pdf, 'name' | 'bytes'>) => postTo(gw.url, xml, pdf);

  it('gets a release without payment details in 1.0, and a Bescheid with them is kept dead naming the rule instead of cut down', async () => {
    const plain = await releaseAt(gw.url);
    const withoutPlan = plain.xml.replace(/<xzsa:festsetzung>[\s\S]*<\/xzsa:dokument>/, '');
    const ok = await post(withoutPlan);
    expect(ok.status, ok.text).to.equal(202);
    const delivered = (await gw.services.store.getMessage(ok.body.gatewayId))!;
    expect(delivered.state).to.be.oneOf(['queued', 'in_mailbox']);
    expect(delivered.mapping).to.equal('xzsa-1.1-to-1.0-freigabe');

    const full = await releaseAt(gw.url);
    const res = await post(full.xml, full.pdf);
    expect(res.status, res.text).to.equal(202);
    const dead = (await gw.services.store.getMessage(res.body.gatewayId))!;
    expect(dead.state).to.equal('dead');
    expect(dead.lastError).to.contain('xzsa-1.1-to-1.0-freigabe').and.contain('bescheid.angaben-erst-ab-1.1');
  });
});
