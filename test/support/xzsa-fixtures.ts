/**
 * Builders for synthetic XZSA messages (1.0, or 1.1 with `xzsaVersion`), one per message type. Used by integration
 * tests, the benchmarks and `test/validation`. Every builder returns a complete XML
 * string that passes the gateway validator (checked by
 * test/validation/xzsa-fixtures.test.ts). All people, accounts and chips are invented.
 *
 * Defaults: fresh random UUIDs for message and Vorgang, AGS `15003000`, the real LeiKa keys
 * (docs/reference-keys.md: `99107023037000` for Wohngeld, `99102013070000` for the Hund
 * Abmeldung, `99102013104000` for the other Hund messages — gateway messages answer the Hund
 * Anmeldung by default; see defaultLeika), and the author/reader of the usual
 * direction of the message type (see PARTIES), e.g. `efa:hund-lsa` → `zsa:lsa` for an
 * Anmeldung. `padToBytes` fills the free-text `bemerkung` until the message has exactly
 * that many bytes (UTF-8), when it is not already larger.
 */
import { createHash, randomUUID } from 'node:crypto';

export const XZSA_NS = 'urn:zsa-gateway:xzsa:1.0';
export const XZSA_BASIS_NS = 'urn:zsa-gateway:xzsa:basis:1.0';
/** Root and basis namespace per XZSA version (schemas-xoev/xzsa/<version>). */
const NAMESPACES = {
  '1.0': { root: XZSA_NS, basis: XZSA_BASIS_NS },
  '1.1': { root: 'urn:zsa-gateway:xzsa:1.1', basis: 'urn:zsa-gateway:xzsa:basis:1.1' },
} as const;
export type XzsaVersion = keyof typeof NAMESPACES;
/** Hundesteuer Anmeldung (FIM 99102013104000); the messages of its Vorgang carry it too. */
export const LEIKA_HUND = '99102013104000';
/** Hundesteuer Abmeldung: it opens a Vorgang of its own. */
export const LEIKA_HUND_ABMELDUNG = '99102013070000';
/** Wohngeld Feststellung ("Wohngeld erstmalig oder neu beantragen"). */
export const LEIKA_WOHNGELD = '99107023037000';
export const DEMO_AGS = '15003000';

export interface FixtureOptions {
  messageUuid?: string;
  vorgangId?: string;
  /** `praefix:kennung` of the author. */
  author?: string;
  /** `praefix:kennung` of the reader. */
  reader?: string;
  ags?: string;
  leika?: string;
  /** Header erstellungszeitpunkt; default now. */
  createdAt?: string;
  /** Root attribute `test`; omitted when undefined. */
  test?: boolean;
  /** Free text for `bemerkung`. */
  bemerkung?: string;
  /** Pad `bemerkung` so the message has this many bytes. */
  padToBytes?: number;
  /** XZSA version; default 1.0. 1.1 differs in hund.anmeldung.0101 (schemas-xoev/xzsa/1.1/README.md) and takes an ARS as `ags`. */
  xzsaVersion?: XzsaVersion;
}

export interface NachweisFixture {
  /** Code of the Wohngeld-Nachweisart list, e.g. `01` Mietvertrag. */
  art: string;
  dateiname: string;
  sha512: string;
  mimeType: string;
  groesse?: number;
}

export type XzsaMessageType =
  | 'hund.anmeldung.0101' | 'hund.steuerfestsetzung.0102' | 'hund.freigabe.0103' | 'hund.abmeldung.0104'
  | 'wohngeld.antrag.0201' | 'wohngeld.pruefergebnis.0202' | 'wohngeld.nachforderung.0203'
  | 'wohngeld.nachreichung.0204' | 'wohngeld.weiterleitung.0205'
  | 'gateway.quittung.0901' | 'gateway.fehler.0902';

