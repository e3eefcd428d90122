/**
 * Strictness: the policy passed to `check` decides per layer (2–6) whether findings reject
 * the message or ride along as warnings; layer 1 and the routing keys always reject. The
 * policy sees the header, so the gateway can pass the strictness of the matching route.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { GatewayError, type ErrorCode } from '../../gateway/errors.js';
import { loadValidator, type GatewayValidator, type Strictness, type StrictnessPolicy } from '../../gateway/validation/index.js';
import type { MessageHeader } from '../../gateway/model/index.js';
import { hundAnmeldung, hundSteuerfestsetzung } from '../support/xzsa-fixtures.js';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const XBET = here('../fixtures/xoev/xbeteiligung/1.2/samples/');
const real0402 = readFileSync(`${XBET}valid/example402FromCockpit.xml`);
const real0401 = readFileSync(`${XBET}valid/xbeteiligung-test-kommunal.Initiieren.0401.xml`);

describe('validation strictness', () => {
  let v: GatewayValidator;
  before(async () => {
    v = await loadValidator({ roots: [here('../../schemas-xoev/'), here('../fixtures/xoev/')] });
  });
  after(() => v.close());

  const outcome = (xml: Buffer | string, policy?: StrictnessPolicy): ErrorCode | string[] => {
    try {
      return v.check(Buffer.isBuffer(xml) ? xml : Buffer.from(xml), policy).warnings;
    } catch (err) {
      if (err instanceof GatewayError) return err.code;
      throw err;
    }
  };
  const fixed = (s: Strictness): StrictnessPolicy => () => s;

  it('accepts the real 0402 messages with code 0401 under the default of their standard, with a warning naming layer, rule and place', () => {
    const { warnings, findings } = v.check(real0402);
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.match(/^layer 3 identity \[identity\.type-code\] .*0401 \(expected 0402\) at \/kommunal\.Aktualisieren\.0402\/nachrichtenkopf\.g2g\/identifikation\.nachricht\/nachrichtentyp\/code \(line \d+\)$/);
    expect(findings[0]).to.include({ layer: 'identity', rule: 'identity.type-code' });
  });

  it('refuses them where the route says identity: reject, and still accepts the consistent 0401 messages', () => {
    expect(outcome(real0402, fixed({ identity: 'reject' }))).to.equal('GW_MESSAGE_TYPE_MISMATCH');
    expect(outcome(real0401, fixed({ identity: 'reject' }))).to.deep.equal([]);
  });

  it('hands the policy the header read before the XSD runs', () => {
    const seen: MessageHeader[] = [];
    v.check(real0402, (h) => {
      seen.push(h);
      return undefined;
    });
    expect(seen).to.have.length(1);
    expect(seen[0]).to.include({ standard: 'XBeteiligung', version: '1.2', messageType: 'kommunal.Aktualisieren.0402', reader: 'xyz:0002' });
  });

  it('lets a route relax a layer of our own standard: an XSD error becomes a warning', () => {
    const bad = hundAnmeldung().replace('<xzsa:rasse>Mischling</xzsa:rasse>', '<xzsa:rasse>Mischling</xzsa:rasse><xzsa:farbe>braun</xzsa:farbe>');
    expect(outcome(bad)).to.equal('GW_XSD_INVALID');
    const warnings = outcome(bad, fixed({ xsd: 'warn' }));
    expect(warnings).to.be.an('array').with.length(1);
    expect((warnings as string[])[0]).to.match(/^layer 2 xsd \[xsd\.schema\] .*farbe.* at \/hund\.anmeldung\.0101\/hund\/farbe \(line \d+:?\d*\)$/);
  });

  it('keeps checking after a warned layer: a later rejecting layer refuses, carrying the earlier warnings', () => {
    const draft = hundSteuerfestsetzung({ jahresbetrag: '96.00' }).replace('<xzsa:jahresbetrag>96.00<', '<xzsa:jahresbetrag>100.00<').replace('<code>0102</code>', '<code>0101</code>');
    try {
      v.check(Buffer.from(draft), fixed({ identity: 'warn' }));
      expect.fail('accepted');
    } catch (err) {
      const e = err as GatewayError;
      expect(e.code).to.equal('GW_RULE_VIOLATION');
      expect(e.issues[0]).to.include({ layer: 'rules', rule: 'rules.hund.steuerfestsetzung.faelligkeiten-anteilig' });
      expect(e.extra['warnings']).to.be.an('array').that.satisfies((w: string[]) => w.some((x) => x.includes('identity.type-code')));
    }
    expect(outcome(draft, fixed({ identity: 'warn', rules: 'warn' }))).to.have.length(2);
  });

  it('never relaxes layer 1 or the routing keys, whatever the policy says', () => {
    const all: Strictness = { xsd: 'warn', identity: 'warn', codelist: 'warn', header: 'warn', rules: 'warn' };
    expect(outcome(hundAnmeldung().replace('</xzsa:rasse>', ''), fixed(all))).to.equal('GW_XML_MALFORMED');
    expect(outcome(hundAnmeldung().replace(/<xzsab:ags>[^<]*<\/xzsab:ags>/, ''), fixed(all))).to.equal('GW_ROUTING_KEY_MISSING');
    expect(outcome(hundAnmeldung().replace('urn:zsa-gateway:xzsa:1.0', 'urn:zsa-gateway:xzsa:9.9'), fixed(all))).to.equal('GW_UNKNOWN_MESSAGE_TYPE');
  });

  it('ignores values a policy may not give, and reports a throwing policy as GW_INTERNAL', () => {
    const odd = (() => ({ identity: 'off' })) as unknown as StrictnessPolicy;
    expect(outcome(real0402, odd)).to.have.length(1); // the standard's default (warn) stays
    expect(outcome(real0402, () => {
      throw new Error('route table broken');
    })).to.equal('GW_INTERNAL');
  });
});
