/**
 * Findings carry no citizen data: libxml2's XSD messages, code-list, header-sanity, identity
 * and rule findings keep rule, line, column, path and the schema's facts, never the value a
 * message holds. Also: a rule finding points at the line of the element it concerns.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { XmlAttribute, XmlDocument } from 'libxml2-wasm';
import { GatewayError } from '../../gateway/errors.js';
import { loadValidator, type GatewayValidator } from '../../gateway/validation/index.js';
import { redactParserMessage, redactSchemaMessage, WITHHELD } from '../../gateway/validation/redact.js';
import { discoverSamples, judgeSample, readExpectation } from '../../gateway/validation/samples.js';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const ROOTS = [here('../../schemas-xoev/'), here('../fixtures/xoev/')];
const ANMELDUNG = readFileSync(here('../../schemas-xoev/xzsa/1.0/samples/valid/hund.anmeldung.0101.xml'), 'utf8');
const ZEITRAUM = here('../fixtures/xoev/xbeteiligung/1.2/samples/invalid/11-zeitraum-ende-vor-beginn.xml');
const ALL_WARN = { xsd: 'warn', identity: 'warn', codelist: 'warn', header: 'warn', rules: 'warn' } as const;

/** A value a citizen could write, with quotes, an apostrophe and a newline inside. */
const SECRET = "Erika' O\"Brien\n' is not accepted by the pattern 'x";

