/**
 * SIMULATOR — what a municipality's Fachverfahren puts into a Hundesteuer Bescheid (ADR 0024):
 * the assessment, the payment plan and payment way, and the PDF. Shared by every Fachverfahren
 * simulator that issues one (Magdeburg in REST JSON, Halle in HSTX, Sülzetal in HST-RUECK), so the
 * citizen's service gets the same content whatever dialect the municipality speaks.
 *
 * Payment plan: the instalments of the assessment (dog-tax.ts: the first not before the
 * liability starts). Instalments already due on the Bescheid date are not demanded in the past:
 * they are added to one instalment one month after the Bescheid date (a common Satzung rule:
 * "innerhalb eines Monats nach Bekanntgabe"), which still lies after the liability start.
 */
import { createHash } from 'node:crypto';
import { liabilityMonths } from '../../validation/rules.js';
import { bescheidPdf } from './bescheid-pdf.js';
import { textOf, textsOf } from '../xzsa.js';
import { draftAssessment, firstYearInstalments, type DogTaxDraft, type Instalment } from './dog-tax.js';
import { ratesFor } from './rates.js';

export interface Lastschrift {
  mandatsreferenz: string;
  /** Country, check digits, stars, last four: never the whole IBAN on a Bescheid. */
  ibanMaskiert: string;
}

export interface BescheidData {
  gemeinde: string;
  dienststelle: string;
  sachbearbeitung: string;
  ags: string;
  vorgangId: string;
  bescheidnummer: string;
  /** YYYY-MM-DD. */
  bescheiddatum: string;
  entscheidung: 'freigegeben' | 'korrigiert';
  /** The dog's name, where the Fachverfahren knows it. */
  hund?: string;
  empfaenger?: { name: string; anschrift: string[] };
  festsetzung: { jahresbetrag: string; festsetzungAb: string; festsetzungBis?: string; monate: number; betrag: string };
  zahlung: { kassenzeichen: string; ePaymentReferenz?: string; lastschrift?: Lastschrift; faelligkeiten: Instalment[] };
  /** Some instalments were due before the Bescheid date and moved to one month after it. */
  nachholung: boolean;
}

/** The reference to the PDF as the Bescheid's `dokument` carries it, and the bytes. */
export interface BescheidDokument {
  dateiname: string;
  mimeType: 'application/pdf';
  sha512: string;
  groesse: number;
  bytes: Buffer;
}

/** `DE02120300000000202051` → `DE02**************2051`. */
export function maskIban(iban: string): string {
  const s = iban.replace(/\s+/g, '').toUpperCase();
  return `${s.slice(0, 4)}${'*'.repeat(Math.max(7, s.length - 8))}${s.slice(-4)}`;
}

const cents = (s: string): number => Math.round(Number(s) * 100);
const euro = (c: number): string => (c / 100).toFixed(2);

function plusOneMonth(iso: string): string {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  const next = new Date(Date.UTC(y, m, Math.min(d, 28)));
  return next.toISOString().slice(0, 10);
}

/** The payment plan of a Bescheid dated `bescheiddatum` from the assessment's instalments (module comment). */
export function zahlungsplan(instalments: readonly Instalment[], bescheiddatum: string): { faelligkeiten: Instalment[]; nachholung: boolean } {
  const past = instalments.filter((i) => i.datum < bescheiddatum);
  if (past.length === 0) return { faelligkeiten: [...instalments], nachholung: false };
  const catchUp = plusOneMonth(bescheiddatum);
  const later = instalments.filter((i) => i.datum >= bescheiddatum);
  const merged = later.filter((i) => i.datum <= catchUp);
  const sum = [...past, ...merged].reduce((a, i) => a + cents(i.betrag), 0);
  return { faelligkeiten: [{ datum: catchUp, betrag: euro(sum) }, ...later.filter((i) => i.datum > catchUp)], nachholung: true };
}

/** The assessment block for an annual amount from `festsetzungAb` to the end of its year; `betrag` is the sum of the instalments. */
export function festsetzung(jahresbetrag: string, festsetzungAb: string, instalments: readonly Instalment[]): BescheidData['festsetzung'] {
  const monate = liabilityMonths(festsetzungAb, '') ?? 12;
  return { jahresbetrag, festsetzungAb, monate, betrag: euro(instalments.reduce((a, i) => a + cents(i.betrag), 0)) };
}

/** The E-Payment reference a transfer-paying citizen uses on the payment platform (ePayBL-style: municipality and Kassenzeichen). */
export const ePaymentReferenz = (ags: string, kassenzeichen: string): string => `EPAY-${ags}-${kassenzeichen.replace(/[^A-Za-z0-9]/g, '')}`;

/** Renders the PDF and its reference. */
export async function bescheidDokument(d: BescheidData): Promise<BescheidDokument> {
  const bytes = await bescheidPdf(d);
  return {
    dateiname: `hundesteuerbescheid-${d.bescheidnummer.replace(/[^A-Za-z0-9.-]/g, '-')}.pdf`,
    mimeType: 'application/pdf',
    sha512: createHash('sha512').update(bytes).digest('hex'),
    groesse: bytes.length,
    bytes,
  };
}

