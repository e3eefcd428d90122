/**
 * SIMULATOR — what the citizen's online service checks when a Hund Bescheid arrives (ADR 0024),
 * before it shows it: the PDF is there, is a PDF and is the file the Bescheid names (sha512,
 * size); the assessment is the annual amount for the months of liability; the instalments add
 * up to it and none falls due before the liability starts; the payment way is the one the
 * citizen chose (a direct debit only with the mandate the application gave). The gateway's
 * service rules check the same message on the way in; the EfA service checks again what it
 * actually got, as a real one would.
 */
import { createHash } from 'node:crypto';
import { liabilityMonths } from '../../validation/rules.js';
import { textOf, textsOf } from '../xzsa.js';

/** What the EfA service found in one Bescheid; `problems` empty means it is shown to the citizen. */
export interface BescheidReceived {
  vorgangId: string;
  /** XZSA version of the hund.freigabe.0103 as delivered. */
  version: string;
  entscheidung: string;
  pdf?: { sha512: string; size: number; isPdf: boolean; hashMatches: boolean };
  festsetzungAb?: string;
  firstDue?: string;
  mandatsreferenz?: string;
  ePaymentReferenz?: string;
  problems: string[];
}

const cents = (s: string | undefined): number => Math.round(Number(s ?? 'NaN') * 100);

/**
 * Checks one delivered hund.freigabe.0103. `fetchPdf` gets an attachment by its sha512 from the
 * gateway; `mandate` is the SEPA mandate reference the citizen's application gave (undefined:
 * the citizen pays by transfer). Problem texts name what is wrong, never a citizen's value.
 */
export async function checkBescheid(vorgangId: string, xml: string, mandate: string | undefined, fetchPdf: (sha512: string) => Promise<Buffer>): Promise<BescheidReceived> {
  const version = /<(?:\w+:)?hund\.freigabe\.0103\s[^>]*\bversion="([^"]+)"/.exec(xml)?.[1] ?? '';
  const entscheidung = /<(?:\w+:)?entscheidung[^>]*>\s*<code>(\d+)<\/code>/.exec(xml)?.[1] ?? '';
  const r: BescheidReceived = { vorgangId, version, entscheidung, problems: [] };
  if (entscheidung === '03') return r; // a refusal: no Bescheid to pay
  const block = /<(?:\w+:)?bescheid>([\s\S]*)<\/(?:\w+:)?bescheid>/.exec(xml)?.[1];
  if (block === undefined) return { ...r, problems: ['no Bescheid in the release'] };
  const doc = /<(?:\w+:)?dokument>([\s\S]*?)<\/(?:\w+:)?dokument>/.exec(block)?.[1];
  if (doc === undefined) r.problems.push('the Bescheid names no PDF document');
  else {
    const sha512 = (textOf(doc, 'sha512') ?? '').toLowerCase();
    const size = Number(textOf(doc, 'groesse'));
    try {
      const bytes = await fetchPdf(sha512);
      r.pdf = { sha512, size: bytes.length, isPdf: bytes.subarray(0, 5).toString('latin1') === '%PDF-', hashMatches: createHash('sha512').update(bytes).digest('hex') === sha512 };
      if (!r.pdf.isPdf || textOf(doc, 'mimeType') !== 'application/pdf') r.problems.push('the attached document is no PDF');
      if (!r.pdf.hashMatches) r.problems.push('the attachment does not have the sha512 the Bescheid names');
      if (bytes.length !== size) r.problems.push('the attachment does not have the size the Bescheid names');
    } catch {
      r.problems.push('the PDF the Bescheid names is not attached');
    }
  }
  const ab = textOf(block, 'festsetzungAb');
  const dates = textsOf(block, 'datum');
  const amounts = textsOf(block, 'betrag').slice(1); // the first is festsetzung/betrag, then one per instalment
  if (ab === undefined || dates.length === 0) {
    r.problems.push('the Bescheid has no assessment or no payment plan');
    return r;
  }
  r.festsetzungAb = ab;
  r.firstDue = [...dates].sort()[0];
  if ((r.firstDue ?? '') < ab) r.problems.push('an instalment falls due before the tax liability starts');
  const fixed = cents(textOf(block, 'betrag'));
  if (amounts.reduce((a, x) => a + cents(x), 0) !== fixed) r.problems.push('the instalments do not add up to the amount fixed');
  const months = liabilityMonths(ab, textOf(block, 'festsetzungBis') ?? '') ?? 0;
  if (Math.abs(fixed - (cents(textOf(block, 'jahresbetrag')) * months) / 12) > 1) r.problems.push('the amount fixed is not the annual amount for the months of liability');
  const ref = textOf(block, 'mandatsreferenz');
  const epay = textOf(block, 'ePaymentReferenz');
  if (ref !== undefined) r.mandatsreferenz = ref;
  if (epay !== undefined) r.ePaymentReferenz = epay;
  if (ref !== mandate) r.problems.push(mandate === undefined ? 'the Bescheid debits by a SEPA mandate the application did not give' : 'the Bescheid does not debit by the SEPA mandate the application gave');
  if (ref === undefined && epay === undefined) r.problems.push('the Bescheid says neither a mandate nor an E-Payment reference');
  return r;
}
