/**
 * Bad input to the Fachverfahren dialect and version mappings (ADR 0019): each case turns a
 * good golden fixture into a bad one (a code with no translation, a date or amount in the
 * wrong form, a mandatory field missing, a value longer than the receiver takes) and expects
 * GW_MAPPING_FAILED naming the mapping, the rule and the input path — without the value —
 * and that the same compiled mapping maps the next good message.
 */
import { expect } from 'chai';
import { dialect, fixture, type DialectMapping } from './dialects.support.js';
import { rejection } from './support.js';

interface BadCase {
  title: string;
  mapping: DialectMapping;
  /** The good fixture input the case edits. */
  input: string;
  edit: (good: string) => string;
  rule: string;
  /** Expected to occur in the input path the error names. */
  path: string;
  /** A value put into the input that must not appear in the error. */
  secret?: string;
}

function replaceOnce(s: string, from: string | RegExp, to: string): string {
  const out = s.replace(from, to);
  if (out === s) throw new Error(`test setup: ${String(from)} not found in the fixture`);
  return out;
}

const LONG_NAME = 'Wolkenkuckucksheim-Sonnenschein-Mondenglanz-Sternenfeld';
const CASES: BadCase[] = [
  {
    title: 'XZSA → HSTX: a Hundekategorie code HSTX has no Steuerart for',
    mapping: 'xzsa-to-fv-legacy-xml', input: 'anmeldung-mit-lastschrift.input.xml',
    edit: (s) => replaceOnce(s, '<code>01</code>', '<code>ZZ9</code>'),
    rule: 'hund.steuerart', path: 'kategorie', secret: 'ZZ9',
  },
  {
    title: 'XZSA → HSTX: the chip number is missing',
    mapping: 'xzsa-to-fv-legacy-xml', input: 'anmeldung-mit-lastschrift.input.xml',
    edit: (s) => replaceOnce(s, /<xzsa:chipnummer>[^<]*<\/xzsa:chipnummer>/, ''),
    rule: 'hund.transponder', path: 'chipnummer',
  },
  {
    title: 'XZSA → HSTX: a family name longer than the 50 characters HSTX takes',
    mapping: 'xzsa-to-fv-legacy-xml', input: 'anmeldung-mit-lastschrift.input.xml',
    edit: (s) => replaceOnce(s, '<xzsa:familienname>Beispielmann<', `<xzsa:familienname>${LONG_NAME}<`),
    rule: 'halter.name', path: 'familienname', secret: LONG_NAME,
  },
  {
    title: 'HSTX → XZSA: a Bescheid date in ISO form instead of dd.MM.yyyy',
    mapping: 'fv-legacy-xml-to-xzsa', input: 'bescheid-abweichend.input.xml',
    edit: (s) => replaceOnce(s, '<BESCHEIDDATUM>28.04.2025<', '<BESCHEIDDATUM>2025-04-28<'),
    rule: 'bescheid.datum', path: 'BESCHEIDDATUM', secret: '2025-04-28',
  },
  {
    title: 'HSTX → XZSA: an instalment due date in ISO form',
    mapping: 'fv-legacy-xml-to-xzsa', input: 'bescheid-mit-zahlungsplan.input.xml',
    edit: (s) => replaceOnce(s, '<FAELLIG>15.08.2025<', '<FAELLIG>2025-08-15<'),
    rule: 'rate.datum', path: 'FAELLIG', secret: '2025-08-15',
  },
  {
    title: 'HSTX → XZSA: the Bescheid names its PDF without a hash',
    mapping: 'fv-legacy-xml-to-xzsa', input: 'bescheid-mit-zahlungsplan.input.xml',
    edit: (s) => replaceOnce(s, /<SHA512>[0-9a-f]+<\/SHA512>/, ''),
    rule: 'dokument.sha512', path: 'SHA512',
  },
  {
    title: 'HST-RUECK → XZSA: an unmasked IBAN where the masked one belongs',
    mapping: 'fv-csv-to-xzsa', input: 'festgesetzt-mit-zahlungsplan.input.csv',
    edit: (s) => s.split('DE02**************3000').join('DE02120300000000203000'),
    rule: 'zahlung.iban', path: 'IBAN_MASKIERT', secret: 'DE02120300000000203000',
  },
  {
    title: 'HSTX → XZSA: a refusal reason key with no XZSA wording',
    mapping: 'fv-legacy-xml-to-xzsa', input: 'abgelehnt.input.xml',
    edit: (s) => replaceOnce(s, '<GRUND>A1<', '<GRUND>A7<'),
    rule: 'ablehnung.grund', path: 'GRUND', secret: 'A7',
  },
  {
    title: 'HSTX → XZSA: a refusal without its reason',
    mapping: 'fv-legacy-xml-to-xzsa', input: 'abgelehnt.input.xml',
    edit: (s) => replaceOnce(s, /<ABLEHNUNG>[\s\S]*<\/ABLEHNUNG>/, ''),
    rule: 'ablehnung.grund', path: 'ABLEHNUNG',
  },
  {
    title: 'XZSA → HST-IMPORT: the start of keeping the dog is missing',
    mapping: 'xzsa-to-fv-csv', input: 'ersthund-lastschrift.input.xml',
    edit: (s) => replaceOnce(s, /<xzsa:haltungsbeginn>[^<]*<\/xzsa:haltungsbeginn>/, ''),
    rule: 'haltung.ab', path: 'haltungsbeginn',
  },
  {
    title: 'XZSA → HST-IMPORT: a Hundekategorie code without a Steuerklasse',
    mapping: 'xzsa-to-fv-csv', input: 'ersthund-lastschrift.input.xml',
    edit: (s) => replaceOnce(s, '<code>01</code>', '<code>ZZ8</code>'),
    rule: 'hund.steuerklasse', path: 'kategorie', secret: 'ZZ8',
  },
  {
    title: 'HST-RUECK → XZSA: a STATUS the Fachverfahren does not define',
    mapping: 'fv-csv-to-xzsa', input: 'festgesetzt.input.csv',
    edit: (s) => replaceOnce(s, ';FEST;', ';STORNO;'),
    rule: 'entscheidung.code', path: 'STATUS', secret: 'STORNO',
  },
  {
    title: 'HST-RUECK → XZSA: ERSTELLT in ISO form instead of dd.MM.yyyy HH:mm',
    mapping: 'fv-csv-to-xzsa', input: 'festgesetzt.input.csv',
    edit: (s) => replaceOnce(s, ';10.06.2025 14:32;', ';2025-06-10 14:32;'),
    rule: 'kopf.erstellt', path: 'ERSTELLT', secret: '2025-06-10 14:32',
  },
  {
    title: 'HST-RUECK → XZSA: a changed assessment whose amount has a decimal point instead of a comma',
    mapping: 'fv-csv-to-xzsa', input: 'festgesetzt.input.csv',
    edit: (s) => replaceOnce(s, ';FEST;HST-2025-0215;10.06.2025;45,00;', ';AEND;HST-2025-0215;10.06.2025;45.00;'),
    rule: 'korrigierterJahresbetrag', path: 'JAHRESSTEUER', secret: '45.00',
  },
  {
    title: 'HST-RUECK → XZSA: the reference to the answered message is empty',
    mapping: 'fv-csv-to-xzsa', input: 'festgesetzt.input.csv',
    edit: (s) => replaceOnce(s, ';8b3e0f27-6a19-4d52-bc84-1e7f2a9d3c82;', ';;'),
    rule: 'bezug', path: 'BEZUG_ID',
  },
  {
    title: 'XZSA 1.1 → 1.0: a 1.1 message that still uses the 1.0 name haltungsbeginn',
    mapping: 'xzsa-1.1-to-1.0', input: 'ohne-neue-angaben.input.xml',
    edit: (s) => replaceOnce(s, /xzsa:beginnHaltung>/g, 'xzsa:haltungsbeginn>'),
    rule: 'haltungsbeginn', path: 'beginnHaltung',
  },
  {
    title: 'XZSA 1.0 → 1.1: the Vorgang id is missing',
    mapping: 'xzsa-1.0-to-1.1', input: 'anmeldung-mit-lastschrift.input.xml',
    edit: (s) => replaceOnce(s, /<xzsab:vorgangsID>[^<]*<\/xzsab:vorgangsID>/, ''),
    rule: 'vorgang.id', path: 'vorgangsID',
  },
  {
    title: 'REST JSON → XZSA: the corrected amount as a German decimal instead of cents',
    mapping: 'fv-rest-json-to-xzsa', input: 'festgesetzt-mit-aenderung.input.json',
    edit: (s) => replaceOnce(s, '"annualTaxCents": 4500', '"annualTaxCents": "45,17"'),
    rule: 'korrigierterJahresbetrag', path: 'annualTaxCents', secret: '45,17',
  },
  {
    title: 'REST JSON → XZSA: a time stamp without its offset',
    mapping: 'fv-rest-json-to-xzsa', input: 'festgesetzt-mit-aenderung.input.json',
    edit: (s) => replaceOnce(s, '"2025-03-18T11:04:27+01:00"', '"2025-03-18T11:04:27"'),
    rule: 'kopf.erstellt', path: 'meta.createdAt', secret: '11:04:27',
  },
  {
    title: 'REST JSON → XZSA: a decision without the case it belongs to',
    mapping: 'fv-rest-json-to-xzsa', input: 'festgesetzt-mit-aenderung.input.json',
    edit: (s) => replaceOnce(s, '"caseId": "c2a4f6e8-1b3d-4c5e-8f70-9a1b2c3d4e5f",', ''),
    rule: 'vorgang.id', path: 'meta.caseId',
  },
  {
    title: 'REST JSON → XZSA: an instalment due date in German form',
    mapping: 'fv-rest-json-to-xzsa', input: 'festgesetzt-mit-zahlungsplan-und-pdf.input.json',
    edit: (s) => replaceOnce(s, '"due": "2025-08-15"', '"due": "15.08.2025"'),
    rule: 'rate.datum', path: 'due', secret: '15.08.2025',
  },
  {
    title: 'REST JSON → XZSA: a Bescheid document that is not a PDF',
    mapping: 'fv-rest-json-to-xzsa', input: 'festgesetzt-mit-zahlungsplan-und-pdf.input.json',
    edit: (s) => replaceOnce(s, '"mediaType": "application/pdf"', '"mediaType": "text/html"'),
    rule: 'dokument.medientyp', path: 'document.mediaType', secret: 'text/html',
  },
  {
    title: 'REST JSON → XZSA: a direct debit without its mandate reference',
    mapping: 'fv-rest-json-to-xzsa', input: 'festgesetzt-mit-zahlungsplan-und-pdf.input.json',
    edit: (s) => replaceOnce(s, '"mandateRef": "HST-15003000-000731", ', ''),
    rule: 'zahlung.mandat', path: 'payment.directDebit.mandateRef',
  },
  {
    title: 'XZSA → REST JSON draft: a draft without any instalment',
    mapping: 'xzsa-steuerfestsetzung-to-fv-rest-json', input: 'entwurf-lastschrift-drei-raten.input.xml',
    edit: (s) => replaceOnce(s, /<xzsa:faelligkeit>[\s\S]*<\/xzsa:faelligkeit>/, ''),
    rule: 'raten.anzahl', path: 'faelligkeit',
  },
  {
    title: 'XZSA → REST JSON draft: the start of the liability in German form',
    mapping: 'xzsa-steuerfestsetzung-to-fv-rest-json', input: 'entwurf-lastschrift-drei-raten.input.xml',
    edit: (s) => replaceOnce(s, '<xzsa:festsetzungAb>2025-04-01<', '<xzsa:festsetzungAb>01.04.2025<'),
    rule: 'liableFrom', path: 'festsetzungAb', secret: '01.04.2025',
  },
  {
    title: 'XZSA → REST JSON draft: no annual amount',
    mapping: 'xzsa-steuerfestsetzung-to-fv-rest-json', input: 'entwurf-lastschrift-drei-raten.input.xml',
    edit: (s) => replaceOnce(s, '<xzsa:jahresbetrag>96.00</xzsa:jahresbetrag>', ''),
    rule: 'annualTax', path: 'jahresbetrag',
  },
];

describe('dialect and version mappings: bad input', function () {
  for (const c of CASES) {
    it(`${c.title}: GW_MAPPING_FAILED names ${c.mapping}, rule ${c.rule}; the next good message still maps`, async () => {
      const good = await fixture(c.mapping, c.input);
      const m = await dialect(c.mapping);
      const e = await rejection(m.run(Buffer.from(c.edit(good))));
      expect(e.code).to.equal('GW_MAPPING_FAILED');
      expect(e.extra['mapping']).to.equal(c.mapping);
      expect(e.extra['rule']).to.equal(c.rule);
      expect(String(e.extra['path'])).to.include(c.path);
      if (c.secret !== undefined) {
        expect(e.message).not.to.include(c.secret);
        expect(JSON.stringify(e.issues)).not.to.include(c.secret);
      }
      const next = await m.run(Buffer.from(good));
      expect(next.body.length).to.be.greaterThan(0);
    });
  }
});
