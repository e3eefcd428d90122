/**
 * fast-check arbitraries for the dialect round-trip properties: synthetic XZSA
 * hund.anmeldung.0101 cases (built as 1.0 or 1.1 XML) and Fachverfahren answers in both
 * dialects (HSTX_BESCHEID, HST-RUECK). Text values stay within what every side takes
 * (HSTX: 50 characters) and carry the characters that need escaping or quoting (& < > " ; ').
 */
import fc from 'fast-check';

export interface Anmeldung {
  messageUuid: string; vorgangId: string; author: string; ags: string; leika: string; createdAt: string;
  produktversion?: string; test?: boolean;
  vorname: string; familienname: string; geburtsdatum: string;
  strasse: string; hausnummer: string; plz: string; ort: string; email?: string; telefon?: string;
  hundName: string; rasse: string; kategorie: '01' | '02' | '03'; hundGeburtsdatum: string; chip: string;
  haltungsbeginn: string; weitereHunde?: number;
  sepa?: { iban: string; kontoinhaber: string; mandatsreferenz: string; mandatsdatum: string };
  bemerkung?: string;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
const iso = (d: Date): string => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
export const isoDate = fc.date({ min: new Date('1930-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z'), noInvalidDate: true }).map(iso);
/** A dog's birth and the start of keeping it, never before its birth (service rule hund.anmeldung.geburt-vor-haltung). */
const dogDates = fc.tuple(fc.date({ min: new Date('2005-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z'), noInvalidDate: true }), fc.integer({ min: 0, max: 3650 }))
  .map(([born, days]) => ({ born: iso(born), kept: iso(new Date(born.getTime() + days * 86_400_000)) }));
const time = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 59 }));
const offset = fc.constantFrom('+01:00', '+02:00', 'Z', '');
/** Letters (with umlauts), inner spaces and the characters XML escapes or CSV quotes; trimmed, 1–50 characters. */
export const text50 = fc.stringMatching(/^[A-Za-zÄÖÜäöüß][A-Za-zÄÖÜäöüß0-9 .,'&;"<>()-]{0,48}[A-Za-zäöüß0-9)]$/);
const digits = (n: number): fc.Arbitrary<string> => fc.stringMatching(new RegExp(`^[0-9]{${n}}$`));

export const anmeldung: fc.Arbitrary<Anmeldung> = fc.record({
  messageUuid: fc.uuid(), vorgangId: fc.uuid(),
  author: fc.constantFrom('efa:hund-lsa', 'efa:hund-test', 'zsa:lsa'),
  ags: digits(6).map((d) => `15${d}`), leika: digits(14),
  createdAt: fc.tuple(isoDate, time, offset).map(([d, [h, m, s], o]) => `${d}T${pad(h)}:${pad(m)}:${pad(s)}${o}`),
  produktversion: fc.option(fc.stringMatching(/^[0-9]\.[0-9]{1,2}$/), { nil: undefined }),
  test: fc.option(fc.boolean(), { nil: undefined }),
  vorname: text50, familienname: text50, geburtsdatum: isoDate,
  strasse: text50, hausnummer: fc.stringMatching(/^[1-9][0-9]{0,3}[a-d]?$/), plz: digits(5), ort: text50,
  email: fc.option(fc.stringMatching(/^[a-z]{1,12}\.[a-z]{1,12}@example\.org$/), { nil: undefined }),
  telefon: fc.option(fc.stringMatching(/^0[1-9][0-9]{2,4} [0-9]{4,8}$/), { nil: undefined }),
  hundName: text50, rasse: text50, kategorie: fc.constantFrom('01' as const, '02' as const, '03' as const),
  hund: dogDates, chip: digits(15),
  weitereHunde: fc.option(fc.integer({ min: 0, max: 9 }), { nil: undefined }),
  sepa: fc.option(fc.record({
    iban: digits(20).map((d) => `DE${d}`), kontoinhaber: text50,
    mandatsreferenz: fc.stringMatching(/^HST-[0-9]{8}-[0-9]{6}$/), mandatsdatum: isoDate,
  }), { nil: undefined }),
  bemerkung: fc.option(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ;"&<>\n.,]{0,200}[A-Za-z0-9.]$/), { nil: undefined }),
}, { requiredKeys: ['messageUuid', 'vorgangId', 'author', 'ags', 'leika', 'createdAt', 'vorname', 'familienname', 'geburtsdatum',
  'strasse', 'hausnummer', 'plz', 'ort', 'hundName', 'rasse', 'kategorie', 'hund', 'chip'] })
  .map(({ hund, ...rest }) => ({ ...rest, hundGeburtsdatum: hund.born, haltungsbeginn: hund.kept }));

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const opt = (tag: string, v: string | number | undefined): string => (v === undefined ? '' : `<${tag}>${esc(String(v))}</${tag}>`);
const code = (list: string, c: string): string => `listURI="urn:zsa-gateway:xzsa:codeliste:${list}" listVersionID="1.0"><code>${c}</code>`;

/** The case as XZSA `version` XML (1.1 names beginnHaltung and carries weitereHunde; 1.0 ignores weitereHunde). */
export function anmeldungXml(a: Anmeldung, version: '1.0' | '1.1'): string {
  const party = (tag: string, kennung: string, name: string): string =>
    `<xzsab:${tag}><xzsab:verzeichnisdienst ${code('verzeichnisdienst', 'ZSATV')}</xzsab:verzeichnisdienst><xzsab:kennung>${kennung}</xzsab:kennung><xzsab:name>${esc(name)}</xzsab:name></xzsab:${tag}>`;
  const attrs = `produkt="Hundeanmeldung Online (Test)" produkthersteller="Test-EfA"${a.produktversion ? ` produktversion="${a.produktversion}"` : ''} standard="XZSA" version="${version}"${a.test === undefined ? '' : ` test="${a.test}"`}`;
  const s = a.sepa;
  return `<?xml version="1.0" encoding="UTF-8"?>
<xzsa:hund.anmeldung.0101 xmlns:xzsa="urn:zsa-gateway:xzsa:${version}" xmlns:xzsab="urn:zsa-gateway:xzsa:basis:${version}" ${attrs}>
<xzsab:nachrichtenkopf><xzsab:identifikation.nachricht><xzsab:nachrichtenUUID>${a.messageUuid}</xzsab:nachrichtenUUID>
<xzsab:nachrichtentyp ${code('nachrichtentyp', '0101')}<name>hund.anmeldung</name></xzsab:nachrichtentyp>
<xzsab:erstellungszeitpunkt>${a.createdAt}</xzsab:erstellungszeitpunkt></xzsab:identifikation.nachricht>
${party('leser', 'fv:15002000-hund', 'Fachverfahren (Test)')}${party('autor', a.author, 'Absender (Test)')}
<xzsab:vorgang><xzsab:vorgangsID>${a.vorgangId}</xzsab:vorgangsID><xzsab:leikaSchluessel>${a.leika}</xzsab:leikaSchluessel><xzsab:ags>${a.ags}</xzsab:ags></xzsab:vorgang></xzsab:nachrichtenkopf>
<xzsa:halter><xzsa:person><xzsa:vorname>${esc(a.vorname)}</xzsa:vorname><xzsa:familienname>${esc(a.familienname)}</xzsa:familienname><xzsa:geburtsdatum>${a.geburtsdatum}</xzsa:geburtsdatum></xzsa:person>
<xzsa:anschrift><xzsa:strasse>${esc(a.strasse)}</xzsa:strasse><xzsa:hausnummer>${a.hausnummer}</xzsa:hausnummer><xzsa:postleitzahl>${a.plz}</xzsa:postleitzahl><xzsa:ort>${esc(a.ort)}</xzsa:ort></xzsa:anschrift>
${a.email || a.telefon ? `<xzsa:kontakt>${opt('xzsa:email', a.email)}${opt('xzsa:telefon', a.telefon)}</xzsa:kontakt>` : ''}</xzsa:halter>
<xzsa:hund><xzsa:name>${esc(a.hundName)}</xzsa:name><xzsa:rasse>${esc(a.rasse)}</xzsa:rasse><xzsa:kategorie ${code('hundekategorie', a.kategorie)}</xzsa:kategorie>
<xzsa:geburtsdatum>${a.hundGeburtsdatum}</xzsa:geburtsdatum><xzsa:chipnummer>${a.chip}</xzsa:chipnummer>${version === '1.1' ? opt('xzsa:weitereHunde', a.weitereHunde) : ''}</xzsa:hund>
${version === '1.1' ? `<xzsa:beginnHaltung>${a.haltungsbeginn}</xzsa:beginnHaltung>` : `<xzsa:haltungsbeginn>${a.haltungsbeginn}</xzsa:haltungsbeginn>`}
${s ? `<xzsa:sepaMandat><xzsa:iban>${s.iban}</xzsa:iban><xzsa:kontoinhaber>${esc(s.kontoinhaber)}</xzsa:kontoinhaber><xzsa:mandatsreferenz>${s.mandatsreferenz}</xzsa:mandatsreferenz><xzsa:mandatsdatum>${s.mandatsdatum}</xzsa:mandatsdatum></xzsa:sepaMandat>` : ''}
${opt('xzsa:bemerkung', a.bemerkung)}
</xzsa:hund.anmeldung.0101>`;
}

/** A Fachverfahren answer, the same for both dialects (each test writes it in its own form). */
export interface Antwort {
  antwortId: string; vorgangId: string; bezugId: string; empfaenger: string; gkz: string; leika: string;
  erstellt: { date: string; h: number; m: number; s: number };
  ergebnis: 'fest' | 'aend' | 'abgl';
  kassenzeichen: string; bescheiddatum: string; cents: number;
  grund: 0 | 1 | 2 | 3; grundtext?: string;
  bearbeiter: string; dienststelle: string;
  /** The Bescheid's assessment, payment plan and PDF (ADR 0024); consistent by construction (pro rata, sum, no instalment before the start). */
  plan?: Zahlungsplan;
}

export interface Zahlungsplan {
  /** YYYY-MM-01: the liability starts on the first of a month. */
  ab: string;
  jahresCents: number;
  festgesetztCents: number;
  raten: Array<{ datum: string; cents: number }>;
  epay?: string;
  lastschrift?: { mandat: string; iban: string };
  datei: string; sha512: string; groesse: number;
}

export const zahlungsplan: fc.Arbitrary<Zahlungsplan> = fc.record({
  year: fc.integer({ min: 2020, max: 2030 }), month: fc.integer({ min: 1, max: 12 }), jahresCents: fc.integer({ min: 1200, max: 120_000 }),
  parts: fc.integer({ min: 1, max: 4 }), lastschrift: fc.boolean(), mandat: fc.stringMatching(/^[A-Z0-9][A-Z0-9-]{0,30}$/), iban4: digits(4), epay: fc.stringMatching(/^EPAY-[0-9A-Z]{6,20}$/),
  sha512: fc.stringMatching(/^[0-9a-f]{128}$/), groesse: fc.integer({ min: 1, max: 9_999_999 }),
}).map((g) => {
  const festgesetztCents = Math.round((g.jahresCents * (13 - g.month)) / 12);
  const base = Math.floor(festgesetztCents / g.parts);
  const raten = Array.from({ length: g.parts }, (_, i) => ({
    datum: `${g.year}-${pad(Math.min(12, g.month + i))}-15`,
    cents: i === g.parts - 1 ? festgesetztCents - base * (g.parts - 1) : base,
  }));
  return {
    ab: `${g.year}-${pad(g.month)}-01`, jahresCents: g.jahresCents, festgesetztCents, raten,
    ...(g.lastschrift ? { lastschrift: { mandat: g.mandat, iban: `DE02${'*'.repeat(14)}${g.iban4}` } } : { epay: g.epay }),
    datei: 'hundesteuerbescheid.pdf', sha512: g.sha512, groesse: g.groesse,
  };
});

export const antwort: fc.Arbitrary<Antwort> = fc.record({
  antwortId: fc.uuid(), vorgangId: fc.uuid(), bezugId: fc.uuid(),
  empfaenger: fc.constantFrom('efa:hund-lsa', 'zsa:lsa', 'efa:hund-test'), gkz: digits(6).map((d) => `15${d}`), leika: digits(14),
  erstellt: fc.record({ date: isoDate, h: fc.integer({ min: 0, max: 23 }), m: fc.integer({ min: 0, max: 59 }), s: fc.integer({ min: 0, max: 59 }) }),
  ergebnis: fc.constantFrom('fest' as const, 'aend' as const, 'abgl' as const),
  kassenzeichen: fc.stringMatching(/^[0-9A-Z][0-9A-Z.\-/]{0,20}$/), bescheiddatum: isoDate, cents: fc.integer({ min: 0, max: 99_999_999 }),
  grund: fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const),
  grundtext: fc.option(text50, { nil: undefined }),
  bearbeiter: text50, dienststelle: text50, plan: zahlungsplan,
}, { requiredKeys: ['antwortId', 'vorgangId', 'bezugId', 'empfaenger', 'gkz', 'leika', 'erstellt', 'ergebnis', 'kassenzeichen', 'bescheiddatum', 'cents', 'grund', 'bearbeiter', 'dienststelle'] });

export const germanDate = (iso: string): string => iso.split('-').reverse().join('.');
export const germanAmount = (cents: number): string => `${Math.floor(cents / 100)},${pad(cents % 100)}`;
export const plainAmount = (cents: number): string => `${Math.floor(cents / 100)}.${pad(cents % 100)}`;
export { esc as escapeXml, pad };

/** A ZSA draft assessment (hund.steuerfestsetzung.0102) with 1–12 instalments. */
export interface Entwurf {
  messageUuid: string; vorgangId: string; ags: string; leika: string; bezug: string;
  jahresCents: number; ab: string; entwurf: 'true' | 'false' | '1' | '0'; bearbeiter: string; organisation: string;
  raten: Array<{ datum: string; cents: number }>; bemerkung?: string;
}

/**
 * Plausible drafts, as the XZSA service rules demand: the liability starts in month m of a
 * year, the instalments add up to annual × (13 − m) / 12 exactly (annual in multiples of 12
 * cents) and none falls due before the liability starts.
 */
export const entwurf: fc.Arbitrary<Entwurf> = fc.record({
  messageUuid: fc.uuid(), vorgangId: fc.uuid(), ags: digits(6).map((d) => `15${d}`), leika: digits(14), bezug: fc.uuid(),
  year: fc.integer({ min: 2020, max: 2030 }), month: fc.integer({ min: 1, max: 12 }), day: fc.integer({ min: 1, max: 28 }),
  perMonthCents: fc.integer({ min: 0, max: 10_000 }),
  shares: fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 12 }), offsets: fc.array(fc.nat({ max: 200 }), { minLength: 12, maxLength: 12 }),
  entwurf: fc.constantFrom('true' as const, 'false' as const, '1' as const, '0' as const),
  bearbeiter: text50, organisation: text50,
  bemerkung: fc.option(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ;"&<>\n.,]{0,100}[A-Za-z0-9.]$/), { nil: undefined }),
}, { requiredKeys: ['messageUuid', 'vorgangId', 'ags', 'leika', 'bezug', 'year', 'month', 'day', 'perMonthCents', 'shares', 'offsets', 'entwurf', 'bearbeiter', 'organisation'] })
  .map(({ year, month, day, perMonthCents, shares, offsets, ...rest }) => {
    const start = Date.UTC(year, month - 1, day);
    const due = perMonthCents * (13 - month);
    const total = shares.reduce((x, y) => x + y, 0);
    const cents = shares.map((sh) => (total === 0 ? 0 : Math.floor((due * sh) / total)));
    cents[0] = (cents[0] ?? 0) + due - cents.reduce((x, y) => x + y, 0);
    let at = start;
    const raten = cents.map((c, i) => {
      at += (offsets[i] ?? 0) * 86_400_000;
      return { datum: iso(new Date(at)), cents: c };
    });
    return { ...rest, jahresCents: perMonthCents * 12, ab: iso(new Date(start)), raten };
  });

/** The draft as XZSA `version` XML (the type is the same in 1.0 and 1.1). */
export function entwurfXml(e: Entwurf, version: '1.0' | '1.1' = '1.0'): string {
  const cl = (list: string, c: string): string => code(list, c);
  const party = (tag: string, kennung: string): string =>
    `<xzsab:${tag}><xzsab:verzeichnisdienst ${cl('verzeichnisdienst', 'ZSATV')}</xzsab:verzeichnisdienst><xzsab:kennung>${kennung}</xzsab:kennung><xzsab:name>Test</xzsab:name></xzsab:${tag}>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<xzsa:hund.steuerfestsetzung.0102 xmlns:xzsa="urn:zsa-gateway:xzsa:${version}" xmlns:xzsab="urn:zsa-gateway:xzsa:basis:${version}" produkt="Test" produkthersteller="Test" standard="XZSA" version="${version}">
<xzsab:nachrichtenkopf><xzsab:identifikation.nachricht><xzsab:nachrichtenUUID>${e.messageUuid}</xzsab:nachrichtenUUID>
<xzsab:nachrichtentyp ${cl('nachrichtentyp', '0102')}</xzsab:nachrichtentyp><xzsab:erstellungszeitpunkt>2025-03-05T11:40:02+01:00</xzsab:erstellungszeitpunkt></xzsab:identifikation.nachricht>
${party('leser', 'fv:15083490-hund')}${party('autor', 'zsa:lsa')}
<xzsab:vorgang><xzsab:vorgangsID>${e.vorgangId}</xzsab:vorgangsID><xzsab:leikaSchluessel>${e.leika}</xzsab:leikaSchluessel><xzsab:ags>${e.ags}</xzsab:ags></xzsab:vorgang></xzsab:nachrichtenkopf>
<xzsa:bezugAnmeldung>${e.bezug}</xzsa:bezugAnmeldung><xzsa:jahresbetrag>${plainAmount(e.jahresCents)}</xzsa:jahresbetrag><xzsa:festsetzungAb>${e.ab}</xzsa:festsetzungAb>
${e.raten.map((r) => `<xzsa:faelligkeit><xzsa:datum>${r.datum}</xzsa:datum><xzsa:betrag>${plainAmount(r.cents)}</xzsa:betrag></xzsa:faelligkeit>`).join('\n')}
<xzsa:entwurf>${e.entwurf}</xzsa:entwurf><xzsa:sachbearbeitung><xzsa:name>${esc(e.bearbeiter)}</xzsa:name><xzsa:organisation>${esc(e.organisation)}</xzsa:organisation></xzsa:sachbearbeitung>
${opt('xzsa:bemerkung', e.bemerkung)}
</xzsa:hund.steuerfestsetzung.0102>`;
}