/** Usual [author, reader] per message type. */
export const PARTIES: Readonly<Record<XzsaMessageType, readonly [string, string]>> = {
  'hund.anmeldung.0101': ['efa:hund-lsa', 'zsa:lsa'],
  'hund.steuerfestsetzung.0102': ['zsa:lsa', 'fv:15003000-hund'],
  'hund.freigabe.0103': ['fv:15003000-hund', 'zsa:lsa'],
  'hund.abmeldung.0104': ['efa:hund-lsa', 'zsa:lsa'],
  'wohngeld.antrag.0201': ['efa:wohngeld-lsa', 'zsa:lsa'],
  'wohngeld.pruefergebnis.0202': ['zsa:lsa', 'ags:15003000'],
  'wohngeld.nachforderung.0203': ['zsa:lsa', 'efa:wohngeld-lsa'],
  'wohngeld.nachreichung.0204': ['efa:wohngeld-lsa', 'zsa:lsa'],
  'wohngeld.weiterleitung.0205': ['zsa:lsa', 'fv:15003000-wohngeld'],
  'gateway.quittung.0901': ['gw:zsa-gateway', 'efa:hund-lsa'],
  'gateway.fehler.0902': ['gw:zsa-gateway', 'efa:hund-lsa'],
};

const PARTY_NAMES: Record<string, string> = {
  efa: 'EfA-Onlinedienst (Demo)', zsa: 'Zentrale Service-Angebote (Demo)', ags: 'Kommune (Demo)',
  fv: 'Fachverfahren der Kommune (Demo)', gw: 'zsa-gateway (Demo)',
};

const code = (list: string, value: string, name?: string): string =>
  `listURI="urn:zsa-gateway:xzsa:codeliste:${list}" listVersionID="1.0"><code>${value}</code>${name ? `<name>${esc(name)}</name>` : ''}`;

/** Escapes text for element content and attribute values. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** ASCII only, so byte and character counts agree when padding. */
const FILLER = 'Synthetischer Fuelltext fuer Last- und Groessentests ohne fachliche Bedeutung. ';

function party(tag: 'leser' | 'autor', kennung: string): string {
  const name = PARTY_NAMES[kennung.split(':')[0] ?? ''] ?? 'Teilnehmer (Demo)';
  return `    <xzsab:${tag}>
      <xzsab:verzeichnisdienst ${code('verzeichnisdienst', 'ZSATV')}</xzsab:verzeichnisdienst>
      <xzsab:kennung>${esc(kennung)}</xzsab:kennung>
      <xzsab:name>${esc(name)}</xzsab:name>
    </xzsab:${tag}>\n`;
}

/** The LeiKa key a message of this type carries by default (docs/reference-keys.md). */
export function defaultLeika(type: XzsaMessageType): string {
  if (type.startsWith('wohngeld.')) return LEIKA_WOHNGELD;
  return type === 'hund.abmeldung.0104' ? LEIKA_HUND_ABMELDUNG : LEIKA_HUND;
}

/** Assembles root, header, body and the optional (padded) `bemerkung` of one message. */
function message(type: XzsaMessageType, o: FixtureOptions, body: string): string {
  const typeCode = type.slice(-4);
  const [author, reader] = PARTIES[type];
  const leika = o.leika ?? defaultLeika(type);
  const testAttr = o.test === undefined ? '' : ` test="${o.test}"`;
  const version = o.xzsaVersion ?? '1.0';
  const ns = NAMESPACES[version];
  const head = `<?xml version="1.0" encoding="UTF-8"?>
<xzsa:${type} xmlns:xzsa="${ns.root}" xmlns:xzsab="${ns.basis}" produkt="zsa-gateway Testdaten" produkthersteller="zsa-gateway" produktversion="1.0" standard="XZSA" version="${version}"${testAttr}>
  <xzsab:nachrichtenkopf>
    <xzsab:identifikation.nachricht>
      <xzsab:nachrichtenUUID>${esc(o.messageUuid ?? randomUUID())}</xzsab:nachrichtenUUID>
      <xzsab:nachrichtentyp ${code('nachrichtentyp', typeCode, type.slice(0, -5))}</xzsab:nachrichtentyp>
      <xzsab:erstellungszeitpunkt>${esc(o.createdAt ?? new Date().toISOString())}</xzsab:erstellungszeitpunkt>
    </xzsab:identifikation.nachricht>
${party('leser', o.reader ?? reader)}${party('autor', o.author ?? author)}    <xzsab:vorgang>
      <xzsab:vorgangsID>${esc(o.vorgangId ?? randomUUID())}</xzsab:vorgangsID>
      <xzsab:leikaSchluessel>${esc(leika)}</xzsab:leikaSchluessel>
      <xzsab:ags>${esc(o.ags ?? DEMO_AGS)}</xzsab:ags>
    </xzsab:vorgang>
  </xzsab:nachrichtenkopf>
${body}`;
  const tail = `</xzsa:${type}>\n`;
  let remark = o.bemerkung ?? '';
  const wrap = (text: string): string => (text === '' ? '' : `  <xzsa:bemerkung>${esc(text)}</xzsa:bemerkung>\n`);
  if (o.padToBytes !== undefined) {
    const wrapper = remark === '' ? Buffer.byteLength(wrap('x')) - 1 : 0;
    const missing = o.padToBytes - Buffer.byteLength(head + wrap(remark) + tail) - wrapper;
    if (missing > 0) remark += FILLER.repeat(Math.ceil(missing / FILLER.length)).slice(0, missing);
  }
  return head + wrap(remark) + tail;
}

