/**
 * The HSTX 2.3 schemas document the legacy XML dialect (ADR 0019). The engine validates what
 * it writes (HSTX_ANMELDUNG) but not what it reads (HSTX_BESCHEID), so this test keeps the
 * documented answer format and its examples in step: every good HSTX fixture is valid against
 * its schema, and the bad-date fixture is refused by it as well as by the mapping.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { XmlDocument, XmlValidateError, XsdValidator } from 'libxml2-wasm';
import { MAPPINGS_DIR } from './support.js';

function validity(xsdFile: string, xmlFile: string): string[] {
  const schemaDoc = XmlDocument.fromBuffer(readFileSync(xsdFile));
  const xsd = XsdValidator.fromDoc(schemaDoc);
  const doc = XmlDocument.fromBuffer(readFileSync(xmlFile));
  try {
    xsd.validate(doc);
    return [];
  } catch (err) {
    if (err instanceof XmlValidateError) return err.details.map((d) => d.message.trim());
    throw err;
  } finally {
    doc.dispose();
    xsd.dispose();
    schemaDoc.dispose();
  }
}

const files = (mapping: string, re: RegExp): string[] => readdirSync(join(MAPPINGS_DIR, mapping, 'fixtures')).filter((f) => re.test(f)).sort();

describe('HSTX 2.3 schemas and their examples', () => {
  const answerXsd = join(MAPPINGS_DIR, 'fv-legacy-xml-to-xzsa', 'schema.xsd');
  const importXsd = join(MAPPINGS_DIR, 'xzsa-to-fv-legacy-xml', 'schema.xsd');
  const answers = files('fv-legacy-xml-to-xzsa', /\.input\.xml$/);
  const imports = files('xzsa-to-fv-legacy-xml', /\.expected\.xml$/);

  it('has examples on both sides', () => {
    expect(answers).to.include.members(['abgelehnt.input.xml', 'bescheid-abweichend.input.xml']);
    expect(imports).to.include('anmeldung-mit-lastschrift.expected.xml');
  });

  for (const f of answers.filter((a) => !a.startsWith('bescheiddatum-iso'))) {
    it(`HSTX_BESCHEID example ${f} is valid against fv-legacy-xml-to-xzsa/schema.xsd`, () => {
      expect(validity(answerXsd, join(MAPPINGS_DIR, 'fv-legacy-xml-to-xzsa', 'fixtures', f))).to.deep.equal([]);
    });
  }

  it('the answer with an ISO Bescheid date is refused by the schema too', () => {
    const errors = validity(answerXsd, join(MAPPINGS_DIR, 'fv-legacy-xml-to-xzsa', 'fixtures', 'bescheiddatum-iso-statt-deutsch.input.xml'));
    expect(errors.join('\n')).to.include('BESCHEIDDATUM');
  });

  for (const f of imports) {
    it(`HSTX_ANMELDUNG example ${f} is valid against xzsa-to-fv-legacy-xml/schema.xsd`, () => {
      expect(validity(importXsd, join(MAPPINGS_DIR, 'xzsa-to-fv-legacy-xml', 'fixtures', f))).to.deep.equal([]);
    });
  }
});
