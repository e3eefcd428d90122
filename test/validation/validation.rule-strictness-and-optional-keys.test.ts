/**
 * Strictness per rule (`byRule`, beating the layer setting, from the descriptor or the
 * route), and routing keys a message type may leave empty (`messageTypes[].optionalHeader`):
 * a missing optional key is finding header.key-missing, a warning unless a setting says
 * `reject`; a missing required key still refuses with GW_ROUTING_KEY_MISSING.
 * Runs on the real XBeteiligung 1.2 set and its real messages.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { GatewayError } from '../../gateway/errors.js';
import { readDescriptor } from '../../gateway/validation/descriptor.js';
import { loadValidator, type GatewayValidator, type Strictness } from '../../gateway/validation/index.js';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const XBET = here('../fixtures/xoev/xbeteiligung/1.2/');
const sample = (p: string): string => readFileSync(join(XBET, 'samples', p), 'utf8');
const REAL_0401 = sample('valid/xbeteiligung-test-kommunal.Initiieren.0401.xml');
const REAL_0402 = sample('valid/example402FromCockpit.xml');
const STALE_LIST = sample('invalid/07-stale-planart-list-version.xml');

function outcome(v: GatewayValidator, xml: string, s?: Strictness): { code?: string; warnings: string[]; rules: string[] } {
  try {
    const r = v.check(Buffer.from(xml), s ? () => s : undefined);
    return { warnings: r.warnings, rules: r.findings.map((f) => f.rule) };
  } catch (err) {
    if (!(err instanceof GatewayError)) throw err;
    return { code: err.code, warnings: (err.extra['warnings'] as string[] | undefined) ?? [], rules: err.issues.map((i) => i.rule ?? '') };
  }
}

describe('strictness per rule, and routing keys optional per message type', () => {
  let root: string;
  let v: GatewayValidator;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'zsa-optional-keys-'));
    const dir = join(root, 'xbeteiligung', '1.2');
    cpSync(XBET, dir, { recursive: true });
    const yaml = readFileSync(join(dir, 'standard.yaml'), 'utf8');
    expect(yaml).to.contain('  - kommunal.Initiieren.0401\n');
    writeFileSync(join(dir, 'standard.yaml'), yaml.replace('  - kommunal.Initiieren.0401\n', '  - { name: kommunal.Initiieren.0401, optionalHeader: [vorgangId, reader] }\n'));
    v = await loadValidator([root]);
  });
  after(() => {
    v?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('a rule set to warn lets a stale list version through while the codelist layer still rejects', () => {
    expect(outcome(v, STALE_LIST).code).to.equal('GW_CODELIST_INVALID');
    const relaxed = outcome(v, STALE_LIST, { byRule: { 'codelist.unknown-version': 'warn' } });
    expect(relaxed.code).to.equal(undefined);
    expect(relaxed.rules).to.include('codelist.unknown-version');
  });

  it('a rule set to reject refuses although its layer only warns', () => {
    expect(outcome(v, REAL_0402).code).to.equal(undefined); // identity: warn in the descriptor
    const strict = outcome(v, REAL_0402, { byRule: { 'identity.type-code': 'reject' } });
    expect(strict.code).to.equal('GW_MESSAGE_TYPE_MISMATCH');
    expect(outcome(v, REAL_0402, { identity: 'reject', byRule: { 'identity.type-code': 'warn' } }).code).to.equal(undefined);
  });

  const without = (xml: string): string => xml
    .replace(/(<ns5:vorgangsID>)[^<]*(<\/ns5:vorgangsID>)/, '$1$2')
    .replace('<ns3:kennung>xyz:0002</ns3:kennung>', '<ns3:kennung></ns3:kennung>');

  it('a message type that may carry no Vorgang id and no reader is accepted without them, with one warning each', () => {
    const r = outcome(v, without(REAL_0401));
    expect(r.code, JSON.stringify(r)).to.equal(undefined);
    expect(r.rules.filter((x) => x === 'header.key-missing')).to.have.length(2);
    expect(r.warnings.join('\n')).to.contain('routing key vorgangId is empty').and.contain('routing key reader is empty');
  });

  it('header.key-missing set to reject refuses such a message with GW_HEADER_INVALID', () => {
    expect(outcome(v, without(REAL_0401), { byRule: { 'header.key-missing': 'reject' } }).code).to.equal('GW_HEADER_INVALID');
  });

  it('another message type without a Vorgang id is still refused before the XSD', () => {
    const r = outcome(v, REAL_0402.replace('<xbeteiligung:vorgangsID>vorgang1234</xbeteiligung:vorgangsID>', '<xbeteiligung:vorgangsID></xbeteiligung:vorgangsID>'));
    expect(r.code).to.equal('GW_ROUTING_KEY_MISSING');
  });

  it('the descriptor refuses byRule names that are no rule, and optional keys that are not required anyway', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zsa-byrule-'));
    try {
      const file = join(dir, 'standard.yaml');
      const yaml = readFileSync(join(XBET, 'standard.yaml'), 'utf8')
        .replace('  rules: reject\n', '  rules: reject\n  byRule: { codelist.gibt-es-nicht: warn, rules.zeitraum.beginn-vor-ende: warn }\n')
        .replace('  - kommunal.Loeschen.0409\n', '  - { name: kommunal.Loeschen.0409, optionalHeader: [ags] }\n');
      writeFileSync(file, yaml);
      const messages = (await readDescriptor(file)).issues.map((i) => i.message);
      expect(messages).to.have.length(2);
      expect(messages[0]).to.contain('codelist.gibt-es-nicht');
      expect(messages[1]).to.contain('kommunal.Loeschen.0409 makes ags optional');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
