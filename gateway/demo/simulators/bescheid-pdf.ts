/**
 * SIMULATOR — the PDF of a Hundesteuer Bescheid as a municipality's Fachverfahren would print
 * it (ADR 0024). Synthetic and marked as a demo on every page; the Rechtsbehelfsbelehrung is a
 * clearly marked placeholder, not legal text.
 *
 * Deterministic: the same data gives the same bytes. pdfkit derives the file ID from the
 * document info, so CreationDate and ModDate are fixed to the Bescheid date, and only the
 * standard PDF fonts (Helvetica, not embedded) are used. That also means the output is not
 * PDF/A (PDF/A needs every font embedded and an output intent with an ICC profile).
 */
import PDFDocument from 'pdfkit';
import type { BescheidData } from './bescheid.js';

const MARGIN = 56;
const euro = (s: string): string => `${Number(s).toFixed(2).replace('.', ',')} EUR`;
const de = (iso: string): string => `${iso.slice(8, 10)}.${iso.slice(5, 7)}.${iso.slice(0, 4)}`;

/** Document info: title and subject name the Bescheid, never the citizen. */
export function pdfInfo(d: BescheidData): PDFKit.DocumentInfo {
  const at = new Date(`${d.bescheiddatum}T00:00:00Z`);
  return {
    Title: `Bescheid über die Festsetzung der Hundesteuer ${d.bescheidnummer}`,
    Author: d.gemeinde,
    Subject: `Hundesteuer, Kassenzeichen ${d.zahlung.kassenzeichen}`,
    Keywords: 'Hundesteuer; Bescheid; DEMO; synthetisch',
    Creator: 'zsa-gateway demo simulators',
    Producer: 'zsa-gateway demo (PDFKit)',
    CreationDate: at,
    ModDate: at,
  };
}

