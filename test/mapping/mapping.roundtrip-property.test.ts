/**
 * Property: XZSA → dialect → XZSA keeps every mapped field. For each case the XZSA messages
 * are generated (fast-check) as EfA forms mapped by efa-hund-form-to-xzsa, so they are valid
 * XZSA with arbitrary names (umlauts, &, <, quotes), dates, codes and optional blocks. Each
 * message goes to the dialect and back; every XPath the forward mapping reads (`from` of its
 * rules, read from its mapping.yaml) must give the same string on the original and on the
 * returned message. A dialect joins by adding a row to CASES (its forward mapping under
 * mappings/, its way back under mappings/ or test/fixtures/mappings-roundtrip/).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import fc from 'fast-check';
import { XmlDocument } from 'libxml2-wasm';
import { parse as parseYaml } from 'yaml';
import { loadMappings } from '../../gateway/mapping/index.js';
import type { MappingRegistry } from '../../gateway/mapping/types.js';
import { loadAll, MAPPINGS_DIR } from './support.js';

const ROUNDTRIP_DIR = fileURLToPath(new URL('../fixtures/mappings-roundtrip/', import.meta.url));

interface RoundTripCase { forward: string; back: string; runs: number }
const CASES: RoundTripCase[] = [
  { forward: 'xzsa-to-fv-rest-json', back: 'fv-rest-json-to-xzsa-hund', runs: 150 },
];

interface RuleYaml { from?: string; forEach?: string; rules?: RuleYaml[] }
interface MappingYaml { from: { namespaces?: Record<string, string> }; rules: RuleYaml[] }

/** Every `from` XPath of the mapping's top-level rules (groups are compared through their own `from`s as absolute paths is not possible: they are skipped). */
function mappedPaths(name: string): { paths: string[]; namespaces: Record<string, string> } {
  const spec = parseYaml(readFileSync(`${MAPPINGS_DIR}${name}/mapping.yaml`, 'utf8')) as MappingYaml;
  const paths = spec.rules.flatMap((r) => (r.from ? [r.from] : []));
  return { paths: [...new Set(paths)], namespaces: spec.from.namespaces ?? {} };
}

function values(xml: Buffer, paths: string[], namespaces: Record<string, string>): Record<string, string> {
  const doc = XmlDocument.fromBuffer(xml);
  try {
    return Object.fromEntries(paths.map((p) => [p, String(doc.root.eval(`string(${p})`, namespaces)).trim()]));
  } finally {
    doc.dispose();
  }
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
const deDate = (d: Date): string => `${pad(d.getUTCDate())}.${pad(d.getUTCMonth() + 1)}.${d.getUTCFullYear()}`;
const day = (from: string, to: string): fc.Arbitrary<Date> => fc.date({ min: new Date(`${from}T00:00:00Z`), max: new Date(`${to}T00:00:00Z`), noInvalidDate: true });
const text = (max: number): fc.Arbitrary<string> => fc.string({ unit: fc.constantFrom(...'aeiknrstuzÄÖÜäöüßéÉ&<>"\' -.'.split('')), minLength: 1, maxLength: max })
  .map((s) => s.trim()).filter((s) => s.length > 0);
const digits = (n: number): fc.Arbitrary<string> => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((d) => d.join(''));

/** EfA Hund forms: every optional block sometimes present, every code of the form's lists. */
const hundForm = fc.record({
  uuid: fc.uuid(), caseId: fc.uuid(), test: fc.boolean(),
  key: fc.oneof(digits(6).map((d) => `15${d}`), digits(10).map((d) => `15${d}`)),
  first: text(30), last: text(30), birth: day('1930-01-01', '2006-12-31'),
  street: text(40), house: fc.stringMatching(/^[1-9][0-9]{0,2}[a-d]?$/), zip: digits(5), city: text(30),
  email: fc.option(fc.emailAddress(), { nil: undefined }), phone: fc.option(digits(9).map((d) => `+49 ${d}`), { nil: undefined }),
  dog: text(20), breed: fc.oneof(fc.constantFrom('Mischling', 'Labrador Retriever', 'Dackel', 'Pitbull Terrier'), text(30)),
  dogBirth: day('2010-01-01', '2024-12-31'), keepDays: fc.integer({ min: 0, max: 900 }), chip: digits(15),
  dangerous: fc.constantFrom('no', 'breed', 'assessed'),
  sepa: fc.option(fc.record({ iban: digits(20).map((d) => `DE${d}`), holder: text(40), ref: fc.stringMatching(/^[A-Z0-9-]{1,35}$/), signed: day('2024-01-01', '2025-12-31') }), { nil: undefined }),
  remarks: fc.option(text(80), { nil: undefined }),
}).map((f) => ({
  form: { id: 'S99102013104000-FORM', version: '1.2.0' },
  submission: { id: f.uuid, submittedAt: '2025-03-04T09:12:45+01:00', caseId: f.caseId, leikaKey: '99102013104000', municipalityKey: f.key, test: f.test },
  applicant: { firstName: f.first, lastName: f.last, birthDate: deDate(f.birth), address: { street: f.street, houseNumber: f.house, postalCode: f.zip, city: f.city }, email: f.email, phone: f.phone },
  dog: { name: f.dog, breed: f.breed, birthDate: deDate(f.dogBirth), chipNumber: f.chip, dangerous: f.dangerous },
  keepingStart: deDate(new Date(f.dogBirth.getTime() + f.keepDays * 86_400_000)),
  reductions: [],
  payment: f.sepa ? { method: 'sepa', iban: f.sepa.iban, accountHolder: f.sepa.holder, mandateReference: f.sepa.ref, mandateDate: deDate(f.sepa.signed) } : { method: 'transfer' },
  remarks: f.remarks,
}));

describe('mapping round trip XZSA → dialect → XZSA (property)', () => {
  let registry: MappingRegistry;
  let back: MappingRegistry & { close(): void };
  before(async () => {
    const loaded = await loadAll();
    registry = loaded.registry;
    back = await loadMappings([ROUNDTRIP_DIR], { validator: loaded.validator });
  });
  after(() => back?.close());

  for (const c of CASES) {
    it(`${c.forward} and back (${c.back}) keep every mapped field`, async () => {
      const { paths, namespaces } = mappedPaths(c.forward);
      expect(paths.length).to.be.greaterThan(10);
      const form = registry.get('efa-hund-form-to-xzsa')!;
      const there = registry.get(c.forward)!;
      const home = back.get(c.back) ?? registry.get(c.back);
      expect(home, c.back).to.not.equal(undefined);
      await fc.assert(fc.asyncProperty(hundForm, async (input) => {
        const xzsa = (await form.run(Buffer.from(JSON.stringify(input)))).body;
        const dialect = await there.run(xzsa);
        const returned = (await home!.run(dialect.body)).body;
        expect(values(returned, paths, namespaces)).to.deep.equal(values(xzsa, paths, namespaces));
      }), { numRuns: c.runs });
    });
  }
});
