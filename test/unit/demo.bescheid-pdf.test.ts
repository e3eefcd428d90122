/**
 * The demo's Bescheid (gateway/demo/simulators/bescheid*.ts, ADR 0024): the PDF is a PDF with
 * the pages and metadata expected, the same data gives the same bytes, and the payment plan
 * never asks for a payment before the liability starts or in the past.
 */
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { bescheidPdf } from '../../gateway/demo/simulators/bescheid-pdf.js';
import { bescheidDokument, festsetzung, maskIban, zahlungsplan, zahlweiseFromNote, zahlweiseNote, type BescheidData } from '../../gateway/demo/simulators/bescheid.js';
import { firstYearInstalments } from '../../gateway/demo/simulators/dog-tax.js';

const sha512 = (b: Buffer): string => createHash('sha512').update(b).digest('hex');

function data(over: Partial<BescheidData> = {}): BescheidData {
  // 96 EUR a year from 1 March 2025: 10 months, 80 EUR, instalments 15 May (Mar–Jun), 15 Aug, 15 Nov.
  const raten = firstYearInstalments(9600, '2025-03-01');
  return {
    gemeinde: 'Landeshauptstadt Magdeburg', dienststelle: 'Steueramt (Demo)', sachbearbeitung: 'Demo-Sachbearbeitung Steueramt', ags: '15003000',
    vorgangId: '7a1c9e40-2b3d-4f58-8e6a-91d0b2c4f301', bescheidnummer: 'HST-MD-2025-000123', bescheiddatum: '2025-03-07', entscheidung: 'freigegeben',
    festsetzung: festsetzung('96.00', '2025-03-01', raten),
    zahlung: { kassenzeichen: 'HST-MD-2025-000123', lastschrift: { mandatsreferenz: 'HST-15003000-000001', ibanMaskiert: maskIban('DE02120300000000202051') }, faelligkeiten: raten },
    nachholung: false,
    ...over,
  };
}

/** A PDF text string as pdfkit writes non-ASCII info: UTF-16BE with byte order mark, read as latin1. */
const utf16 = (s: string): string => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(s, 'utf16le').swap16()]).toString('latin1');

/** Page objects of a PDF (pdfkit writes them uncompressed). */
const pages = (pdf: Buffer): number => (pdf.toString('latin1').match(/\/Type \/Page\b/g) ?? []).length;

describe('demo Bescheid PDF and payment plan', () => {
  it('is a PDF 1.7 of one A4 page with the Bescheid\'s title, author and fixed dates in its info, and no citizen data there', async () => {
    const pdf = await bescheidPdf(data({ empfaenger: { name: 'Erika Beispiel', anschrift: ['Musterweg 1', '39104 Magdeburg'] } }));
    const text = pdf.toString('latin1');
    expect(text.startsWith('%PDF-1.7\n')).to.equal(true);
    expect(text.trimEnd().endsWith('%%EOF')).to.equal(true);
    expect(pages(pdf)).to.equal(1);
    expect(text).to.contain('/MediaBox [0 0 595.28 841.89]');
    expect(text).to.contain(`(${utf16('Bescheid über die Festsetzung der Hundesteuer HST-MD-2025-000123')})`);
    expect(text).to.match(/\/CreationDate \d+ 0 R/);
    expect(text.match(/\(D:20250307000000Z\)/g)).to.have.length(2); // CreationDate and ModDate
    expect(text).to.contain('(zsa-gateway demo \\(PDFKit\\))');
    expect(text).to.not.contain('Beispiel');
    expect(text).to.not.contain(utf16('Beispiel').slice(2));
    expect(text).to.contain('/BaseFont /Helvetica');
    expect(text).to.not.contain('/FontFile');
  });

  it('gives the same bytes for the same data, and other bytes for another Bescheid', async () => {
    const a = await bescheidPdf(data());
    const b = await bescheidPdf(data());
    const c = await bescheidPdf(data({ bescheidnummer: 'HST-MD-2025-000124' }));
    expect(sha512(a)).to.equal(sha512(b));
    expect(sha512(c)).to.not.equal(sha512(a));
  });

  it('names the PDF by its hash and size in the document reference', async () => {
    const d = await bescheidDokument(data());
    expect(d).to.include({ mimeType: 'application/pdf', groesse: d.bytes.length, sha512: sha512(d.bytes), dateiname: 'hundesteuerbescheid-HST-MD-2025-000123.pdf' });
  });

  it('keeps a plan whose instalments are all ahead, and moves past ones to one month after the Bescheid date', () => {
    const raten = firstYearInstalments(9600, '2025-03-01'); // 32.00 on 15 May, 24.00 on 15 Aug and 15 Nov
    expect(zahlungsplan(raten, '2025-03-07')).to.deep.equal({ faelligkeiten: raten, nachholung: false });
    expect(zahlungsplan(raten, '2025-08-20')).to.deep.equal({
      faelligkeiten: [{ datum: '2025-09-20', betrag: '56.00' }, { datum: '2025-11-15', betrag: '24.00' }], nachholung: true,
    });
    expect(zahlungsplan(raten, '2025-10-20')).to.deep.equal({ faelligkeiten: [{ datum: '2025-11-20', betrag: '80.00' }], nachholung: true });
  });

  it('fixes the months from the start of the liability to December, the first in full', () => {
    expect(festsetzung('96.00', '2025-03-01', firstYearInstalments(9600, '2025-03-01'))).to.deep.equal({ jahresbetrag: '96.00', festsetzungAb: '2025-03-01', monate: 10, betrag: '80.00' });
  });

  it('masks the IBAN and carries the payment way through the draft note', () => {
    expect(maskIban('DE02 1203 0000 0000 2020 51')).to.equal('DE02**************2051');
    const l = { mandatsreferenz: 'HST-15003000-000001', ibanMaskiert: 'DE02**************2051' };
    expect(zahlweiseFromNote(`Entwurf; ${zahlweiseNote(l)}`)).to.deep.equal(l);
    expect(zahlweiseFromNote(zahlweiseNote(undefined))).to.equal(undefined);
  });
});
