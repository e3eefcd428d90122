/** A UUID in any case (XÖV nachrichtenUUID, gateway ids). */
export const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/**
 * The one spelling of an identifier that may be a UUID (nachrichtenUUID, vorgangsID): a
 * UUID is case-insensitive (RFC 9562), so `7A1C…` and `7a1c…` name the same message or case
 * and are stored and looked up in lower case; any other identifier (a file number as
 * Vorgang id, say) is kept exactly. Applied where identifiers enter (header extraction,
 * pass-through headers) and in every store lookup, so a case variant can neither open a
 * second case nor slip past duplicate suppression.
 */
export function canonicalId(value: string): string {
  return UUID.test(value) ? value.toLowerCase() : value;
}
