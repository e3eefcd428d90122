/**
 * `services[].caseMatches` (gateway/validation/case-match.ts, ADR 0024): a value of a message
 * must be one the latest earlier message of a type in its Vorgang gave. Pure logic: the earlier
 * payload comes from a function.
 */
import { expect } from 'chai';
import type { CaseMatchConfig } from '../../gateway/config/service-rules.js';
import { GatewayError } from '../../gateway/errors.js';
import { checkCaseMatches } from '../../gateway/validation/case-match.js';

const MATCH: CaseMatchConfig = { id: 'bescheid-mandat', message: 'hund.freigabe.0103', path: 'bescheid/zahlung/lastschrift/mandatsreferenz', earlier: 'hund.anmeldung.0101', earlierPath: 'sepaMandat/mandatsreferenz' };
const release = (ref?: string): Buffer => Buffer.from(`<x:hund.freigabe.0103 xmlns:x="urn:zsa-gateway:xzsa:1.1"><x:bescheid><x:zahlung>${ref === undefined ? '<x:ePaymentReferenz>EPAY-1</x:ePaymentReferenz>' : `<x:lastschrift><x:mandatsreferenz>${ref}</x:mandatsreferenz></x:lastschrift>`}</x:zahlung></x:bescheid></x:hund.freigabe.0103>`);
const anmeldung = (ref?: string): Buffer => Buffer.from(`<y:hund.anmeldung.0101 xmlns:y="urn:zsa-gateway:xzsa:1.0">${ref === undefined ? '' : `<y:sepaMandat><y:mandatsreferenz> ${ref} </y:mandatsreferenz></y:sepaMandat>`}</y:hund.anmeldung.0101>`);

async function refusal(p: Promise<void>): Promise<GatewayError> {
  try {
    await p;
  } catch (err) {
    return err as GatewayError;
  }
  throw new Error('expected a refusal');
}

describe('case matches: a value must come from an earlier message of the Vorgang', () => {
  it('passes the same value (blanks around it ignored, any namespace), and a message without the value', async () => {
    await checkCaseMatches(release('HST-1'), 'hund.freigabe.0103', [MATCH], async () => anmeldung('HST-1'));
    await checkCaseMatches(release(), 'hund.freigabe.0103', [MATCH], async () => undefined);
    await checkCaseMatches(release('HST-1'), 'hund.abmeldung.0104', [MATCH], async () => undefined); // another type: not checked
  });

  for (const [what, earlier, message] of [
    ['another value', anmeldung('HST-2'), "the value differs from sepaMandat/mandatsreferenz of the Vorgang's hund.anmeldung.0101"],
    ['an application without mandate', anmeldung(), "the Vorgang's hund.anmeldung.0101 gives no sepaMandat/mandatsreferenz"],
    ['no application in the Vorgang', undefined, 'the Vorgang holds no hund.anmeldung.0101 to take this value from'],
  ] as const) {
    it(`refuses a mandate on the Bescheid against ${what}, naming path and rule, never a value`, async () => {
      const err = await refusal(checkCaseMatches(release('HST-1'), 'hund.freigabe.0103', [MATCH], async () => earlier));
      expect(err.code).to.equal('GW_CASE_MISMATCH');
      expect(err.issues).to.deep.equal([{ message, path: '/hund.freigabe.0103/bescheid/zahlung/lastschrift/mandatsreferenz', layer: 'case', rule: 'case.bescheid-mandat' }]);
      expect(err.message).to.not.contain('HST-');
    });
  }
});
