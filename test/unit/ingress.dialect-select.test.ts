import { expect } from 'chai';
import { csvHead, xmlRoot } from '../../gateway/ingress/dialect-select.js';

describe('ingress: what selects a dialect mapping before anything is mapped', () => {
  const x = (s: string) => Buffer.from(s);

  it('reads the root element past declaration, comments, PIs and a BOM, with the namespace declared on it', () => {
    expect(xmlRoot(x('<?xml version="1.0"?>\n<!-- Export 2.3 --><?hstx x?>\n<HSTX_BESCHEID VERSION="2.3"><KOPF/></HSTX_BESCHEID>'))).to.deep.equal({ local: 'HSTX_BESCHEID', namespace: '' });
    expect(xmlRoot(x('\uFEFF<a:Antwort xmlns:a="urn:example:fv" xmlns="urn:other"/>'))).to.deep.equal({ local: 'Antwort', namespace: 'urn:example:fv' });
    expect(xmlRoot(x("<Antwort xmlns='urn:example:fv'>"))).to.deep.equal({ local: 'Antwort', namespace: 'urn:example:fv' });
    expect(xmlRoot(x('<xzsa:hund.freigabe.0103 xmlns:xzsa="urn:zsa-gateway:xzsa:1.0">'))).to.deep.equal({ local: 'hund.freigabe.0103', namespace: 'urn:zsa-gateway:xzsa:1.0' });
  });

  it('answers no root for a DOCTYPE, text before the root, an unclosed comment or a start tag past the window', () => {
    for (const doc of ['<!DOCTYPE x [<!ENTITY e "e">]><HSTX_BESCHEID/>', 'text<HSTX_BESCHEID/>', '<!-- open <HSTX_BESCHEID/>', `<!--${' '.repeat(70 * 1024)}--><HSTX_BESCHEID/>`, '<1bad/>', '']) {
      expect(xmlRoot(x(doc)), doc.slice(0, 30)).to.equal(undefined);
    }
  });

  it('reads the CSV record type after the header and counts one or several records, never throwing on broken CSV', () => {
    const o = { delimiter: ';', header: true };
    expect(csvHead(x('SATZART;A\nRM;1\n'), o)).to.deep.equal({ recordType: 'RM', records: 1 });
    expect(csvHead(x('SATZART;A\n"RM";"x;y"\nRM;2\nRM;3\n'), o)).to.deep.equal({ recordType: 'RM', records: 2 });
    expect(csvHead(x('SATZART;A\n'), o)).to.deep.equal({ recordType: undefined, records: 0 });
    expect(csvHead(x('SATZART;A\nRM;"open\n'), o).recordType).to.equal(undefined);
    expect(csvHead(x('RM,1\n'), { delimiter: ',', header: false })).to.deep.equal({ recordType: 'RM', records: 1 });
  });
});
