/**
 * Synthetic EfA form submissions (FIM-style JSON as mappings/efa-hund-form-to-xzsa and
 * mappings/efa-wohngeld-form-to-xzsa read them). Every person is invented: surnames are
 * "Beispiel…", "Muster…", "Probe…" and the like; IBANs are published test numbers.
 */
import type { Rng } from './rng.js';
import { evidenceBytes, sha512Hex } from './xzsa.js';
import type { DemoMunicipality } from './participants.js';

export const HUND_FORM_ID = 'S99102013104000-FORM';
export const WOHNGELD_FORM_ID = 'S99107023037000-FORM';
export const LEIKA_HUND = '99102013104000';
export const LEIKA_WOHNGELD = '99107023037000';

const FIRST = ['Erika', 'Jonas', 'Mila', 'Theo', 'Greta', 'Anton', 'Lotte', 'Emil', 'Frieda', 'Paul', 'Ida', 'Karl'];
const LAST = ['Beispiel', 'Musterfrau', 'Mustermann', 'Probemann', 'Testfrau', 'Demoberg', 'Fiktivhaus', 'Erfunden', 'Platzhalter', 'Vorlage'];
const STREETS = ['Musterweg', 'Probestraße', 'Am Beispielpark', 'Demogasse', 'Testallee', 'Fiktionsring'];
const DOGS = ['Bello', 'Asta', 'Fiete', 'Luna', 'Balu', 'Frieda', 'Emma', 'Rocky', 'Nala', 'Oskar'];
const BREEDS = ['Mischling', 'Labrador Retriever', 'Dackel', 'Deutscher Schäferhund', 'Beagle', 'Pudel'];
const DANGEROUS_BREEDS = ['American Staffordshire Terrier', 'Staffordshire Bullterrier', 'Bullterrier'];
/** Published example IBANs (they pass the check digit), never real accounts of anybody. */
const IBANS = ['DE02120300000000202051', 'DE02500105170137075030', 'DE02100500000054540402', 'DE89370400440532013000'];
/** Reductions the EfA form offers; every demo municipality grants them (simulators/rates.ts). */
export const REDUCTION_KINDS = ['Rettungshund (geprüft)', 'Sozialermäßigung (Bürgergeld)'] as const;

const de = (d: Date): string => `${String(d.getUTCDate()).padStart(2, '0')}.${String(d.getUTCMonth() + 1).padStart(2, '0')}.${d.getUTCFullYear()}`;
const daysAgo = (now: Date, days: number): Date => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - days));

export interface Keeper {
  firstName: string;
  lastName: string;
  birthDate: string;
  address: { street: string; houseNumber: string; postalCode: string; city: string };
}

/** An invented person living in the municipality. */
export function keeper(rng: Rng, m: DemoMunicipality, now: Date): Keeper {
  const first = rng.pick(FIRST);
  const last = rng.pick(LAST);
  return {
    firstName: first,
    lastName: last,
    birthDate: de(daysAgo(now, rng.int(20 * 365, 80 * 365))),
    address: { street: rng.pick(STREETS), houseNumber: String(rng.int(1, 120)), postalCode: m.postalCode, city: m.city },
  };
}

/** A Hund registration form; `k` is the keeper (the EfA service reuses one for a second dog). */
export function hundForm(rng: Rng, m: DemoMunicipality, k: Keeper, ids: { submissionId: string; caseId: string }, now: Date): Record<string, unknown> {
  const dangerous = rng.chance(0.1) ? 'breed' : 'no';
  const start = daysAgo(now, rng.int(0, 150));
  const birth = daysAgo(start, rng.int(90, 9 * 365));
  const sepa = rng.chance(0.6);
  const reduction = rng.chance(0.15) ? [{ kind: rng.pick(REDUCTION_KINDS), evidence: rng.chance(0.85) ? ['att-nachweis-ermaessigung'] : [] }] : [];
  return {
    form: { id: HUND_FORM_ID, version: '1.2.0', name: 'Anmeldung eines Hundes zur Hundesteuer' },
    submission: { id: ids.submissionId, submittedAt: now.toISOString(), caseId: ids.caseId, leikaKey: LEIKA_HUND, municipalityKey: rng.chance(0.5) ? m.ars : m.ags, test: true },
    applicant: { firstName: k.firstName, lastName: k.lastName, birthDate: k.birthDate, address: k.address, email: `${k.firstName}.${k.lastName}@example.org`.toLowerCase() },
    dog: { name: rng.pick(DOGS), breed: dangerous === 'no' ? rng.pick(BREEDS) : rng.pick(DANGEROUS_BREEDS), birthDate: de(birth), chipNumber: `276${String(rng.int(0, 999_999_999)).padStart(12, '0')}`, dangerous },
    keepingStart: de(start),
    ...(reduction.length > 0 ? { reductions: reduction } : {}),
    payment: sepa
      ? { method: 'sepa', iban: rng.pick(IBANS), accountHolder: `${k.firstName} ${k.lastName}`, mandateReference: `HST-${m.ags}-${String(rng.int(1, 999_999)).padStart(6, '0')}`, mandateDate: de(now) }
      : { method: 'transfer' },
    remarks: 'Synthetischer Demo-Fall; alle Personen sind erfunden.',
  };
}

