/**
 * The ZSA clerk simulator's dog-tax rules — deliberately simple and visible, so a newcomer can
 * check every draft by hand. SIMULATOR ONLY: the rates below are demo values, not any
 * municipality's Hundesteuersatzung.
 *
 * 1. Annual rate: a dangerous dog (Hundekategorie 02/03) pays `dangerousDog`; otherwise the
 *    first dog of a household pays `firstDog`, every further dog `furtherDog`.
 * 2. Reduction: a reduction kind the municipality grants (`reductions`, percent) applies only
 *    when the application names evidence for it; without evidence the full rate stays.
 * 3. First calendar year: annual × months of liability / 12; the month the keeping starts
 *    counts in full (the gateway's rule `hund.steuerfestsetzung.faelligkeiten-anteilig`).
 * 4. Instalments fall due on 15 Feb, 15 May, 15 Aug and 15 Nov. Those before the liability
 *    starts are dropped; each remaining instalment covers the months up to the end of its
 *    quarter (the first also the months before it). When none remains in the year (start
 *    after 15 Nov), one instalment falls due on the 15th of the following month. Amounts in
 *    cents; the last instalment takes the rounding rest, so they add up exactly.
 */
export interface DogTaxRates {
  firstDog: number;
  furtherDog: number;
  dangerousDog: number;
  /** Reduction kind (as the citizen names it) → percent off the annual rate. */
  reductions: Readonly<Record<string, number>>;
}

export interface DogTaxCase {
  /** Start of the keeping (= of the liability), YYYY-MM-DD. */
  start: string;
  dangerous: boolean;
  /** Dogs the household already keeps in the municipality. */
  dogsAlreadyKept: number;
  reduction?: { kind: string; evidence: readonly string[] };
}

export interface Instalment {
  /** Due date YYYY-MM-DD. */
  datum: string;
  /** Euro with two decimals, e.g. `24.00`. */
  betrag: string;
}

export interface DogTaxDraft {
  /** Annual amount after reduction, two decimals. */
  jahresbetrag: string;
  /** The day the liability starts; the rule counts its month in full. */
  festsetzungAb: string;
  instalments: Instalment[];
  /** One line per rule applied, for the draft's `bemerkung`. */
  notes: string[];
}

const DUE_MONTHS = [2, 5, 8, 11] as const;

const euro = (cents: number): string => (cents / 100).toFixed(2);
const ymd = (y: number, m: number, d: number): string => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;

/** Rules 1 and 2: the annual amount in cents and why. */
export function annualCents(rates: DogTaxRates, c: DogTaxCase): { cents: number; notes: string[] } {
  const notes: string[] = [];
  let base: number;
  if (c.dangerous) {
    base = rates.dangerousDog;
    notes.push(`gefährlicher Hund: ${rates.dangerousDog.toFixed(2)} EUR/Jahr`);
  } else if (c.dogsAlreadyKept > 0) {
    base = rates.furtherDog;
    notes.push(`weiterer Hund (${c.dogsAlreadyKept} bereits gehalten): ${rates.furtherDog.toFixed(2)} EUR/Jahr`);
  } else {
    base = rates.firstDog;
    notes.push(`erster Hund: ${rates.firstDog.toFixed(2)} EUR/Jahr`);
  }
  let cents = Math.round(base * 100);
  if (c.reduction) {
    const percent = rates.reductions[c.reduction.kind];
    if (percent === undefined) notes.push(`Ermäßigung "${c.reduction.kind}" sieht die Satzung nicht vor`);
    else if (c.reduction.evidence.length === 0) notes.push(`Ermäßigung "${c.reduction.kind}" ohne Nachweis: nicht gewährt`);
    else {
      cents = Math.round((cents * (100 - percent)) / 100);
      notes.push(`Ermäßigung "${c.reduction.kind}" ${percent} % mit Nachweis`);
    }
  }
  return { cents, notes };
}

/** Rules 3 and 4: the instalments of the first calendar year for an annual amount in cents. */
export function firstYearInstalments(annual: number, start: string): Instalment[] {
  const [y, m, d] = start.split('-').map(Number) as [number, number, number];
  const months = 13 - m;
  const total = Math.round((annual * months) / 12);
  const due = DUE_MONTHS.filter((dm) => dm > m || (dm === m && d <= 15));
  if (due.length === 0) return [{ datum: m === 12 ? ymd(y + 1, 1, 15) : ymd(y, m + 1, 15), betrag: euro(total) }];
  let charged = 0;
  return due.map((dm, i) => {
    const last = i === due.length - 1;
    const coveredUpTo = dm + 1; // the quarter of a due month ends one month later (Feb → Mar)
    const cents = last ? total - charged : Math.round((annual * (coveredUpTo - m + 1)) / 12) - charged;
    charged += cents;
    return { datum: ymd(y, dm, 15), betrag: euro(cents) };
  });
}

/** The whole draft for one case. */
export function draftAssessment(rates: DogTaxRates, c: DogTaxCase): DogTaxDraft {
  const { cents, notes } = annualCents(rates, c);
  const [y, m] = c.start.split('-').map(Number) as [number, number];
  const instalments = firstYearInstalments(cents, c.start);
  notes.push(`anteilig ${13 - m} von 12 Monaten ab ${String(m).padStart(2, '0')}/${y}`);
  return { jahresbetrag: euro(cents), festsetzungAb: c.start, instalments, notes };
}