describe('validation findings carry no values from the message', () => {
  describe('redactSchemaMessage: every libxml2 shape that quotes a value', () => {
    const el = "Element '{urn:x}feld': ";
    const cases: Array<[string, string, string]> = [
      // [libxml2 message after the prefix, with SECRET as the value; a schema fact that must stay]
      [`[facet 'pattern'] The value '${SECRET}' is not accepted by the pattern '[0-9]{5}'.`, "pattern '[0-9]{5}'", 'pattern'],
      [`[facet 'enumeration'] The value '${SECRET}' is not an element of the set {'01', '02'}.`, "{'01', '02'}", 'enumeration'],
      [`[facet 'maxLength'] The value '${SECRET}' has a length of '40'; this exceeds the allowed maximum length of '35'.`, "maximum length of '35'", 'maxLength'],
      [`[facet 'minLength'] The value '${SECRET}' has a length of '1'; this underruns the allowed minimum length of '2'.`, "minimum length of '2'", 'minLength'],
      [`[facet 'length'] The value '${SECRET}' has a length of '3'; this differs from the allowed length of '5'.`, "allowed length of '5'", 'length'],
      [`[facet 'maxInclusive'] The value '${SECRET}' is greater than the maximum value allowed ('100').`, "('100')", 'maxInclusive'],
      [`[facet 'minInclusive'] The value '${SECRET}' is less than the minimum value allowed ('0').`, "('0')", 'minInclusive'],
      [`[facet 'minExclusive'] The value '${SECRET}' must be greater than '0'.`, "greater than '0'", 'minExclusive'],
      [`[facet 'totalDigits'] The value '${SECRET}' has more digits than are allowed ('5').`, "('5')", 'totalDigits'],
      [`[facet 'fractionDigits'] The value '${SECRET}' has more fractional digits than are allowed ('2').`, "fractional digits than are allowed ('2')", 'fractionDigits'],
      [`'${SECRET}' is not a valid value of the atomic type 'xs:date'.`, "atomic type 'xs:date'", 'atomic'],
      [`'${SECRET}' is not a valid value of the local union type.`, 'local union type', 'local union'],
      [`The value '${SECRET}' does not match the fixed value constraint '1.0'.`, "fixed value constraint '1.0'", 'fixed'],
      [`The element content '${SECRET}' does not match the fixed value constraint '1.0'.`, "fixed value constraint '1.0'", 'fixed content'],
      [`The QName value '${SECRET}' has no corresponding namespace declaration in scope.`, 'no corresponding namespace', 'QName'],
      [`Duplicate key-sequence ['${SECRET}'] in unique identity-constraint 'eindeutig'.`, "identity-constraint 'eindeutig'", 'unique'],
      [`No match found for key-sequence ['${SECRET}'] of keyref 'verweis'.`, "keyref 'verweis'", 'keyref'],
    ];
    for (const [raw, kept, name] of cases) {
      it(`${name}: drops the value, keeps ${kept}`, () => {
        const out = redactSchemaMessage(el + raw);
        expect(out).to.not.contain('Erika');
        expect(out).to.not.contain('Brien');
        expect(out).to.contain(kept).and.satisfy((s: string) => s.startsWith(el));
      });
    }

    it('keeps messages that quote only schema names', () => {
      for (const raw of [
        "This element is not expected. Expected is ( {urn:x}familienname ).",
        "Missing child element(s). Expected is one of ( {urn:x}a, {urn:x}b ).",
        "The attribute 'geheim' is not allowed.",
        "Element content is not allowed, because the type definition is simple.",
        "Character content other than whitespace is not allowed because the content type is 'element-only'.",
      ]) expect(redactSchemaMessage(el + raw)).to.equal(el + raw);
    });

    it('fails closed on a shape it does not know: element names stay, the rest is withheld', () => {
      const out = redactSchemaMessage(`${el}Some future message about '${SECRET}'.`);
      expect(out).to.not.contain('Erika');
      expect(out).to.contain("Element '{urn:x}feld'").and.contain(WITHHELD);
    });

    it('parser messages lose the bytes of content they quote', () => {
      expect(redactParserMessage('Input is not proper UTF-8, indicate encoding !\nBytes: 0xE4 0x20 0x54 0x65\n'))
        .to.equal(`Input is not proper UTF-8, indicate encoding !\nBytes: ${WITHHELD}`);
    });
  });

  describe('through the validator', () => {
    let v: GatewayValidator;
    before(async () => {
      v = await loadValidator(ROOTS);
    });
    after(() => v?.close());

    /** The Anmeldung with SECRET-like values in an XSD pattern, a date, the header's kennung, UUID and creation time, and a code. */
    const planted = ANMELDUNG
      .replace('<xzsa:iban>DE02120300000000202051</xzsa:iban>', "<xzsa:iban>Erika'Iban\nZeile</xzsa:iban>")
      .replace('<xzsa:geburtsdatum>1984-06-15</xzsa:geburtsdatum>', '<xzsa:geburtsdatum>Erika"15.06.1984</xzsa:geburtsdatum>')
      .replace('<xzsab:kennung>efa:hund-lsa</xzsab:kennung>', '<xzsab:kennung>Erika Testfrau</xzsab:kennung>')
      .replace('3f2b8c1e-6d4a-4e1f-9a7b-0c5d2e8f1a01', 'Erika-Uuid')
      .replace('2025-03-04T09:12:45.118+01:00', 'Erika-Zeit');

    it('warnings and findings of every layer name rule and place, not the values', () => {
      const r = v.check(Buffer.from(planted), () => ALL_WARN);
      const layers = new Set(r.findings.map((f) => f.layer));
      expect([...layers]).to.include.members(['xsd', 'header']);
      expect(r.findings.filter((f) => f.layer === 'xsd').length).to.be.greaterThan(2);
      expect(JSON.stringify(r.findings)).to.not.contain('Erika');
      expect(r.warnings.join('\n')).to.not.contain('Erika');
      expect(r.warnings.join('\n')).to.contain("pattern '").and.contain("'xs:date'");
      for (const f of r.findings) expect(f.path, JSON.stringify(f)).to.be.a('string');
    });

    it('a refusal carries no value either: detail and issues', () => {
      let thrown: unknown;
      try {
        v.check(Buffer.from(planted));
      } catch (err) {
        thrown = err;
      }
      expect(thrown).to.be.instanceOf(GatewayError);
      const err = thrown as GatewayError;
      expect(err.code).to.equal('GW_XSD_INVALID');
      // extra.message (author, UUID, type) is routing metadata for the rejection log, not a finding
      const all = JSON.stringify({ m: err.message, i: err.issues, warnings: err.extra['warnings'] });
      expect(all).to.not.contain('Erika', all);
      expect(err.issues.every((i) => typeof i.line === 'number')).to.equal(true);
    });
  });

  it('a rule finding points at the line of the element it concerns (the later date), not the context', async () => {
    const v = await loadValidator(ROOTS);
    try {
      const xml = readFileSync(ZEITRAUM);
      const lines = xml.toString('utf8').split('\n');
      const endeLine = lines.findIndex((l) => l.includes('<xbeteiligung:ende>2024-05-10+02:00')) + 1;
      let thrown: unknown;
      try {
        v.check(xml);
      } catch (err) {
        thrown = err;
      }
      const issue = (thrown as GatewayError).issues.find((i) => i.rule === 'rules.zeitraum.beginn-vor-ende');
      expect(endeLine).to.be.greaterThan(0);
      expect(issue?.line).to.equal(endeLine);
      expect(issue?.message).to.not.contain('2024-05-10');
    } finally {
      v.close();
    }
  });
});