/**
 * The payment way the ZSA clerk notes in its draft (XZSA 1.0's draft has no payment element,
 * ADR 0024): a marked line `[Zahlweise: Lastschrift; Mandat <ref>; IBAN <masked>]` or
 * `[Zahlweise: Überweisung]`.
 */
export function zahlweiseNote(l: Lastschrift | undefined): string {
  return l ? `[Zahlweise: Lastschrift; Mandat ${l.mandatsreferenz}; IBAN ${l.ibanMaskiert}]` : '[Zahlweise: Überweisung]';
}

/** Reads the note back; undefined when the text has none (then the Fachverfahren asks for a transfer). */
export function zahlweiseFromNote(text: string | undefined): Lastschrift | undefined {
  const m = /\[Zahlweise: Lastschrift; Mandat ([^;\]]+); IBAN ([A-Z0-9*]+)\]/.exec(text ?? '');
  return m ? { mandatsreferenz: m[1] ?? '', ibanMaskiert: m[2] ?? '' } : undefined;
}

/** Who issues: the municipality's office as it signs the Bescheid. */
export interface Issuer {
  gemeinde: string;
  dienststelle: string;
  sachbearbeitung: string;
  ags: string;
}

/** What the Fachverfahren decided for one case: the assessment as drafted (or its own), and a corrected annual amount if it changed it. */
export interface Decision {
  vorgangId: string;
  bescheidnummer: string;
  kassenzeichen: string;
  bescheiddatum: string;
  jahresbetrag: string;
  festsetzungAb: string;
  instalments: readonly Instalment[];
  /** Corrected annual amount: the instalments are computed anew from it (dog-tax.ts). */
  korrigiert?: string;
  lastschrift?: Lastschrift;
  hund?: string;
  empfaenger?: { name: string; anschrift: string[] };
}

/**
 * The Bescheid for a decision: assessment (the corrected amount's, when corrected), payment
 * plan from the Bescheid date, payment way (direct debit with the mandate the citizen gave,
 * else the E-Payment reference), and the PDF.
 */
export async function issueBescheid(i: Issuer, d: Decision): Promise<{ data: BescheidData; dokument: BescheidDokument }> {
  const jahresbetrag = d.korrigiert ?? d.jahresbetrag;
  const instalments = d.korrigiert === undefined ? d.instalments : firstYearInstalments(cents(d.korrigiert), d.festsetzungAb);
  const plan = zahlungsplan(instalments, d.bescheiddatum);
  const data: BescheidData = {
    ...i, vorgangId: d.vorgangId, bescheidnummer: d.bescheidnummer, bescheiddatum: d.bescheiddatum,
    entscheidung: d.korrigiert === undefined ? 'freigegeben' : 'korrigiert',
    ...(d.hund ? { hund: d.hund } : {}), ...(d.empfaenger ? { empfaenger: d.empfaenger } : {}),
    festsetzung: festsetzung(jahresbetrag, d.festsetzungAb, instalments),
    zahlung: { kassenzeichen: d.kassenzeichen, ...(d.lastschrift ? { lastschrift: d.lastschrift } : { ePaymentReferenz: ePaymentReferenz(i.ags, d.kassenzeichen) }), faelligkeiten: plan.faelligkeiten },
    nachholung: plan.nachholung,
  };
  return { data, dokument: await bescheidDokument(data) };
}

/** What a Fachverfahren takes from the ZSA's draft (XZSA hund.steuerfestsetzung.0102): amounts, start, instalments, and the payment way the clerk noted. */
export function draftOf(xml: string): Pick<Decision, 'jahresbetrag' | 'festsetzungAb' | 'instalments' | 'lastschrift'> {
  const dates = textsOf(xml, 'datum');
  const amounts = textsOf(xml, 'betrag');
  const lastschrift = zahlweiseFromNote(textOf(xml, 'bemerkung'));
  return {
    jahresbetrag: textOf(xml, 'jahresbetrag') ?? '0.00', festsetzungAb: textOf(xml, 'festsetzungAb') ?? '',
    instalments: dates.map((datum, i) => ({ datum, betrag: amounts[i] ?? '0.00' })), ...(lastschrift ? { lastschrift } : {}),
  };
}

/**
 * A non-delegating municipality's own assessment of an application (no ZSA draft): the demo
 * rules (dog-tax.ts) with the municipality's rates; a further dog is recognised by the
 * Fachverfahren's own register of keepers, as the ZSA clerk does (XZSA 1.0 has no field for it).
 */
export class OwnAssessment {
  /** Dogs per keeper (name, first name, birth date) this Fachverfahren has assessed. */
  private readonly keepers = new Map<string, number>();

  constructor(private readonly ags: string) {}

  /** Called once per application; `start` YYYY-MM-DD (the keeping's start), `keeper` any stable key of the person. */
  assess(keeper: string, c: { start: string; dangerous: boolean }): DogTaxDraft {
    const kept = this.keepers.get(keeper) ?? 0;
    this.keepers.set(keeper, kept + 1);
    return draftAssessment(ratesFor(this.ags), { start: c.start, dangerous: c.dangerous, dogsAlreadyKept: kept });
  }
}
