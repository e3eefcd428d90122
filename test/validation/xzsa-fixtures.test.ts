import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { loadValidator, type GatewayValidator } from '../../gateway/validation/index.js';
import {
  DEMO_AGS, LEIKA_HUND, LEIKA_HUND_ABMELDUNG, LEIKA_WOHNGELD, PARTIES, defaultLeika, hundAnmeldung, XZSA_BUILDERS, XZSA_NS, gatewayFehler, hundFreigabe,
  erstesJahrFaelligkeiten, hundSteuerfestsetzung, nachweis, nachweisContent, wohngeldAntrag, type XzsaMessageType,
} from '../support/xzsa-fixtures.js';

const SCHEMA_ROOT = fileURLToPath(new URL('../../schemas-xoev/', import.meta.url));
const TYPES = Object.keys(XZSA_BUILDERS) as XzsaMessageType[];

describe('XZSA fixture builders (test/support/xzsa-fixtures.ts)', () => {
  let v: GatewayValidator;
  before(async () => {
    v = await loadValidator(SCHEMA_ROOT);
  });
  after(() => v.close());

  it('cover every XZSA message type the validator registers', () => {
    const xzsa = v.standards().find((s) => s.namespace === XZSA_NS);
    expect(xzsa?.messageTypes).to.deep.equal([...TYPES].sort());
  });

  for (const type of TYPES) {
    it(`${type}: the default output validates with the documented defaults`, () => {
      const { header, warnings } = v.check(Buffer.from(XZSA_BUILDERS[type]()));
      const [author, reader] = PARTIES[type];
      expect(warnings).to.deep.equal([]);
      expect(header).to.include({
        messageType: type, namespace: XZSA_NS, standard: 'XZSA', version: '1.0', author, reader, ags: DEMO_AGS,
        leika: defaultLeika(type), test: false,
      });
      expect(header.messageUuid).to.match(/^[0-9a-f-]{36}$/);
      expect(header.vorgangId).to.match(/^[0-9a-f-]{36}$/);
    });

    it(`${type}: takes every routing key from the options`, () => {
      const opts = {
        messageUuid: '11111111-2222-4333-8444-555555555555', vorgangId: '66666666-7777-4888-9999-aaaaaaaaaaaa',
        author: 'fv:15081000-test', reader: 'ags:15081000', ags: '15081000', leika: '99000000000000',
        createdAt: '2025-01-02T03:04:05.006+01:00', test: true,
      };
      const { header } = v.check(Buffer.from(XZSA_BUILDERS[type](opts)));
      const { messageUuid, vorgangId, author, reader, ags, leika, createdAt, test } = opts;
      expect(header).to.include({ messageUuid, vorgangId, author, reader, ags, leika, createdAt, test });
    });

    it(`${type}: padToBytes gives exactly that many bytes and still validates`, () => {
      for (const size of [8 * 1024, 64 * 1024]) {
        const xml = XZSA_BUILDERS[type]({ padToBytes: size, bemerkung: 'Hinweis mit <Sonderzeichen> & Umlauten: äöü' });
        expect(Buffer.byteLength(xml)).to.equal(size);
        v.check(Buffer.from(xml));
      }
    });
  }

  it('leaves a message alone when padToBytes is smaller than it already is', () => {
    const xml = hundFreigabe({ padToBytes: 100 });
    expect(xml).to.not.contain('<xzsa:bemerkung>');
    v.check(Buffer.from(xml));
  });

  it('marks test traffic only when the test attribute says so', () => {
    const flag = (test?: boolean): boolean => v.check(Buffer.from(hundFreigabe({ test }))).header.test;
    expect([flag(true), flag(false), flag(undefined)]).to.deep.equal([true, false, false]);
  });

  it('creates a fresh message UUID and Vorgang id per call', () => {
    const a = v.check(Buffer.from(XZSA_BUILDERS['hund.anmeldung.0101']())).header;
    const b = v.check(Buffer.from(XZSA_BUILDERS['hund.anmeldung.0101']())).header;
    expect(a.messageUuid).to.not.equal(b.messageUuid);
    expect(a.vorgangId).to.not.equal(b.vorgangId);
  });

  it('writes the references between the messages of one Vorgang', () => {
    const anmeldung = '0a0a0a0a-1b1b-4c2c-8d3d-4e4e4e4e4e4e';
    const draft = hundSteuerfestsetzung({ anmeldungUuid: anmeldung, jahresbetrag: '120.00' });
    expect(draft).to.contain(`<xzsa:bezugAnmeldung>${anmeldung}</xzsa:bezugAnmeldung>`).and.contain('<xzsa:betrag>30.00</xzsa:betrag>');
    const refusal = hundFreigabe({ entwurfUuid: anmeldung, entscheidung: 'abgelehnt' });
    expect(refusal).to.contain('<code>03</code>').and.contain('<xzsa:begruendung>').and.not.contain('<xzsa:bescheid>');
    v.check(Buffer.from(draft));
    v.check(Buffer.from(refusal));
  });

  it('describes attachments by the hash and size of their synthetic content', () => {
    const n = nachweis('07', 'schwerbehindertenausweis.pdf');
    const content = nachweisContent('schwerbehindertenausweis.pdf');
    expect(n.sha512).to.equal(createHash('sha512').update(content).digest('hex'));
    expect(n.groesse).to.equal(content.length);
    const xml = wohngeldAntrag({ nachweise: [n], haushaltsmitglieder: 4 });
    expect(xml.match(/<xzsa:mitglied>/g)).to.have.length(4);
    v.check(Buffer.from(xml));
  });

  it('builds a Fehler without a reference when the refused message had no readable UUID', () => {
    const xml = gatewayFehler({ refUuid: null, problemCode: 'GW_XML_MALFORMED', reasons: [{ art: '02', meldung: 'Start tag expected', zeile: 1, spalte: 1 }] });
    expect(xml).to.not.contain('bezugNachrichtenUUID');
    v.check(Buffer.from(xml));
  });
  it('carries the real LeiKa keys: Anmeldung and its Vorgang, Abmeldung, Wohngeld (docs/reference-keys.md)', () => {
    expect([defaultLeika('hund.anmeldung.0101'), defaultLeika('hund.freigabe.0103'), defaultLeika('hund.abmeldung.0104'), defaultLeika('wohngeld.nachreichung.0204')])
      .to.deep.equal([LEIKA_HUND, LEIKA_HUND, LEIKA_HUND_ABMELDUNG, LEIKA_WOHNGELD]);
    expect([LEIKA_HUND, LEIKA_HUND_ABMELDUNG, LEIKA_WOHNGELD]).to.deep.equal(['99102013104000', '99102013070000', '99107023037000']);
  });

  it('charges the first year pro rata in quarterly instalments due on or after the start of liability', () => {
    expect(erstesJahrFaelligkeiten('120.00', '2025-03-01')).to.deep.equal([
      { datum: '2025-05-15', betrag: '40.00' }, { datum: '2025-08-15', betrag: '30.00' }, { datum: '2025-11-15', betrag: '30.00' },
    ]);
    expect(erstesJahrFaelligkeiten('96.00', '2025-01-01').map((f) => f.betrag)).to.deep.equal(['24.00', '24.00', '24.00', '24.00']);
    expect(erstesJahrFaelligkeiten('100.00', '2025-12-01')).to.deep.equal([{ datum: '2025-12-15', betrag: '8.33' }]);
    const odd = erstesJahrFaelligkeiten('97.00', '2025-04-01'); // 9 months: 72.75
    expect(odd.reduce((sum, f) => sum + Math.round(Number(f.betrag) * 100), 0)).to.equal(7275);
    for (const ab of ['2025-01-01', '2025-02-01', '2025-06-01', '2025-11-01', '2025-12-01']) {
      v.check(Buffer.from(hundSteuerfestsetzung({ jahresbetrag: '97.00', festsetzungAb: ab })));
    }
  });

  it('builds XZSA 1.1: the renamed and the added field, and an ARS in the header routed by its AGS', () => {
    const xml = hundAnmeldung({ xzsaVersion: '1.1', ags: '150830490490', weitereHunde: 1 });
    expect(xml).to.contain('<xzsa:beginnHaltung>').and.contain('<xzsa:weitereHunde>1</xzsa:weitereHunde>').and.not.contain('haltungsbeginn');
    const { header } = v.check(Buffer.from(xml));
    expect(header).to.include({ namespace: 'urn:zsa-gateway:xzsa:1.1', version: '1.1', ags: '15083490' });
    expect(hundAnmeldung()).to.contain('<xzsa:haltungsbeginn>').and.not.contain('weitereHunde');
  });
});
