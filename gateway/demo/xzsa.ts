/**
 * XZSA messages the simulators write themselves (the EfA service submits form JSON, which
 * the gateway maps): XZSA 1.0, except the Bescheid (hund.freigabe.0103 in 1.1, whose Bescheid
 * carries assessment, payment and the PDF reference, ADR 0024). One header builder, one
 * function per message type; each returns a complete document the gateway's validator
 * accepts. All values synthetic.
 */
import { createHash } from 'node:crypto';
import type { BescheidData, BescheidDokument } from './simulators/bescheid.js';

type Version = '1.0' | '1.1';

export interface Head {
  uuid: string;
  vorgangId: string;
  leika: string;
  ags: string;
  author: string;
  reader: string;
}

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const code = (list: string, value: string, name?: string): string =>
  `listURI="urn:zsa-gateway:xzsa:codeliste:${list}" listVersionID="1.0"><code>${value}</code>${name ? `<name>${esc(name)}</name>` : ''}`;

const party = (tag: string, kennung: string, name: string): string =>
  `<xzsab:${tag}><xzsab:verzeichnisdienst ${code('verzeichnisdienst', 'ZSATV')}</xzsab:verzeichnisdienst><xzsab:kennung>${esc(kennung)}</xzsab:kennung><xzsab:name>${esc(name)}</xzsab:name></xzsab:${tag}>`;

