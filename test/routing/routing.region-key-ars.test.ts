import { expect } from 'chai';
import { GatewayError } from '../../gateway/errors.js';
import { passThroughHeader } from '../../gateway/ingress/pass-through.js';
import { arsMismatch, parseRegionKey, requireAgs, routingAgs } from '../../gateway/routing/region-key.js';
import { testConfig } from '../support/gateway.js';

/**
 * AGS and ARS (gateway/routing/region-key.ts, ADR 0021): the AGS of an ARS is its digits 1–5
 * and 10–12; every place that takes an AGS takes an ARS too.
 */
describe('routing: a 12-digit ARS is accepted wherever an AGS is', () => {
  // the pilot's keys, docs/reference-keys.md
  const PILOT: Array<[string, string, string]> = [
    ['Magdeburg', '150030000000', '15003000'],
    ['Halle (Saale)', '150020000000', '15002000'],
    ['Sülzetal', '150830490490', '15083490'],
    ['Landkreis Wittenberg', '150910000000', '15091000'],
    ['Lutherstadt Wittenberg', '150910375375', '15091375'],
  ];

  it('maps each ARS to its AGS and reads an AGS as it is', () => {
    for (const [name, ars, ags] of PILOT) {
      expect(parseRegionKey(ars), name).to.deep.equal({ ags, ars });
      expect(parseRegionKey(ags), name).to.deep.equal({ ags, ars: null });
      expect(routingAgs(ars), name).to.equal(ags);
    }
    expect(parseRegionKey(' 150830490490 ')).to.deep.equal({ ags: '15083490', ars: '150830490490' });
  });

  it('leaves what is neither shape to the checks that judge it, and refuses it where a parameter must be one', () => {
    for (const odd of ['', '1500300', '1500300000', '1500300000000', '15003OOO', 'ags:15003000']) {
      expect(parseRegionKey(odd), odd).to.equal(undefined);
      expect(routingAgs(odd), odd).to.equal(odd);
    }
    expect(requireAgs('150030000000', 'query.ags')).to.equal('15003000');
    try {
      requireAgs('1500300000', 'query.ags');
      expect.fail('accepted');
    } catch (err) {
      const e = err as GatewayError;
      expect(e.code).to.equal('GW_BAD_REQUEST');
      expect(e.message).to.equal('query.ags must be an AGS (8 digits) or an ARS (12 digits)').and.not.contain('1500300000');
      expect(e.issues[0]?.path).to.equal('query.ags');
    }
  });

  it('cross-checks a configured ARS against the AGS, naming the AGS the ARS stands for', () => {
    expect(arsMismatch('15083490', '150830490490')).to.equal(undefined);
    expect(arsMismatch('15083490', '150830490491')).to.equal('ARS 150830490491 stands for AGS 15083491 (digits 1-5 and 10-12), not for 15083490');
    expect(arsMismatch('15083490', '15083490')).to.equal('ARS must be 12 digits');
    const cfg = testConfig();
    expect(cfg.municipalities.map((m) => [m.ags, m.ars])).to.deep.include.members([['15083490', '150830490490'], ['15091000', '150910000000']]);
  });

  it('takes an ARS in the pass-through header X-AGS and routes it by its AGS', () => {
    const headers = (ags: string) => ({
      'x-message-uuid': '2f0c6a3e-5b1d-4c8e-9a7f-0d3b5e6f7a81', 'x-message-type': 'hund.anmeldung.0101', 'x-author': 'efa:hund-lsa',
      'x-reader': 'zsa:lsa', 'x-vorgang-id': 'V-1', 'x-leika': '99102013104000', 'x-ags': ags,
    });
    expect(passThroughHeader(headers('150830490490')).ags).to.equal('15083490');
    expect(passThroughHeader(headers('15083490')).ags).to.equal('15083490');
    try {
      passThroughHeader(headers('1508349049'));
      expect.fail('accepted');
    } catch (err) {
      expect((err as GatewayError).code).to.equal('GW_HEADER_INVALID');
      expect((err as GatewayError).issues[0]?.message).to.equal('header x-ags must be an AGS (8 digits) or an ARS (12 digits)');
    }
  });
});
