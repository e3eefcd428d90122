import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { loadValidator, type GatewayValidator } from '../../gateway/validation/index.js';
import {
  DEMO_AGS, LEIKA_HUND, LEIKA_WOHNGELD, PARTIES, XZSA_BUILDERS, XZSA_NS, gatewayFehler, hundFreigabe,
  hundSteuerfestsetzung, nachweis, nachweisContent, wohngeldAntrag, type XzsaMessageType,
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
        leika: type.startsWith('wohngeld.') ? LEIKA_WOHNGELD : LEIKA_HUND, test: false,
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
});
