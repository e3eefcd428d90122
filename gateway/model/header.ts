/** Routing-relevant facts read from an XÖV message header (see gateway/validation). */
export interface MessageHeader {
  /** XÖV nachrichtenUUID, unique per author. */
  messageUuid: string;
  /** Root element name, e.g. `hund.anmeldung.0101`. */
  messageType: string;
  /** Namespace URI of the root element (carries the standard's version). */
  namespace: string;
  /** Root attribute `standard`, e.g. `XZSA`. */
  standard: string;
  /** Root attribute `version`. */
  version: string;
  /** Header erstellungszeitpunkt as written in the message. */
  createdAt: string;
  /** Author kennung `<praefix>:<kennung>`, e.g. `efa:hund-portal`. */
  author: string;
  /** Reader kennung `<praefix>:<kennung>`. */
  reader: string;
  vorgangId: string;
  /** 14-digit LeiKa key. */
  leika: string;
  /** 8-digit AGS of the responsible municipality. */
  ags: string;
  /** Root attribute `test="true"`: test traffic. */
  test: boolean;
}
