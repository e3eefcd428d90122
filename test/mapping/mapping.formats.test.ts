/**
 * The engine across formats the dialect mappings need (test/fixtures/mappings-formats/):
 * XML → CSV with one row per repeating group and header columns repeated, CSV → XML checked
 * against an XSD in the mapping folder, XML → fixed-field with widths and padding,
 * fixed-field → JSON with cents and booleans; a value longer than its column is refused.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { loadMappings } from '../../gateway/mapping/index.js';
import type { MappingRegistry } from '../../gateway/mapping/types.js';
import { MAPPINGS_DIR, rejection, SCHEMAS_DIR } from './support.js';

const DIR = fileURLToPath(new URL('../fixtures/mappings-formats/', import.meta.url));
const wohngeld = readFileSync(`${MAPPINGS_DIR}efa-wohngeld-form-to-xzsa/fixtures/family-ars-two-incomes.expected.xml`);
const hund = readFileSync(`${SCHEMAS_DIR}xzsa/1.0/samples/valid/hund.anmeldung.0101.xml`);

describe('mapping formats (xml, json, csv, fixed)', () => {
  let registry: MappingRegistry & { close(): void };
  before(async () => {
    registry = await loadMappings([DIR]);
  });
  after(() => registry.close());

  it('XML → CSV: one row per group item, top-level columns repeated, dates and cents converted', async () => {
    const out = await registry.get('xml-to-csv')!.run(wohngeld);
    expect(out).to.include({ format: 'csv', mediaType: 'text/csv; charset=utf-8' });
    expect(out.body.toString()).to.equal([
      'vorgang;nr;name;geboren;einkommen_cent',
      '9d8c7b6a-5e4f-4a3b-9c2d-1e0f9a8b7c6d;1;Jonas Probemann;28.02.1979;185000',
      '9d8c7b6a-5e4f-4a3b-9c2d-1e0f9a8b7c6d;2;Lea Probemann;14.07.1982;63050',
      '9d8c7b6a-5e4f-4a3b-9c2d-1e0f9a8b7c6d;3;Mia Probemann;02.09.2016;0',
      '',
    ].join('\n'));
  });

  it('CSV → XML: rows become repeated elements, checked against the folder XSD', async () => {
    const csv = 'az;betrag;datum;status\nHST-2025-0042;1.234,50;01.04.2025;OK\nHST-2025-0042;12,00;01.07.2025;ERR\n';
    const out = await registry.get('csv-to-xml')!.run(Buffer.from(csv));
    expect(out.body.toString()).to.include('<a:antwort xmlns:a="urn:example:antwort"><a:aktenzeichen>HST-2025-0042</a:aktenzeichen>'
      + '<a:posten status="angenommen"><a:betrag>1234.50</a:betrag><a:datum>2025-04-01</a:datum></a:posten>'
      + '<a:posten status="abgelehnt"><a:betrag>12.00</a:betrag><a:datum>2025-07-01</a:datum></a:posten></a:antwort>');
  });

  it('CSV → XML: output its folder XSD refuses is GW_MAPPING_OUTPUT_INVALID with the element path, quoting no value', async () => {
    const err = await rejection(registry.get('csv-to-xml')!.run(Buffer.from('az;betrag;datum;status\nGeheim-Wert;1,00;01.04.2025;OK\n')));
    expect(err.code).to.equal('GW_MAPPING_OUTPUT_INVALID');
    expect(err.extra).to.include({ mapping: 'csv-to-xml', rule: 'output' });
    expect(String(err.extra.path)).to.include('aktenzeichen');
    expect(JSON.stringify({ message: err.message, issues: err.issues })).to.not.include('Geheim-Wert');
  });

  it('CSV → XML: a bad row names rule and line item', async () => {
    const err = await rejection(registry.get('csv-to-xml')!.run(Buffer.from('az;betrag;datum;status\nX;1,00;2025-04-01;OK\n')));
    expect(err.code).to.equal('GW_MAPPING_FAILED');
    expect(err.extra).to.deep.equal({ mapping: 'csv-to-xml', rule: 'datum', path: 'records[0].datum' });
  });

  it('CSV with a header row that does not name the declared columns in order is refused as input', async () => {
    const err = await rejection(registry.get('csv-to-xml')!.run(Buffer.from('betrag;az;datum;status\n1,00;X;01.04.2025;OK\n')));
    expect(err.code).to.equal('GW_MAPPING_FAILED');
    expect(err.extra).to.deep.equal({ mapping: 'csv-to-xml', rule: 'input', path: 'line 1' });
  });

  it('XML → fixed-field: widths, left and right alignment, padding', async () => {
    const out = await registry.get('xml-to-fixed')!.run(hund);
    expect(out.body.toString()).to.equal(`HA15003000${'Testfrau'.padEnd(20)}2760000000000012025030100007\n`);
  });

  it('XML → fixed-field: a value longer than its column is a mapping failure naming the rule', async () => {
    const long = Buffer.from(hund.toString().replace('<xzsa:familienname>Testfrau<', '<xzsa:familienname>Testfrau-Mustermann-Beispiel<'));
    const err = await rejection(registry.get('xml-to-fixed')!.run(long));
    expect(err.code).to.equal('GW_MAPPING_FAILED');
    expect(err.extra).to.include({ rule: 'name', path: 'record[0].name' });
    expect(err.message).to.not.include('Mustermann');
  });

  it('XML → fixed-field: a line break in a value would split the record and is refused', async () => {
    const broken = Buffer.from(hund.toString().replace('<xzsa:familienname>Testfrau<', '<xzsa:familienname>Test&#10;frau<'));
    const err = await rejection(registry.get('xml-to-fixed')!.run(broken));
    expect(err.code).to.equal('GW_MAPPING_FAILED');
    expect(err.extra).to.include({ rule: 'name', path: 'record[0].name' });
  });

  it('fixed-field → JSON: one item per line, cents to euros, booleans', async () => {
    const out = await registry.get('fixed-to-json')!.run(Buffer.from('HST-000042000123451\nHST-00004300000000' + '0\n'));
    expect(JSON.parse(out.body.toString())).to.deep.equal({ items: [{ az: 'HST-000042', euro: 123.45, ok: true }, { az: 'HST-000043', euro: 0, ok: false }] });
  });
});