const person = (vorname: string, familienname: string, geburtsdatum: string, indent: string): string =>
  `${indent}<xzsa:person>
${indent}  <xzsa:vorname>${esc(vorname)}</xzsa:vorname>
${indent}  <xzsa:familienname>${esc(familienname)}</xzsa:familienname>
${indent}  <xzsa:geburtsdatum>${geburtsdatum}</xzsa:geburtsdatum>
${indent}</xzsa:person>\n`;

const anschrift = (indent: string): string => `${indent}<xzsa:anschrift>
${indent}  <xzsa:strasse>Musterweg</xzsa:strasse>
${indent}  <xzsa:hausnummer>12a</xzsa:hausnummer>
${indent}  <xzsa:postleitzahl>39104</xzsa:postleitzahl>
${indent}  <xzsa:ort>Beispielstadt</xzsa:ort>
${indent}</xzsa:anschrift>\n`;

const buerger = (tag: string, vorname: string, familienname: string, geburtsdatum = '1984-06-15'): string =>
  `  <xzsa:${tag}>\n${person(vorname, familienname, geburtsdatum, '    ')}${anschrift('    ')}    <xzsa:kontakt>
      <xzsa:email>${esc(`${vorname}.${familienname}`.toLowerCase())}@example.org</xzsa:email>
    </xzsa:kontakt>
  </xzsa:${tag}>\n`;

const sachbearbeitung = (tag: string, name: string, organisation: string, kennung: string, indent = '  '): string =>
  `${indent}<xzsa:${tag}>
${indent}  <xzsa:name>${esc(name)}</xzsa:name>
${indent}  <xzsa:organisation>${esc(organisation)}</xzsa:organisation>
${indent}  <xzsa:kennung>${esc(kennung)}</xzsa:kennung>
${indent}</xzsa:${tag}>\n`;

/**
 * A Hund Anmeldung. Under XZSA 1.1 the start of keeping is `beginnHaltung` (1.0:
 * `haltungsbeginn`) and the dog carries `weitereHunde` (default 0: the first dog; 1.1 only).
 */
export function hundAnmeldung(o: FixtureOptions & { kategorie?: '01' | '02' | '03'; iban?: string; weitereHunde?: number } = {}): string {
  const v11 = o.xzsaVersion === '1.1';
  const beginn = v11 ? 'beginnHaltung' : 'haltungsbeginn';
  const weitere = v11 ? `    <xzsa:weitereHunde>${o.weitereHunde ?? 0}</xzsa:weitereHunde>\n` : '';
  return message('hund.anmeldung.0101', o, `${buerger('halter', 'Erika', 'Testfrau')}  <xzsa:hund>
    <xzsa:name>Bello</xzsa:name>
    <xzsa:rasse>Mischling</xzsa:rasse>
    <xzsa:kategorie ${code('hundekategorie', o.kategorie ?? '01')}</xzsa:kategorie>
    <xzsa:geburtsdatum>2023-11-02</xzsa:geburtsdatum>
    <xzsa:chipnummer>276000000000001</xzsa:chipnummer>
${weitere}  </xzsa:hund>
  <xzsa:${beginn}>2025-03-01</xzsa:${beginn}>
  <xzsa:sepaMandat>
    <xzsa:iban>${esc(o.iban ?? 'DE02120300000000202051')}</xzsa:iban>
    <xzsa:kontoinhaber>Erika Testfrau</xzsa:kontoinhaber>
    <xzsa:mandatsreferenz>HST-15003000-000001</xzsa:mandatsreferenz>
    <xzsa:mandatsdatum>2025-03-04</xzsa:mandatsdatum>
  </xzsa:sepaMandat>
`);
}

