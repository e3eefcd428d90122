import { expect } from 'chai';
import { missingEvidence, requiredEvidence } from '../../gateway/demo/simulators/completeness.js';
import { draftAssessment, type DogTaxRates } from '../../gateway/demo/simulators/dog-tax.js';
import { evidenceIn, reductionIn } from '../../gateway/demo/simulators/zsa-clerk.js';
import { Rng } from '../../gateway/demo/rng.js';

/**
 * The ZSA clerk simulator's rules, against values worked out by hand (rates: first dog 96,
 * further dog 156, dangerous dog 612 EUR a year, reductions 50 %; due dates 15 Feb/May/Aug/Nov,
 * the starting month counts in full, each instalment covers the months up to the end of its
 * quarter).
 */
const RATES: DogTaxRates = { firstDog: 96, furtherDog: 156, dangerousDog: 612, reductions: { 'Rettungshund (geprüft)': 50 } };
const plain = { dangerous: false, dogsAlreadyKept: 0 };

describe('demo: the ZSA clerk simulator computes dog-tax drafts by its visible rules', () => {
  it('first dog from 1 March: 10 of 12 months = 80.00, February dropped, May carries March to June', () => {
    const d = draftAssessment(RATES, { ...plain, start: '2025-03-01' });
    expect(d.jahresbetrag).to.equal('96.00');
    expect(d.festsetzungAb).to.equal('2025-03-01');
    expect(d.instalments).to.deep.equal([
      { datum: '2025-05-15', betrag: '32.00' },
      { datum: '2025-08-15', betrag: '24.00' },
      { datum: '2025-11-15', betrag: '24.00' },
    ]);
  });

  it('a further dog from 20 July pays the further-dog rate for July to December: 78.00 in two instalments', () => {
    const d = draftAssessment(RATES, { ...plain, dogsAlreadyKept: 1, start: '2025-07-20' });
    expect(d.jahresbetrag).to.equal('156.00');
    expect(d.instalments).to.deep.equal([
      { datum: '2025-08-15', betrag: '39.00' },
      { datum: '2025-11-15', betrag: '39.00' },
    ]);
  });

  it('a dangerous dog pays the dangerous-dog rate whatever else the household keeps: a full year in four quarters', () => {
    const d = draftAssessment(RATES, { ...plain, dangerous: true, dogsAlreadyKept: 2, start: '2025-01-10' });
    expect(d.jahresbetrag).to.equal('612.00');
    expect(d.instalments.map((i) => i.betrag)).to.deep.equal(['153.00', '153.00', '153.00', '153.00']);
    expect(d.instalments[0]!.datum).to.equal('2025-02-15');
  });

  it('a reduction with evidence halves the rate; a start on the 15th still falls due that day', () => {
    const d = draftAssessment(RATES, { ...plain, start: '2025-05-15', reduction: { kind: 'Rettungshund (geprüft)', evidence: ['att-1'] } });
    expect(d.jahresbetrag).to.equal('48.00');
    expect(d.instalments).to.deep.equal([
      { datum: '2025-05-15', betrag: '8.00' },
      { datum: '2025-08-15', betrag: '12.00' },
      { datum: '2025-11-15', betrag: '12.00' },
    ]);
    expect(d.notes.join(' ')).to.include('50 %');
  });

  it('a reduction without evidence, or of a kind the rates do not know, is not granted and says so', () => {
    const none = draftAssessment(RATES, { ...plain, start: '2025-05-15', reduction: { kind: 'Rettungshund (geprüft)', evidence: [] } });
    expect(none.jahresbetrag).to.equal('96.00');
    expect(none.notes.join(' ')).to.include('ohne Nachweis');
    const unknown = draftAssessment(RATES, { ...plain, start: '2025-05-15', reduction: { kind: 'Schoßhund', evidence: ['att-1'] } });
    expect(unknown.jahresbetrag).to.equal('96.00');
  });

  it('a start after 15 November gets one instalment on the 15th of the next month (next year from December)', () => {
    expect(draftAssessment(RATES, { ...plain, start: '2025-11-20' }).instalments).to.deep.equal([{ datum: '2025-12-15', betrag: '16.00' }]);
    expect(draftAssessment(RATES, { ...plain, start: '2025-12-03' }).instalments).to.deep.equal([{ datum: '2026-01-15', betrag: '8.00' }]);
  });

  it('rounds to cents and lets the last instalment take the rest: 50.00 a year from February = 45.83', () => {
    const d = draftAssessment({ ...RATES, firstDog: 50 }, { ...plain, start: '2025-02-01' });
    expect(d.instalments.map((i) => i.betrag)).to.deep.equal(['8.33', '12.50', '12.50', '12.50']);
    const cents = d.instalments.reduce((n, i) => n + Math.round(Number(i.betrag) * 100), 0);
    expect(cents).to.equal(4583);
  });

  it('reads the reduction request the form mapping writes into bemerkung, parentheses in the kind included', () => {
    expect(reductionIn('Ermäßigung/Befreiung beantragt: Rettungshund (geprüft) (Nachweise: att-a, att-b) | Synthetisch')).to.deep.equal({ kind: 'Rettungshund (geprüft)', evidence: ['att-a', 'att-b'] });
    expect(reductionIn('Ermäßigung/Befreiung beantragt: Sozialermäßigung (Bürgergeld) (Nachweise: )')).to.deep.equal({ kind: 'Sozialermäßigung (Bürgergeld)', evidence: [] });
    expect(reductionIn('nur eine Bemerkung')).to.equal(undefined);
  });
});

describe('demo: the ZSA clerk simulator checks Wohngeld applications for completeness', () => {
  it('asks for the lease and heating costs always, income proof for work income and the pension notice for a pension', () => {
    expect(requiredEvidence(['01'])).to.deep.equal(['01', '03', '06']);
    expect(requiredEvidence(['03'])).to.deep.equal(['01', '04', '06']);
    expect(requiredEvidence(['05'])).to.deep.equal(['01', '06']);
    expect(missingEvidence(['01', '03'], ['01', '03'])).to.deep.equal(['04', '06']);
    expect(missingEvidence(['01'], ['06', '03', '01'])).to.deep.equal([]);
  });

  it('reads the evidence list of an XZSA message, whatever the prefix', () => {
    const xml = '<a:nachweise><a:nachweis><a:art listURI="x"><code>06</code></a:art><a:dateiname>heiz.pdf</a:dateiname><a:sha512>ff</a:sha512><a:groesse>12</a:groesse></a:nachweis></a:nachweise>';
    expect(evidenceIn(xml)).to.deep.equal([{ art: '06', dateiname: 'heiz.pdf', sha512: 'ff', groesse: 12 }]);
  });
});

describe('demo: seeded randomness', () => {
  it('gives the same draws for the same seed and label, other draws for another', () => {
    const a = new Rng(42).fork('efa');
    const b = new Rng(42).fork('efa');
    const c = new Rng(43).fork('efa');
    const draws = (r: Rng) => [r.uuid(), r.int(1, 1000), r.next()];
    const first = draws(a);
    expect(draws(b)).to.deep.equal(first);
    expect(draws(c)).not.to.deep.equal(first);
    expect(first[0]).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