function message(type: string, h: Head, body: string, version: Version = '1.0'): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<xzsa:${type} xmlns:xzsa="urn:zsa-gateway:xzsa:${version}" xmlns:xzsab="urn:zsa-gateway:xzsa:basis:${version}" produkt="zsa-gateway demo simulators" produkthersteller="zsa-gateway" produktversion="1.0" standard="XZSA" version="${version}" test="true">
<xzsab:nachrichtenkopf><xzsab:identifikation.nachricht><xzsab:nachrichtenUUID>${h.uuid}</xzsab:nachrichtenUUID><xzsab:nachrichtentyp ${code('nachrichtentyp', type.slice(-4), type.slice(0, -5))}</xzsab:nachrichtentyp><xzsab:erstellungszeitpunkt>${new Date().toISOString()}</xzsab:erstellungszeitpunkt></xzsab:identifikation.nachricht>
${party('leser', h.reader, 'Empfänger (Demo)')}${party('autor', h.author, 'Absender (Demo)')}<xzsab:vorgang><xzsab:vorgangsID>${h.vorgangId}</xzsab:vorgangsID><xzsab:leikaSchluessel>${h.leika}</xzsab:leikaSchluessel><xzsab:ags>${h.ags}</xzsab:ags></xzsab:vorgang></xzsab:nachrichtenkopf>
${body}</xzsa:${type}>
`;
}

const clerk = (tag: string, name: string, organisation: string, kennung: string): string =>
  `<xzsa:${tag}><xzsa:name>${esc(name)}</xzsa:name><xzsa:organisation>${esc(organisation)}</xzsa:organisation><xzsa:kennung>${esc(kennung)}</xzsa:kennung></xzsa:${tag}>`;

export function steuerfestsetzung(h: Head, d: { anmeldungUuid: string; jahresbetrag: string; festsetzungAb: string; instalments: ReadonlyArray<{ datum: string; betrag: string }>; bemerkung: string }): string {
  const due = d.instalments.map((i) => `<xzsa:faelligkeit><xzsa:datum>${i.datum}</xzsa:datum><xzsa:betrag>${i.betrag}</xzsa:betrag></xzsa:faelligkeit>`).join('');
  return message('hund.steuerfestsetzung.0102', h, `<xzsa:bezugAnmeldung>${d.anmeldungUuid}</xzsa:bezugAnmeldung><xzsa:jahresbetrag>${d.jahresbetrag}</xzsa:jahresbetrag><xzsa:festsetzungAb>${d.festsetzungAb}</xzsa:festsetzungAb>${due}<xzsa:entwurf>true</xzsa:entwurf>${clerk('sachbearbeitung', 'Demo-Sachbearbeitung Hundesteuer', 'ZSA Sachsen-Anhalt, Team Hundesteuer (Demo)', 'zsa:lsa')}<xzsa:bemerkung>${esc(d.bemerkung)}</xzsa:bemerkung>\n`);
}

/** The Bescheid element of XZSA 1.1 (ADR 0024): date and number, assessment, payment plan and way, the PDF reference. */
export function bescheidXml(b: BescheidData, doc: Pick<BescheidDokument, 'dateiname' | 'mimeType' | 'sha512' | 'groesse'>): string {
  const f = b.festsetzung;
  const z = b.zahlung;
  const way = z.lastschrift
    ? `<xzsa:lastschrift><xzsa:mandatsreferenz>${esc(z.lastschrift.mandatsreferenz)}</xzsa:mandatsreferenz><xzsa:ibanMaskiert>${esc(z.lastschrift.ibanMaskiert)}</xzsa:ibanMaskiert></xzsa:lastschrift>`
    : `<xzsa:ePaymentReferenz>${esc(z.ePaymentReferenz ?? '')}</xzsa:ePaymentReferenz>`;
  const due = z.faelligkeiten.map((i) => `<xzsa:faelligkeit><xzsa:datum>${i.datum}</xzsa:datum><xzsa:betrag>${i.betrag}</xzsa:betrag></xzsa:faelligkeit>`).join('');
  return `<xzsa:bescheid><xzsa:bescheiddatum>${b.bescheiddatum}</xzsa:bescheiddatum><xzsa:bescheidnummer>${esc(b.bescheidnummer)}</xzsa:bescheidnummer>`
    + `<xzsa:festsetzung><xzsa:jahresbetrag>${f.jahresbetrag}</xzsa:jahresbetrag><xzsa:festsetzungAb>${f.festsetzungAb}</xzsa:festsetzungAb>${f.festsetzungBis ? `<xzsa:festsetzungBis>${f.festsetzungBis}</xzsa:festsetzungBis>` : ''}<xzsa:betrag>${f.betrag}</xzsa:betrag></xzsa:festsetzung>`
    + `<xzsa:zahlung><xzsa:kassenzeichen>${esc(z.kassenzeichen)}</xzsa:kassenzeichen>${way}${due}</xzsa:zahlung>`
    + `<xzsa:dokument><xzsa:dateiname>${esc(doc.dateiname)}</xzsa:dateiname><xzsa:mimeType>${doc.mimeType}</xzsa:mimeType><xzsa:sha512>${doc.sha512}</xzsa:sha512><xzsa:groesse>${doc.groesse}</xzsa:groesse></xzsa:dokument></xzsa:bescheid>`;
}

/** The municipality's release with its Bescheid, XZSA 1.1; `korrigiert` is the corrected annual amount of a changed draft. */
export function freigabe(h: Head, d: { entwurfUuid: string; korrigiert?: string; bescheid: BescheidData; dokument: BescheidDokument; durch: string; organisation: string }): string {
  const decision = d.korrigiert === undefined ? code('freigabeentscheidung', '01', 'freigegeben') : code('freigabeentscheidung', '02', 'korrigiert');
  const corrected = d.korrigiert === undefined ? '' : `<xzsa:korrigierterJahresbetrag>${d.korrigiert}</xzsa:korrigierterJahresbetrag>`;
  return message('hund.freigabe.0103', h, `<xzsa:bezugEntwurf>${d.entwurfUuid}</xzsa:bezugEntwurf><xzsa:entscheidung ${decision}</xzsa:entscheidung>${corrected}${bescheidXml(d.bescheid, d.dokument)}${clerk('freigabeDurch', d.durch, d.organisation, `ags:${h.ags}`)}\n`, '1.1');
}

export interface Evidence {
  /** Wohngeld-Nachweisart code, e.g. `01` Mietvertrag. */
  art: string;
  dateiname: string;
  /** Hash and size as first listed (an Antrag's evidence keeps them through the case file); default: those of evidenceBytes(dateiname, vorgangId). */
  sha512?: string;
  groesse?: number;
}

/**
 * The synthetic file an evidence entry stands for: a small PDF naming the file and its case,
 * so two cases never upload the same bytes. Its sha512 and size go into the lists, and the
 * file itself is attached (the gateway cross-checks both: ADR 0023).
 */
export function evidenceBytes(dateiname: string, vorgangId: string): Buffer {
  return Buffer.from(`%PDF-1.4\n% synthetic demo evidence (no real document): ${dateiname}, Vorgang ${vorgangId}\n%%EOF\n`);
}

/** The sha512 (hex) of evidence bytes, as the lists carry it. */
export const sha512Hex = (bytes: Buffer): string => createHash('sha512').update(bytes).digest('hex');

function evidenceList(list: readonly Evidence[], vorgangId: string): string {
  const items = list.map((e) => {
    const bytes = evidenceBytes(e.dateiname, vorgangId);
    const sha = e.sha512 ?? sha512Hex(bytes);
    return `<xzsa:nachweis><xzsa:art ${code('wohngeld-nachweisart', e.art)}</xzsa:art><xzsa:dateiname>${esc(e.dateiname)}</xzsa:dateiname><xzsa:sha512>${sha}</xzsa:sha512><xzsa:mimeType>application/pdf</xzsa:mimeType><xzsa:groesse>${e.groesse ?? bytes.length}</xzsa:groesse></xzsa:nachweis>`;
  }).join('');
  return `<xzsa:nachweise>${items}</xzsa:nachweise>`;
}

export function nachforderung(h: Head, d: { antragUuid: string; missing: ReadonlyArray<{ art: string; beschreibung: string }>; frist: string }): string {
  const missing = d.missing.map((m) => `<xzsa:fehlendeUnterlage><xzsa:art ${code('wohngeld-nachweisart', m.art)}</xzsa:art><xzsa:beschreibung>${esc(m.beschreibung)}</xzsa:beschreibung></xzsa:fehlendeUnterlage>`).join('');
  return message('wohngeld.nachforderung.0203', h, `<xzsa:bezugAntrag>${d.antragUuid}</xzsa:bezugAntrag>${missing}<xzsa:frist>${d.frist}</xzsa:frist><xzsa:hinweis>Bitte reichen Sie die Unterlagen über das Onlinekonto nach.</xzsa:hinweis>\n`);
}

export function nachreichung(h: Head, d: { nachforderungUuid: string; evidence: readonly Evidence[] }): string {
  return message('wohngeld.nachreichung.0204', h, `<xzsa:bezugNachforderung>${d.nachforderungUuid}</xzsa:bezugNachforderung>${evidenceList(d.evidence, h.vorgangId)}\n`);
}

export function weiterleitung(h: Head, d: { antragUuid: string; nachreichungUuids: readonly string[]; evidence: readonly Evidence[] }): string {
  const refs = d.nachreichungUuids.map((u) => `<xzsa:bezugNachreichung>${u}</xzsa:bezugNachreichung>`).join('');
  const pruefung = `<xzsa:pruefung><xzsa:ergebnis ${code('pruefergebnis', '01', 'vollständig')}</xzsa:ergebnis><xzsa:geprueftAm>${new Date().toISOString()}</xzsa:geprueftAm>${clerk('pruefer', 'Demo-Sachbearbeitung Wohngeld', 'ZSA Sachsen-Anhalt, Team Wohngeld (Demo)', 'zsa:lsa')}</xzsa:pruefung>`;
  return message('wohngeld.weiterleitung.0205', h, `<xzsa:bezugAntrag>${d.antragUuid}</xzsa:bezugAntrag>${refs}${pruefung}${evidenceList(d.evidence, h.vorgangId)}\n`);
}

/** Reads the text of the first element `local` (any prefix) of an XML document: enough for the simulators' own reading. */
export function textOf(xml: string, local: string): string | undefined {
  const m = new RegExp(`<(?:[A-Za-z0-9_]+:)?${local}(?:\\s[^>]*)?>([^<]*)<`).exec(xml);
  return m?.[1]?.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
}

/** Every text of elements `local`, in document order. */
export function textsOf(xml: string, local: string): string[] {
  return [...xml.matchAll(new RegExp(`<(?:[A-Za-z0-9_]+:)?${local}(?:\\s[^>]*)?>([^<]*)<`, 'g'))].map((m) => m[1] ?? '');
}