/** Quarterly due dates of the dog tax (15 Feb, May, Aug, Nov), as month numbers. */
const DUE_MONTHS = [2, 5, 8, 11];

/**
 * The instalments of the first calendar year of liability from `start` (YYYY-MM-01): the
 * annual amount × months of liability / 12, in quarterly instalments that fall due on or
 * after the start; months before the first due date are charged with it. In cents, the
 * last instalment takes the rounding rest, so they add up exactly.
 */
export function erstesJahrFaelligkeiten(jahresbetrag: string, start: string): Array<{ datum: string; betrag: string }> {
  const [year = '', month = ''] = start.split('-');
  const first = Number(month);
  const annualCents = Math.round(Number(jahresbetrag) * 100);
  const totalCents = Math.round((annualCents * (13 - first)) / 12);
  const due = DUE_MONTHS.filter((m) => m >= first);
  const dates = due.length > 0 ? due : [12];
  const monthsUpTo = (m: number): number => Math.max(0, Math.min(m + 1, 13) - first);
  let charged = 0;
  return dates.map((m, i) => {
    const end = i === dates.length - 1 ? 12 : m + 1; // each instalment covers up to the quarter it falls in
    const cents = i === dates.length - 1 ? totalCents - charged : Math.round((annualCents * monthsUpTo(end)) / 12) - charged;
    charged += cents;
    return { datum: `${year}-${String(m).padStart(2, '0')}-15`, betrag: (cents / 100).toFixed(2) };
  });
}

export function hundSteuerfestsetzung(o: FixtureOptions & { anmeldungUuid?: string; jahresbetrag?: string; festsetzungAb?: string; entwurf?: boolean } = {}): string {
  const betrag = o.jahresbetrag ?? '96.00';
  const ab = o.festsetzungAb ?? '2025-03-01';
  const faellig = erstesJahrFaelligkeiten(betrag, ab)
    .map((f) => `  <xzsa:faelligkeit>\n    <xzsa:datum>${f.datum}</xzsa:datum>\n    <xzsa:betrag>${f.betrag}</xzsa:betrag>\n  </xzsa:faelligkeit>\n`).join('');
  return message('hund.steuerfestsetzung.0102', o, `  <xzsa:bezugAnmeldung>${esc(o.anmeldungUuid ?? randomUUID())}</xzsa:bezugAnmeldung>
  <xzsa:jahresbetrag>${esc(betrag)}</xzsa:jahresbetrag>
  <xzsa:festsetzungAb>${esc(ab)}</xzsa:festsetzungAb>
${faellig}  <xzsa:entwurf>${o.entwurf ?? true}</xzsa:entwurf>
${sachbearbeitung('sachbearbeitung', 'Max Beispiel', 'ZSA Sachsen-Anhalt, Team Hundesteuer (Demo)', 'zsa:lsa')}`);
}

const FREIGABE_CODES = { freigegeben: '01', korrigiert: '02', abgelehnt: '03' } as const;

export function hundFreigabe(o: FixtureOptions & {
  entwurfUuid?: string; entscheidung?: keyof typeof FREIGABE_CODES; korrigierterJahresbetrag?: string;
} = {}): string {
  const decision = o.entscheidung ?? 'freigegeben';
  const corrected = o.korrigierterJahresbetrag ?? (decision === 'korrigiert' ? '72.00' : undefined);
  const bescheid = decision === 'abgelehnt'
    ? '  <xzsa:begruendung>Haltungsbeginn liegt vor dem Zuzug; Festsetzung wird neu berechnet.</xzsa:begruendung>\n'
    : `  <xzsa:bescheid>\n    <xzsa:bescheiddatum>2025-03-10</xzsa:bescheiddatum>\n    <xzsa:bescheidnummer>HST-2025-000123</xzsa:bescheidnummer>\n  </xzsa:bescheid>\n`;
  return message('hund.freigabe.0103', o, `  <xzsa:bezugEntwurf>${esc(o.entwurfUuid ?? randomUUID())}</xzsa:bezugEntwurf>
  <xzsa:entscheidung ${code('freigabeentscheidung', FREIGABE_CODES[decision], decision)}</xzsa:entscheidung>
${corrected ? `  <xzsa:korrigierterJahresbetrag>${esc(corrected)}</xzsa:korrigierterJahresbetrag>\n` : ''}${bescheid}${sachbearbeitung('freigabeDurch', 'Gabi Amtsmuster', 'Stadt Beispielstadt, Steueramt (Demo)', 'ags:15003000')}`);
}