/** Renders the Bescheid as PDF (A4, one or two pages). */
export function bescheidPdf(d: BescheidData): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: MARGIN, info: pdfInfo(d), pdfVersion: '1.7', lang: 'de-DE', compress: true });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const width = doc.page.width - 2 * MARGIN;
  const demoBanner = () => doc.save().font('Helvetica-Bold').fontSize(9).fillColor('#b00020')
    .text('DEMO – synthetischer Bescheid ohne Rechtswirkung (zsa-gateway Simulator)', MARGIN, 24, { width, align: 'center' }).restore();
  demoBanner();
  doc.on('pageAdded', demoBanner);

  doc.font('Helvetica-Bold').fontSize(11).fillColor('black').text(d.gemeinde, MARGIN, MARGIN);
  doc.font('Helvetica').fontSize(9).text(d.dienststelle);
  doc.moveDown(1.5);
  if (d.empfaenger) {
    doc.fontSize(10).text(d.empfaenger.name);
    d.empfaenger.anschrift.forEach((l) => doc.text(l));
  } else {
    doc.fontSize(10).text('An die haltende Person laut Anmeldung');
    doc.text(`Vorgang ${d.vorgangId}`);
  }
  doc.moveDown(1.5);
  const meta: Array<[string, string]> = [
    ['Bescheidnummer', d.bescheidnummer], ['Bescheiddatum', de(d.bescheiddatum)], ['Kassenzeichen', d.zahlung.kassenzeichen],
    ['Gemeindeschlüssel (AGS)', d.ags],
  ];
  meta.forEach(([k, v]) => doc.fontSize(9).font('Helvetica').text(`${k}: `, { continued: true }).font('Helvetica-Bold').text(v));
  doc.moveDown(1);

  doc.font('Helvetica-Bold').fontSize(14).text('Bescheid über die Festsetzung der Hundesteuer');
  doc.moveDown(0.5);
  const f = d.festsetzung;
  doc.font('Helvetica').fontSize(10).text(
    `Auf Grund der Hundesteuersatzung der Gemeinde wird die Hundesteuer für die Haltung${d.hund ? ` des Hundes „${d.hund}“` : ' Ihres Hundes'} `
    + `ab dem ${de(f.festsetzungAb)} wie folgt festgesetzt.${d.entscheidung === 'korrigiert' ? ' Der Betrag weicht vom Entwurf der Zentralen Service-Angebote ab.' : ''}`,
    { width },
  );
  doc.moveDown(0.8);
  doc.font('Helvetica-Bold').fontSize(11).text('Festsetzung');
  doc.moveDown(0.3);
  const rows: Array<[string, string]> = [
    ['Jahresbetrag', euro(f.jahresbetrag)],
    ['Steuerpflicht ab', de(f.festsetzungAb)],
    ['Festgesetzt bis', de(f.festsetzungBis ?? `${f.festsetzungAb.slice(0, 4)}-12-31`)],
    ['Monate (der erste zählt voll)', String(f.monate)],
    ['Festgesetzte Steuer für den Zeitraum', euro(f.betrag)],
  ];
  rows.forEach(([k, v]) => table(doc, k, v, width));
  doc.moveDown(0.3);
  doc.font('Helvetica').fontSize(9).text('Die Festsetzung gilt bis zur Abmeldung auch für die folgenden Kalenderjahre; der Jahresbetrag wird dann zu je einem Viertel am 15. Februar, 15. Mai, 15. August und 15. November fällig.', { width });
  doc.moveDown(0.8);

  doc.font('Helvetica-Bold').fontSize(11).text('Zahlungsplan');
  doc.moveDown(0.3);
  d.zahlung.faelligkeiten.forEach((r, i) => table(doc, `${i + 1}. Rate fällig am ${de(r.datum)}`, euro(r.betrag), width));
  doc.moveDown(0.3);
  doc.font('Helvetica').fontSize(9);
  const z = d.zahlung;
  if (z.lastschrift) {
    doc.text(`Die Beträge werden zu den Fälligkeiten per SEPA-Lastschrift eingezogen: Mandatsreferenz ${z.lastschrift.mandatsreferenz}, Konto ${z.lastschrift.ibanMaskiert}. Bitte überweisen Sie nicht zusätzlich.`, { width });
  } else {
    doc.text(`Bitte zahlen Sie die Beträge zu den Fälligkeiten unter Angabe des Kassenzeichens ${z.kassenzeichen}, online mit der E-Payment-Referenz ${z.ePaymentReferenz ?? '–'} oder per Überweisung an die Gemeindekasse.`, { width });
  }
  if (d.nachholung) doc.moveDown(0.3).text('Beträge, deren Fälligkeit vor der Bekanntgabe dieses Bescheids lag, sind mit der ersten Rate einen Monat nach dem Bescheiddatum zu zahlen.', { width });
  doc.moveDown(1);

  doc.font('Helvetica-Bold').fontSize(11).text('Rechtsbehelfsbelehrung');
  doc.moveDown(0.3);
  doc.font('Helvetica-Oblique').fontSize(9).fillColor('#b00020')
    .text('[DEMO-PLATZHALTER – kein Rechtstext] Hier stünde die Rechtsbehelfsbelehrung der Gemeinde (Widerspruch binnen eines Monats nach Bekanntgabe, Stelle und Form). Dieser synthetische Bescheid hat keine Rechtswirkung.', { width });
  doc.fillColor('black').moveDown(1.5);
  doc.font('Helvetica').fontSize(9).text(`Im Auftrag: ${d.sachbearbeitung}`);
  doc.text('Dieser Bescheid wurde elektronisch erstellt und ist ohne Unterschrift gültig (Demo).');
  doc.end();
  return done;
}

/** One label/value line of the Festsetzung and Zahlungsplan tables. */
function table(doc: PDFKit.PDFDocument, label: string, value: string, width: number): void {
  const y = doc.y;
  doc.font('Helvetica').fontSize(10).text(label, MARGIN, y, { width: width * 0.65 });
  doc.font('Helvetica-Bold').text(value, MARGIN + width * 0.65, y, { width: width * 0.35, align: 'right' });
  doc.x = MARGIN;
}
