import { createHash } from 'node:crypto';
import type { StoredMessage } from '../store/types.js';

/** The XZSA versions the gateway writes notices in; a case of another standard gets XZSA 1.0. */
const XZSA_VERSIONS = ['1.0', '1.1'] as const;

export interface ClosedNoticeInput {
  /** The message that started the deadline (the Nachforderung): Vorgang, LeiKa, AGS, test flag, XZSA version. */
  after: StoredMessage;
  deadline: string;
  /** Kennung of the gateway (author) and of the municipality's Fachverfahren (reader). */
  author: string;
  reader: { kennung: string; name: string };
  messageUuid: string;
  now: Date;
}

/**
 * A UUID derived from its parts (sha256, version nibble 5 and RFC 4122 variant set): the
 * same close yields the same message UUID in every gateway instance, so the store's
 * idempotency on (author, message UUID) keeps one notice however many instances write it.
 */
export function derivedUuid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * The gateway.fehler.0902 that tells the municipality's Fachverfahren a Vorgang was closed
 * as incomplete (ADR 0023): problem code GW_VORGANG_CLOSED, reason `99` (sonstiger Fehler)
 * with a fixed text naming the deadline, `bezugNachrichtenUUID` the message that started
 * it. Ids and the deadline name only: no content of the case. The caller validates it.
 */
export function closedNotice(i: ClosedNoticeInput): Buffer {
  const version = XZSA_VERSIONS.find((v) => i.after.namespace === `urn:zsa-gateway:xzsa:${v}`) ?? '1.0';
  const dir = '<xzsab:verzeichnisdienst listURI="urn:zsa-gateway:xzsa:codeliste:verzeichnisdienst" listVersionID="1.0"><code>ZSATV</code></xzsab:verzeichnisdienst>';
  const at = i.now.toISOString();
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<xzsa:gateway.fehler.0902 xmlns:xzsa="urn:zsa-gateway:xzsa:${version}" xmlns:xzsab="urn:zsa-gateway:xzsa:basis:${version}" produkt="zsa-gateway" produkthersteller="zsa-gateway" produktversion="1.0" standard="XZSA" version="${version}" test="${i.after.test}">
  <xzsab:nachrichtenkopf>
    <xzsab:identifikation.nachricht>
      <xzsab:nachrichtenUUID>${i.messageUuid}</xzsab:nachrichtenUUID>
      <xzsab:nachrichtentyp listURI="urn:zsa-gateway:xzsa:codeliste:nachrichtentyp" listVersionID="1.0"><code>0902</code><name>gateway.fehler</name></xzsab:nachrichtentyp>
      <xzsab:erstellungszeitpunkt>${at}</xzsab:erstellungszeitpunkt>
    </xzsab:identifikation.nachricht>
    <xzsab:leser>${dir}<xzsab:kennung>${esc(i.reader.kennung)}</xzsab:kennung><xzsab:name>${esc(i.reader.name)}</xzsab:name></xzsab:leser>
    <xzsab:autor>${dir}<xzsab:kennung>${esc(i.author)}</xzsab:kennung><xzsab:name>zsa-gateway</xzsab:name></xzsab:autor>
    <xzsab:vorgang>
      <xzsab:vorgangsID>${esc(i.after.vorgangId)}</xzsab:vorgangsID>
      <xzsab:leikaSchluessel>${esc(i.after.leika)}</xzsab:leikaSchluessel>
      <xzsab:ags>${esc(i.after.ags)}</xzsab:ags>
    </xzsab:vorgang>
  </xzsab:nachrichtenkopf>
  <xzsa:bezugNachrichtenUUID>${esc(i.after.messageUuid)}</xzsa:bezugNachrichtenUUID>
  <xzsa:problemcode>GW_VORGANG_CLOSED</xzsa:problemcode>
  <xzsa:zeitpunkt>${at}</xzsa:zeitpunkt>
  <xzsa:grund>
    <xzsa:art listURI="urn:zsa-gateway:xzsa:codeliste:fehlergrund" listVersionID="1.0"><code>99</code></xzsa:art>
    <xzsa:meldung>Frist "${esc(i.deadline)}" abgelaufen: der Vorgang wurde als unvollständig geschlossen (${esc(i.after.messageType)} ohne Antwort).</xzsa:meldung>
  </xzsa:grund>
</xzsa:gateway.fehler.0902>
`;
  return Buffer.from(xml, 'utf8');
}