export function hundAbmeldung(o: FixtureOptions & { grund?: '01' | '02' | '03' | '04' | '99' } = {}): string {
  return message('hund.abmeldung.0104', o, `${buerger('halter', 'Erika', 'Testfrau')}  <xzsa:hund>
    <xzsa:name>Bello</xzsa:name>
    <xzsa:chipnummer>276000000000001</xzsa:chipnummer>
  </xzsa:hund>
  <xzsa:haltungsende>2025-09-30</xzsa:haltungsende>
  <xzsa:grund ${code('abmeldegrund', o.grund ?? '03')}</xzsa:grund>
`);
}

/** The synthetic attachment content a `nachweis` fixture describes: its sha512 and size match these bytes. */
export function nachweisContent(dateiname: string): Buffer {
  return Buffer.from(`%PDF-1.4\n% synthetic attachment ${dateiname} for zsa-gateway tests\n%%EOF\n`);
}

/** An evidence entry whose hash and size are those of `nachweisContent(dateiname)`. */
export function nachweis(art: string, dateiname: string, mimeType = 'application/pdf'): NachweisFixture {
  const content = nachweisContent(dateiname);
  return { art, dateiname, sha512: createHash('sha512').update(content).digest('hex'), mimeType, groesse: content.length };
}

/** The evidence files an XML message built from these fixtures lists, as attachments (name, media type, `nachweisContent` bytes). */
export function listedNachweise(xml: string): Array<{ name: string; mediaType: string; content: Buffer }> {
  return [...xml.matchAll(/<xzsa:nachweis>([\s\S]*?)<\/xzsa:nachweis>/g)].map((m) => {
    const name = /<xzsa:dateiname>([^<]*)</.exec(m[1]!)![1]!.replace(/&amp;/g, '&');
    return { name, mediaType: /<xzsa:mimeType>([^<]*)</.exec(m[1]!)?.[1] ?? 'application/pdf', content: nachweisContent(name) };
  });
}

function nachweisliste(list: readonly NachweisFixture[]): string {
  const items = list.map((n) => `    <xzsa:nachweis>
      <xzsa:art ${code('wohngeld-nachweisart', n.art)}</xzsa:art>
      <xzsa:dateiname>${esc(n.dateiname)}</xzsa:dateiname>
      <xzsa:sha512>${esc(n.sha512)}</xzsa:sha512>
      <xzsa:mimeType>${esc(n.mimeType)}</xzsa:mimeType>
${n.groesse === undefined ? '' : `      <xzsa:groesse>${n.groesse}</xzsa:groesse>\n`}    </xzsa:nachweis>\n`).join('');
  return `  <xzsa:nachweise>\n${items}  </xzsa:nachweise>\n`;
}

/** The applicant is the household member "selbst": one birth date for both. */
const SELBST_GEBURTSDATUM = '1979-02-28';
const KINDER = ['Mia', 'Ben', 'Lea', 'Paul', 'Emma', 'Noah'];

/**
 * Evidence lists name files that must come with the message or its Vorgang (the gateway checks
 * it where `services[].evidence` is set, as in the demo: ADR 0023). So the defaults are a case
 * as it is sent: an application listing nothing yet (its evidence comes with the Nachreichung),
 * a Nachreichung listing one file (post it with `withListedEvidence`), and a case file listing
 * that same file. Tests about evidence pass `nachweise` and attach what they list.
 */
const NACHGEREICHT = nachweis('06', 'heizkostenabrechnung-2024.pdf');

