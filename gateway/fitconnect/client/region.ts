/**
 * Region keys as FIT-Connect's addressing information names them (client side: this file
 * imports nothing from the gateway, so a sender can copy the client folder as it is).
 *
 *   ARS (12 digits): Land (2) · Regierungsbezirk (1) · Kreis (2) · Gemeindeverband (4) · Gemeinde (3)
 *   AGS  (8 digits): Land (2) · Regierungsbezirk (1) · Kreis (2) · Gemeinde (3)
 *
 * An ARS whose trailing groups are zero stands for the whole Kreis, Regierungsbezirk or Land
 * (`150910000000` is the Landkreis Wittenberg, `150030000000` the kreisfreie Stadt
 * Magdeburg); FIT-Connect's `gebietIDs` carry such shortened keys
 * (`urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:rs:120645410`).
 */

/** URN prefix of a Regionalschlüssel in FIT-Connect's `gebietIDs`. */
export const RS_URN = 'urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:rs:';
/** URN prefix of a LeiKa key in FIT-Connect's `leistungIDs` and `serviceType.identifier`. */
export const LEIKA_URN = 'urn:de:fim:leika:leistung:';

/** The significant prefix of an ARS (2, 3, 5, 9 or 12 digits given): trailing zero groups dropped. */
export function arsPrefix(ars: string): string {
  const a = ars.padEnd(12, '0');
  if (a.slice(9) !== '000') return a;
  if (a.slice(5, 9) !== '0000') return a.slice(0, 9);
  if (a.slice(3, 5) !== '00') return a.slice(0, 5);
  if (a.slice(2, 3) !== '0') return a.slice(0, 3);
  return a.slice(0, 2);
}

/** The significant prefix of an AGS (2, 3, 5 or 8 digits given): Gemeinde, Kreis, Regierungsbezirk or Land level. */
export function agsPrefix(ags: string): string {
  const a = ags.padEnd(8, '0');
  if (a.slice(5) !== '000') return a;
  if (a.slice(3, 5) !== '00') return a.slice(0, 5);
  if (a.slice(2, 3) !== '0') return a.slice(0, 3);
  return a.slice(0, 2);
}

/** The AGS an ARS of a Gemeinde stands for: digits 1–5 and 10–12. */
export function agsOfArs(ars: string): string {
  return ars.slice(0, 5) + ars.slice(9, 12);
}

/**
 * True when the place `query` (an ARS of 2, 3, 5, 9 or 12 digits) lies inside the area
 * `area` (an ARS prefix as `arsPrefix` returns it).
 */
export function arsWithin(query: string, area: string): boolean {
  return arsPrefix(query).startsWith(area);
}