/** Evidence the Wohngeld form can carry, by the form's type and the Nachweisart code it maps to. */
export const EVIDENCE = {
  lease: { code: '01', file: 'mietvertrag.pdf' },
  income: { code: '03', file: 'lohnabrechnung.pdf' },
  pension: { code: '04', file: 'rentenbescheid.pdf' },
  'heating-costs': { code: '06', file: 'heizkostenabrechnung.pdf' },
} as const;
export type EvidenceType = keyof typeof EVIDENCE;

/**
 * A Wohngeld first application; each evidence file is left out with a seeded chance (the
 * completeness check will ask for it). The form lists each uploaded file with the sha512 and
 * size of its synthetic bytes (`evidenceBytes(fileName, caseId)`): the EfA service attaches
 * exactly these files (`evidenceFilesOf`), and the gateway cross-checks the list against them.
 */
export function wohngeldForm(rng: Rng, m: DemoMunicipality, k: Keeper, ids: { submissionId: string; caseId: string }, now: Date): Record<string, unknown> {
  const pensioner = rng.chance(0.3);
  const incomes = pensioner
    ? [{ type: 'pension', grossMonthly: `${rng.int(900, 1400)},00`, description: 'Altersrente' }]
    : [{ type: 'employment', grossMonthly: `${rng.int(1200, 2300)},00`, description: 'Teilzeitstelle' }];
  const children = pensioner ? 0 : rng.int(0, 3);
  const members = Array.from({ length: children }, () => ({ firstName: rng.pick(FIRST), lastName: k.lastName, birthDate: de(daysAgo(now, rng.int(365, 17 * 365))), relationship: 'child' }));
  const wanted: EvidenceType[] = ['lease', pensioner ? 'pension' : 'income', 'heating-costs'];
  const evidence = wanted.filter(() => !rng.chance(0.25)).map((t) => {
    const bytes = evidenceBytes(EVIDENCE[t].file, ids.caseId);
    return { type: t, fileName: EVIDENCE[t].file, mediaType: 'application/pdf', size: bytes.length, sha512: sha512Hex(bytes) };
  });
  const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  return {
    form: { id: WOHNGELD_FORM_ID, version: '2.0.1', name: 'Antrag auf Wohngeld (Mietzuschuss) – Erstantrag' },
    submission: { id: ids.submissionId, submittedAt: now.toISOString(), caseId: ids.caseId, leikaKey: LEIKA_WOHNGELD, municipalityKey: rng.chance(0.5) ? m.ars : m.ags, test: true },
    applicant: { firstName: k.firstName, lastName: k.lastName, birthDate: k.birthDate, address: k.address, email: `${k.firstName}.${k.lastName}@example.org`.toLowerCase(), incomes },
    household: { members },
    dwelling: { address: k.address, livingSpaceSqm: `${rng.int(35, 95)},5`, baseRent: `${rng.int(320, 780)},00`, serviceCharges: `${rng.int(60, 160)},00`, heatingCosts: `${rng.int(40, 120)},00` },
    requestedFrom: de(first),
    bankAccount: { iban: rng.pick(IBANS), holder: `${k.firstName} ${k.lastName}` },
    evidence,
    remarks: 'Synthetischer Demo-Fall; alle Personen sind erfunden.',
  };
}

/** The files a Wohngeld form lists under `evidence`, as the EfA service uploads them with it. */
export function evidenceFilesOf(form: Record<string, unknown>, caseId: string): Array<{ name: string; mediaType: string; bytes: Buffer }> {
  const listed = Array.isArray(form['evidence']) ? (form['evidence'] as Array<{ fileName: string; mediaType: string }>) : [];
  return listed.map((e) => ({ name: e.fileName, mediaType: e.mediaType, bytes: evidenceBytes(e.fileName, caseId) }));
}