export function wohngeldAntrag(o: FixtureOptions & { nachweise?: NachweisFixture[]; haushaltsmitglieder?: number } = {}): string {
  const members = Array.from({ length: Math.max(1, o.haushaltsmitglieder ?? 2) }, (_, i) => i === 0
    ? `    <xzsa:mitglied>\n${person('Jonas', 'Probemann', SELBST_GEBURTSDATUM, '      ')}      <xzsa:verhaeltnis>selbst</xzsa:verhaeltnis>
      <xzsa:einkommen>
        <xzsa:art ${code('einkommensart', '01')}</xzsa:art>
        <xzsa:bruttoMonatlich>1850.00</xzsa:bruttoMonatlich>
        <xzsa:bezeichnung>Teilzeitstelle</xzsa:bezeichnung>
      </xzsa:einkommen>
    </xzsa:mitglied>\n`
    : `    <xzsa:mitglied>\n${person(KINDER[(i - 1) % KINDER.length] ?? 'Mia', 'Probemann', `${2006 + ((i * 3) % 17)}-0${(i % 9) + 1}-1${i % 10}`, '      ')}      <xzsa:verhaeltnis>Kind</xzsa:verhaeltnis>
    </xzsa:mitglied>\n`).join('');
  return message('wohngeld.antrag.0201', o, `${buerger('antragsteller', 'Jonas', 'Probemann', SELBST_GEBURTSDATUM)}  <xzsa:haushalt>
${members}  </xzsa:haushalt>
  <xzsa:wohnung>
${anschrift('    ')}    <xzsa:wohnflaeche>62.5</xzsa:wohnflaeche>
    <xzsa:grundmiete>480.00</xzsa:grundmiete>
    <xzsa:nebenkosten>95.00</xzsa:nebenkosten>
    <xzsa:heizkosten>70.00</xzsa:heizkosten>
  </xzsa:wohnung>
  <xzsa:beantragtAb>2025-04-01</xzsa:beantragtAb>
  <xzsa:bankverbindung>
    <xzsa:iban>DE02500105170137075030</xzsa:iban>
    <xzsa:kontoinhaber>Jonas Probemann</xzsa:kontoinhaber>
  </xzsa:bankverbindung>
${nachweisliste(o.nachweise ?? [])}`);
}

const FEHLT = `  <xzsa:fehlendeUnterlage>
    <xzsa:art ${code('wohngeld-nachweisart', '06')}</xzsa:art>
    <xzsa:beschreibung>Nachweis über die Heizkosten des letzten Abrechnungsjahres</xzsa:beschreibung>
  </xzsa:fehlendeUnterlage>\n`;

const pruefer = (indent = '  '): string =>
  sachbearbeitung('pruefer', 'Max Beispiel', 'ZSA Sachsen-Anhalt, Team Wohngeld (Demo)', 'zsa:lsa', indent);

export function wohngeldPruefergebnis(o: FixtureOptions & { antragUuid?: string; vollstaendig?: boolean } = {}): string {
  const complete = o.vollstaendig ?? false;
  return message('wohngeld.pruefergebnis.0202', o, `  <xzsa:bezugAntrag>${esc(o.antragUuid ?? randomUUID())}</xzsa:bezugAntrag>
  <xzsa:ergebnis ${code('pruefergebnis', complete ? '01' : '02', complete ? 'vollständig' : 'unvollständig')}</xzsa:ergebnis>
${complete ? '' : FEHLT}  <xzsa:geprueftAm>2025-03-12T14:03:00+01:00</xzsa:geprueftAm>
${pruefer()}`);
}

export function wohngeldNachforderung(o: FixtureOptions & { antragUuid?: string; frist?: string } = {}): string {
  return message('wohngeld.nachforderung.0203', o, `  <xzsa:bezugAntrag>${esc(o.antragUuid ?? randomUUID())}</xzsa:bezugAntrag>
${FEHLT}  <xzsa:frist>${esc(o.frist ?? '2025-04-02')}</xzsa:frist>
  <xzsa:hinweis>Bitte reichen Sie die Unterlagen über das Onlinekonto nach.</xzsa:hinweis>
`);
}

export function wohngeldNachreichung(o: FixtureOptions & { nachforderungUuid?: string; nachweise?: NachweisFixture[] } = {}): string {
  return message('wohngeld.nachreichung.0204', o, `  <xzsa:bezugNachforderung>${esc(o.nachforderungUuid ?? randomUUID())}</xzsa:bezugNachforderung>
${nachweisliste(o.nachweise ?? [NACHGEREICHT])}`);
}

export function wohngeldWeiterleitung(o: FixtureOptions & {
  antragUuid?: string; nachreichungUuids?: string[]; nachweise?: NachweisFixture[];
} = {}): string {
  const refs = (o.nachreichungUuids ?? [randomUUID()]).map((u) => `  <xzsa:bezugNachreichung>${esc(u)}</xzsa:bezugNachreichung>\n`).join('');
  return message('wohngeld.weiterleitung.0205', o, `  <xzsa:bezugAntrag>${esc(o.antragUuid ?? randomUUID())}</xzsa:bezugAntrag>
${refs}  <xzsa:pruefung>
    <xzsa:ergebnis ${code('pruefergebnis', '01', 'vollständig')}</xzsa:ergebnis>
    <xzsa:geprueftAm>2025-03-20T10:30:00+01:00</xzsa:geprueftAm>
${pruefer('    ')}  </xzsa:pruefung>
${nachweisliste(o.nachweise ?? [NACHGEREICHT])}`);
}

