/**
 * The EfA service simulator's check of a delivered Hund Bescheid (gateway/demo/simulators/
 * bescheid-check.ts, ADR 0024): a consistent Bescheid passes; each contradiction the issue names
 * is found — a full year charged for a dog kept from 1 March, an instalment before the liability
 * starts, instalments not adding up, a SEPA mandate the application did not give — and so is a
 * PDF that is not the one the Bescheid names. Pure logic: the PDF comes from a function.
 */
import { expect } from 'chai';
import { checkBescheid } from '../../gateway/demo/simulators/bescheid-check.js';
import { issueBescheid, type Decision } from '../../gateway/demo/simulators/bescheid.js';
import { firstYearInstalments } from '../../gateway/demo/simulators/dog-tax.js';
import { freigabe } from '../../gateway/demo/xzsa.js';

const VORGANG = '7a1c9e40-2b3d-4f58-8e6a-91d0b2c4f301';
const MANDATE = 'HST-15003000-000001';
const head = { uuid: '9e4f1a27-3c6b-4d80-b5e9-0a2c7d4f6b03', vorgangId: VORGANG, leika: '99102013104000', ags: '15003000', author: 'fv:15003000-hund', reader: 'efa:hund-lsa' };
const issuer = { gemeinde: 'Landeshauptstadt Magdeburg', dienststelle: 'Steueramt (Demo)', sachbearbeitung: 'Demo-Sachbearbeitung', ags: '15003000' };

/** A Bescheid for 96 EUR a year from 1 March 2025 (10 months: 80 EUR), direct debit, dated 7 March; `edit` changes the XML afterwards. */
async function delivered(over: Partial<Decision> = {}, edit: (xml: string) => string = (x) => x): Promise<{ xml: string; pdf: Buffer }> {
  const d: Decision = {
    vorgangId: VORGANG, bescheidnummer: 'HST-MD-2025-000123', kassenzeichen: 'HST-MD-2025-000123', bescheiddatum: '2025-03-07',
    jahresbetrag: '96.00', festsetzungAb: '2025-03-01', instalments: firstYearInstalments(9600, '2025-03-01'),
    lastschrift: { mandatsreferenz: MANDATE, ibanMaskiert: 'DE02**************2051' }, ...over,
  };
  const { data, dokument } = await issueBescheid(issuer, d);
  return { xml: edit(freigabe(head, { entwurfUuid: VORGANG, bescheid: data, dokument, durch: 'Demo', organisation: 'Steueramt (Demo)' })), pdf: dokument.bytes };
}

const check = async (b: { xml: string; pdf: Buffer }, mandate: string | undefined) => checkBescheid(VORGANG, b.xml, mandate, async () => b.pdf);

describe('demo: the EfA service checks each Hund Bescheid it receives', () => {
  it('passes a consistent Bescheid and reports its PDF, liability start and first instalment', async () => {
    const r = await check(await delivered(), MANDATE);
    expect(r.problems).to.deep.equal([]);
    expect(r).to.include({ version: '1.1', entscheidung: '01', festsetzungAb: '2025-03-01', firstDue: '2025-05-15', mandatsreferenz: MANDATE });
    expect(r.pdf).to.include({ isPdf: true, hashMatches: true });
  });

  it('passes a transfer-paid Bescheid with an E-Payment reference when the application gave no mandate', async () => {
    const r = await check(await delivered({ lastschrift: undefined }), undefined);
    expect(r.problems).to.deep.equal([]);
    expect(r.ePaymentReferenz).to.equal('EPAY-15003000-HSTMD2025000123');
  });

  it('finds a full year charged for a dog kept from 1 March', async () => {
    const r = await check(await delivered({}, (x) => x.replace('<xzsa:betrag>80.00</xzsa:betrag>', '<xzsa:betrag>96.00</xzsa:betrag>').replace('<xzsa:datum>2025-11-15</xzsa:datum><xzsa:betrag>24.00', '<xzsa:datum>2025-11-15</xzsa:datum><xzsa:betrag>40.00')), MANDATE);
    expect(r.problems).to.deep.equal(['the amount fixed is not the annual amount for the months of liability']);
  });

  it('finds an instalment due before the liability starts', async () => {
    const r = await check(await delivered({}, (x) => x.replace('<xzsa:datum>2025-05-15</xzsa:datum>', '<xzsa:datum>2025-02-15</xzsa:datum>')), MANDATE);
    expect(r.problems).to.deep.equal(['an instalment falls due before the tax liability starts']);
  });

  it('finds instalments that do not add up to the amount fixed', async () => {
    const r = await check(await delivered({}, (x) => x.replace('<xzsa:datum>2025-08-15</xzsa:datum><xzsa:betrag>24.00', '<xzsa:datum>2025-08-15</xzsa:datum><xzsa:betrag>20.00')), MANDATE);
    expect(r.problems).to.deep.equal(['the instalments do not add up to the amount fixed']);
  });

  it('finds a SEPA mandate the application did not give, and a mandate other than the one it gave', async () => {
    expect((await check(await delivered(), undefined)).problems).to.deep.equal(['the Bescheid debits by a SEPA mandate the application did not give']);
    expect((await check(await delivered(), 'HST-15003000-000999')).problems).to.deep.equal(['the Bescheid does not debit by the SEPA mandate the application gave']);
  });

  it('finds a PDF that is not the file the Bescheid names, a document that is no PDF, and a missing one', async () => {
    const b = await delivered();
    expect((await checkBescheid(VORGANG, b.xml, MANDATE, async () => Buffer.concat([b.pdf, Buffer.from('\n')]))).problems)
      .to.deep.equal(['the attachment does not have the sha512 the Bescheid names', 'the attachment does not have the size the Bescheid names']);
    expect((await checkBescheid(VORGANG, b.xml, MANDATE, async () => Buffer.from('<html>'))).problems).to.include('the attached document is no PDF');
    expect((await checkBescheid(VORGANG, b.xml, MANDATE, async () => { throw new Error('404'); })).problems).to.deep.equal(['the PDF the Bescheid names is not attached']);
  });
});
