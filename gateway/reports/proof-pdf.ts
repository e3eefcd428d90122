import type { ProofBundle } from './proof-bundle.js';
import { proofText } from './proof-text.js';

/**
 * The Zustellnachweis as a PDF (A4, pdfkit's built-in Helvetica, which covers the German
 * letters). Same wording as the HTML page (proof-text.ts). Resolves with the whole file.
 * pdfkit is loaded on the first proof asked for: it holds ~25 MB of RSS (fonts, fontkit) that a
 * gateway nobody asks for a PDF never needs (ADR 0047).
 */
export async function proofPdf(b: ProofBundle): Promise<Buffer> {
  const { default: PDFDocument } = await import('pdfkit');
  const t = proofText(b);
  const doc = new PDFDocument({ size: 'A4', margin: 50, info: { Title: `${t.title} ${b.subject}`, Creator: 'zsa-gateway' } });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const facts = (rows: ReadonlyArray<readonly [string, string]>) => {
    for (const [k, v] of rows) doc.font('Helvetica-Bold').fontSize(9).text(`${k}: `, { continued: true }).font('Helvetica').text(v);
    doc.moveDown(0.5);
  };
  doc.font('Helvetica-Bold').fontSize(18).text(t.title);
  doc.moveDown(0.3).font('Helvetica').fontSize(10).text(t.intro).moveDown();
  facts(t.facts);
  for (const m of t.messages) {
    doc.font('Helvetica-Bold').fontSize(13).text(m.heading).moveDown(0.2);
    facts(m.facts);
    doc.font('Helvetica-Bold').fontSize(10).text('Verlauf');
    for (const [at, state, reason] of m.history) doc.font('Helvetica').fontSize(9).text(`${at} – ${state} – ${reason}`);
    doc.moveDown();
  }
  doc.font('Helvetica-Bold').fontSize(13).text('Audit-Protokoll').moveDown(0.2);
  if (t.audit.length === 0) doc.font('Helvetica').fontSize(9).text('Keine Einträge.');
  for (const [seq, at, what, who] of t.audit) doc.font('Helvetica').fontSize(9).text(`${seq}  ${at}  ${what}  ${who}`);
  doc.moveDown().font('Helvetica-Bold').fontSize(13).text('Prüfung').moveDown(0.2);
  for (const v of t.verify) doc.font('Helvetica').fontSize(9).text(`• ${v}`);
  doc.end();
  return done;
}