export function gatewayQuittung(o: FixtureOptions & { gatewayId?: string; refUuid?: string; state?: string } = {}): string {
  return message('gateway.quittung.0901', o, `  <xzsa:gatewayID>${esc(o.gatewayId ?? randomUUID())}</xzsa:gatewayID>
  <xzsa:bezugNachrichtenUUID>${esc(o.refUuid ?? randomUUID())}</xzsa:bezugNachrichtenUUID>
  <xzsa:zustand ${code('quittungsstatus', o.state ?? 'queued')}</xzsa:zustand>
  <xzsa:zeitpunkt>${new Date().toISOString()}</xzsa:zeitpunkt>
`);
}

export interface FehlerReason { art: string; meldung: string; zeile?: number; spalte?: number; pfad?: string; schicht?: string }

export function gatewayFehler(o: FixtureOptions & { refUuid?: string | null; problemCode?: string; reasons?: FehlerReason[] } = {}): string {
  const reasons = o.reasons ?? [{
    art: '07', meldung: "Element 'chipnummer': value '27600' does not match the pattern.", zeile: 52, pfad: '/hund.anmeldung.0101/hund/chipnummer', schicht: 'xsd',
  }];
  const items = reasons.map((r) => {
    const where = [r.zeile && `<xzsa:zeile>${r.zeile}</xzsa:zeile>`, r.spalte && `<xzsa:spalte>${r.spalte}</xzsa:spalte>`,
      r.pfad && `<xzsa:pfad>${esc(r.pfad)}</xzsa:pfad>`, r.schicht && `<xzsa:pruefschicht>${esc(r.schicht)}</xzsa:pruefschicht>`].filter(Boolean);
    const fund = where.length > 0 ? `    <xzsa:fundstelle>${where.join('')}</xzsa:fundstelle>\n` : '';
    return `  <xzsa:grund>\n    <xzsa:art ${code('fehlergrund', r.art)}</xzsa:art>\n    <xzsa:meldung>${esc(r.meldung)}</xzsa:meldung>\n${fund}  </xzsa:grund>\n`;
  }).join('');
  const ref = o.refUuid === null ? '' : `  <xzsa:bezugNachrichtenUUID>${esc(o.refUuid ?? randomUUID())}</xzsa:bezugNachrichtenUUID>\n`;
  return message('gateway.fehler.0902', o, `${ref}  <xzsa:problemcode>${esc(o.problemCode ?? 'GW_XSD_INVALID')}</xzsa:problemcode>
  <xzsa:zeitpunkt>${new Date().toISOString()}</xzsa:zeitpunkt>
${items}`);
}

/** Every builder by message type, for loops over all types. */
export const XZSA_BUILDERS: Readonly<Record<XzsaMessageType, (o?: FixtureOptions) => string>> = {
  'hund.anmeldung.0101': hundAnmeldung,
  'hund.steuerfestsetzung.0102': hundSteuerfestsetzung,
  'hund.freigabe.0103': hundFreigabe,
  'hund.abmeldung.0104': hundAbmeldung,
  'wohngeld.antrag.0201': wohngeldAntrag,
  'wohngeld.pruefergebnis.0202': wohngeldPruefergebnis,
  'wohngeld.nachforderung.0203': wohngeldNachforderung,
  'wohngeld.nachreichung.0204': wohngeldNachreichung,
  'wohngeld.weiterleitung.0205': wohngeldWeiterleitung,
  'gateway.quittung.0901': gatewayQuittung,
  'gateway.fehler.0902': gatewayFehler,
};

/** The nachrichtenUUID of a fixture message. */
export const uuidOf = (xml: string): string => /<xzsab:nachrichtenUUID>([^<]+)</.exec(xml)![1]!;
/** The vorgangsID of a fixture message. */
export const vorgangOf = (xml: string): string => /<xzsab:vorgangsID>([^<]+)</.exec(xml)![1]!;
