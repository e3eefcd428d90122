/**
 * Participant identifiers (XÖV `kennung`, DVDV style `<praefix>:<kennung>`): one rule for
 * comparing them, used by the configuration (participants, route `reader`) and by header
 * extraction, so a participant configured as `psw:01003110` matches a message that says
 * ` PSW:01003110 `. The rule: surrounding blanks are dropped and the praefix (before the
 * first colon) is lower-cased; the kennung after the colon is kept exactly (case matters
 * there). A value without a colon is only trimmed; header sanity (layer 5) reports it.
 */

/** `<praefix>:<kennung>`: a praefix of letters and digits, a colon, a kennung without blanks. Case-insensitive in the praefix. */
export const KENNUNG = /^[A-Za-z0-9]+:\S+$/;

/** The form every kennung is compared and stored in (see the module comment). */
export function normalizeKennung(value: string): string {
  const v = value.trim();
  const colon = v.indexOf(':');
  return colon < 0 ? v : `${v.slice(0, colon).toLowerCase()}${v.slice(colon)}`;
}