describe('no sample refusal quotes a value of its message', () => {
  /** Everything the standard folder itself says (descriptor, XSDs, code lists): values found there are schema facts, not data. */
  const schemaText = new Map<string, string>();
  function factsOf(dir: string): string {
    let text = schemaText.get(dir);
    if (text === undefined) {
      const files = readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile() && /\.(xsd|yaml|xml)$/.test(e.name) && !e.parentPath.includes('samples'));
      text = files.map((e) => readFileSync(join(e.parentPath, e.name), 'utf8')).join('\n');
      schemaText.set(dir, text);
    }
    return text;
  }
  /** Text and attribute values of a message that could be data: not codes or versions (shownToken shape), URIs, blanks, or schema facts. */
  function dataValues(xml: Buffer, facts: string): string[] {
    const doc = XmlDocument.fromBuffer(xml);
    try {
      const values = doc.find('//text() | //@*').map((n) => (n instanceof XmlAttribute ? n.value : n.content).trim());
      return [...new Set(values)].filter((v) => v.length >= 4 && !/^[0-9][0-9A-Za-z._-]{0,23}$/.test(v) && !/^(urn:|https?:)/.test(v) && !facts.includes(v));
    } finally {
      doc.dispose();
    }
  }
  const dirs = (d: string): string[] => readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  const cases = ROOTS.flatMap((root) => dirs(root).flatMap((std) => dirs(join(root, std)).flatMap((ver) =>
    discoverSamples(join(root, std, ver)).filter((c) => c.kind === 'invalid').map((c) => ({ ...c, label: `${std}/${ver}` })))));

  let v: GatewayValidator;
  before(async () => {
    v = await loadValidator(ROOTS);
  });
  after(() => v?.close());

  it('finds invalid samples in both roots', () => expect(new Set(cases.map((c) => c.label)).size).to.be.greaterThan(1));

  for (const c of cases) {
    it(`${c.label} invalid/${c.name}`, () => {
      const want = readExpectation(c);
      if (want.limits) return; // limits cases never reach a layer that reads values
      const xml = readFileSync(c.xml);
      const { error } = judgeSample(v, c, want);
      expect(error, 'refused').to.be.instanceOf(GatewayError);
      const texts = [error?.message ?? '', ...(error?.issues ?? []).map((i) => i.message)];
      let values: string[] = [];
      try {
        values = dataValues(xml, factsOf(join(c.xml, '..', '..', '..')));
      } catch {
        return; // not well-formed: nothing to compare with
      }
      for (const value of values) for (const t of texts) expect(t, `quotes "${value}"`).to.not.contain(value);
    });
  }
});
