/**
 * Bad input to a mapping: each case is a GW_MAPPING_FAILED that names the mapping, the rule
 * and the input path and never quotes the offending value; the next good message still maps.
 * A mapping whose output its own schema refuses is GW_MAPPING_OUTPUT_INVALID (a mapping bug).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { toProblem, type GatewayError } from '../../gateway/errors.js';
import { loadMappings } from '../../gateway/mapping/index.js';
import type { CompiledMapping } from '../../gateway/mapping/types.js';
import { loadAll, MAPPINGS_DIR, rejection } from './support.js';

type Form = Record<string, Record<string, unknown>>;
const FORM = `${MAPPINGS_DIR}efa-hund-form-to-xzsa/fixtures/magdeburg-ars-sepa.input.json`;
const XZSA = `${MAPPINGS_DIR}xzsa-to-fv-rest-json/fixtures/sepa-magdeburg.input.xml`;

const form = (): Form => JSON.parse(readFileSync(FORM, 'utf8')) as Form;
const body = (f: Form): Buffer => Buffer.from(JSON.stringify(f));

/** The error names mapping, rule and path, in extra and in the problem, and leaves `secret` out of every text. */
function expectNamed(err: GatewayError, mapping: string, rule: string, path: string, secret: string): void {
  expect(err.code).to.equal('GW_MAPPING_FAILED');
  expect(err.extra).to.deep.equal({ mapping, rule, path });
  const problem = toProblem(err);
  expect(problem).to.include({ mapping, rule, path, status: 422 });
  expect(problem.detail).to.include(mapping).and.include(rule).and.include(path);
  expect(JSON.stringify(problem)).to.not.include(secret);
}

describe('mapping bad input', () => {
  let hund: CompiledMapping;
  let rest: CompiledMapping;
  before(async () => {
    const { registry } = await loadAll();
    hund = registry.get('efa-hund-form-to-xzsa')!;
    rest = registry.get('xzsa-to-fv-rest-json')!;
  });

  it('a form missing a mandatory field names rule and path', async () => {
    const f = form();
    delete f.applicant!.lastName;
    expectNamed(await rejection(hund.run(body(f))), 'efa-hund-form-to-xzsa', 'halter.familienname', 'applicant.lastName', 'Testfrau');
  });

  it('a blank mandatory field counts as missing', async () => {
    const f = form();
    (f.dog as Record<string, unknown>).chipNumber = '   ';
    const err = await rejection(hund.run(body(f)));
    expectNamed(err, 'efa-hund-form-to-xzsa', 'hund.chipnummer', 'dog.chipNumber', 'Testfrau');
    expect(err.message).to.include('mandatory value missing');
  });

  it('a code with no translation names the code list, not the code', async () => {
    const f = form();
    (f.dog as Record<string, unknown>).dangerous = 'Kampfhund-vielleicht';
    const err = await rejection(hund.run(body(f)));
    expectNamed(err, 'efa-hund-form-to-xzsa', 'hund.kategorie.code', 'dog.dangerous', 'Kampfhund-vielleicht');
    expect(err.message).to.include('code list kategorie');
  });

  it('a date in the wrong format names the expected form', async () => {
    const f = form();
    f.applicant!.birthDate = '1984-06-15';
    const err = await rejection(hund.run(body(f)));
    expectNamed(err, 'efa-hund-form-to-xzsa', 'halter.geburtsdatum', 'applicant.birthDate', '1984-06-15');
    expect(err.message).to.include('dd.MM.yyyy');
  });

  it('an impossible calendar date is refused too', async () => {
    const f = form();
    f.applicant!.birthDate = '31.02.1984';
    expectNamed(await rejection(hund.run(body(f))), 'efa-hund-form-to-xzsa', 'halter.geburtsdatum', 'applicant.birthDate', '31.02.1984');
  });

  it('a municipality key that is neither AGS nor ARS fails its pattern', async () => {
    const f = form();
    f.submission!.municipalityKey = '1500300';
    expectNamed(await rejection(hund.run(body(f))), 'efa-hund-form-to-xzsa', 'kopf.ags', 'submission.municipalityKey', '1500300');
  });

  it('a control character XML cannot carry is an input failure naming the rule, not an output bug', async () => {
    const f = form();
    (f.dog as Record<string, unknown>).name = 'Bel\u0007lo';
    const err = await rejection(hund.run(body(f)));
    expect(err.code).to.equal('GW_MAPPING_FAILED');
    expect(err.extra).to.include({ mapping: 'efa-hund-form-to-xzsa', rule: 'hund.name' });
  });

  it('input that is not JSON is refused as input', async () => {
    const err = await rejection(hund.run(Buffer.from('{"applicant": ')));
    expect(err.code).to.equal('GW_MAPPING_FAILED');
    expect(err.extra).to.include({ mapping: 'efa-hund-form-to-xzsa', rule: 'input' });
  });

  it('a mapped message that breaks a service rule of the target standard is a mapping failure naming that rule', async () => {
    const f = form();
    (f.dog as Record<string, unknown>).birthDate = '02.04.2025';
    const err = await rejection(hund.run(body(f)));
    expect(err.code).to.equal('GW_MAPPING_FAILED');
    expect(err.extra.rule).to.equal('rules.hund.anmeldung.geburt-vor-haltung');
  });

  it('an XML source with an untranslatable code names the element path', async () => {
    const xml = readFileSync(XZSA, 'utf8').replace(/<code>01<\/code>(\s*<name>nicht)/, '<code>07</code>$1');
    expect(xml).to.include('<code>07</code>');
    const err = await rejection(rest.run(Buffer.from(xml)));
    expectNamed(err, 'xzsa-to-fv-rest-json', 'dog.category', '/hund.anmeldung.0101/xzsa:hund/xzsa:kategorie/code', '07');
  });

  it('the next good message still maps after failures', async () => {
    await rejection(hund.run(Buffer.from('not json')));
    const out = await hund.run(readFileSync(FORM));
    expect(out.body.toString()).to.include('<xzsab:ags>15003000</xzsab:ags>');
  });

  it('output refused by the target schema is GW_MAPPING_OUTPUT_INVALID (a mapping bug), never partial output', async () => {
    const registry = await loadMappings([fileURLToPath(new URL('../fixtures/mappings-buggy/', import.meta.url))]);
    const err = await rejection(registry.get('json-to-rest-wrong-type')!.run(Buffer.from('{"address":{"zip":"06108"}}')));
    expect(err.code).to.equal('GW_MAPPING_OUTPUT_INVALID');
    expect(err.extra).to.deep.equal({ mapping: 'json-to-rest-wrong-type', rule: 'output', path: '/zip' });
    expect(toProblem(err).status).to.equal(500);
    registry.close();
  });
});
