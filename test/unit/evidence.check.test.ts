import { expect } from 'chai';
import { GatewayError } from '../../gateway/errors.js';
import type { AttachmentRef } from '../../gateway/model/index.js';
import { checkEvidence } from '../../gateway/validation/evidence.js';

const CFG = { item: 'nachweise/nachweis', sha512: 'sha512', size: 'groesse' };
const A = 'a1'.repeat(64);
const B = 'b2'.repeat(64);
const ref = (sha512: string, size: number, unknown = false): AttachmentRef => ({ name: 'x.pdf', mediaType: 'application/pdf', sha512, size, ...(unknown && { unknown: true as const }) });

/** A message in namespace `ns` (prefix `p`) listing `entries` ([sha512 or null, size or null]). */
function msg(entries: Array<[string | null, number | null]>, ns = 'urn:example:a', p = 'a'): Buffer {
  const items = entries
    .map(([h, s]) => `<${p}:nachweis>${h === null ? '' : `<${p}:sha512>${h}</${p}:sha512>`}${s === null ? '' : `<${p}:groesse>${s}</${p}:groesse>`}</${p}:nachweis>`)
    .join('');
  return Buffer.from(`<${p}:antrag xmlns:${p}="${ns}"><${p}:nachweise>${items}</${p}:nachweise></${p}:antrag>`);
}

function refusal(fn: () => void): Array<[string | undefined, string | undefined]> {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(GatewayError);
    expect((err as GatewayError).code).to.equal('GW_EVIDENCE_MISMATCH');
    return (err as GatewayError).issues.map((i) => [i.path, i.rule]);
  }
  throw new Error('evidence accepted');
}

/** checkEvidence (ADR 0023): paths by local name in any namespace; hash case; entries without hash; attachments the store did not hold. */
describe('evidence check', () => {
  it('accepts entries carried by the message or the Vorgang, in any namespace and hash letter case', () => {
    expect(() => checkEvidence(msg([[A.toUpperCase(), 64], [B, null]], 'urn:other:b', 'q'), CFG, [ref(A, 64)], [ref(B, 10)])).to.not.throw();
    expect(() => checkEvidence(Buffer.from('<antrag/>'), CFG, [], [])).to.not.throw();
  });

  it('names each failing entry by position and rule, and nothing of its content', () => {
    const issues = refusal(() => checkEvidence(msg([[A, 65], [null, 3], [B, 10]]), CFG, [ref(A, 64)], []));
    expect(issues).to.deep.equal([
      ['/antrag/nachweise/nachweis[1]/groesse', 'evidence.size-mismatch'],
      ['/antrag/nachweise/nachweis[2]/sha512', 'evidence.hash-missing'],
      ['/antrag/nachweise/nachweis[3]/sha512', 'evidence.not-attached'],
    ]);
  });

  it('does not count a reference to bytes the attachment store does not hold', () => {
    expect(refusal(() => checkEvidence(msg([[A, 64]]), CFG, [ref(A, 64, true)], []))).to.deep.equal([['/antrag/nachweise/nachweis[1]/sha512', 'evidence.not-attached']]);
  });

  it('ignores the size when the service names no size field', () => {
    expect(() => checkEvidence(msg([[A, 999]]), { item: CFG.item, sha512: CFG.sha512 }, [ref(A, 64)], [])).to.not.throw();
  });
});
