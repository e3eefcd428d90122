import { GatewayError } from '../errors.js';

/**
 * AGS and ARS: the two keys that name a municipality (ADR 0021, docs/reference-keys.md).
 *
 *   AGS (Amtlicher Gemeindeschlüssel, 8 digits): Land (2) · Regierungsbezirk (1) · Kreis (2) · Gemeinde (3)
 *   ARS (Amtlicher Regionalschlüssel, 12 digits): Land (2) · Regierungsbezirk (1) · Kreis (2) · Gemeindeverband (4) · Gemeinde (3)
 *
 * So the AGS of an ARS is its digits 1–5 and 10–12: Sülzetal ARS 150830490490 → AGS 15083490.
 * EfA services send either; the gateway keeps the AGS as the routing key (MessageHeader.ags,
 * municipalities[].ags) and maps an ARS to it where a key comes in: the XÖV header
 * (gateway/validation/validator.ts), the pass-through header X-AGS, the admin API and CLI,
 * and the router itself for headers built elsewhere.
 */

const AGS_SHAPE = /^\d{8}$/;
const ARS_SHAPE = /^\d{12}$/;

export interface RegionKey {
  /** The 8-digit AGS. */
  ags: string;
  /** The 12-digit ARS when that was given, else null (an AGS does not determine its ARS). */
  ars: string | null;
}

/** The AGS an ARS stands for (digits 1–5 and 10–12); no check of the shape. */
function agsOfArs(ars: string): string {
  return ars.slice(0, 5) + ars.slice(9, 12);
}

/** The key read from `value` (blanks around it ignored): an AGS, or an ARS with its AGS; undefined when it is neither shape. */
export function parseRegionKey(value: string): RegionKey | undefined {
  const v = value.trim();
  if (AGS_SHAPE.test(v)) return { ags: v, ars: null };
  if (ARS_SHAPE.test(v)) return { ags: agsOfArs(v), ars: v };
  return undefined;
}

/**
 * The routing key for a value that may be an AGS or an ARS: an ARS becomes its AGS, anything
 * else (an AGS, an empty value, another standard's key) is returned as it is, so that the
 * checks which judge it (the XSD, the header sanity layer, "not a configured municipality")
 * still see it. Called wherever a header's AGS is read.
 */
export function routingAgs(value: string): string {
  return parseRegionKey(value)?.ags ?? value;
}

/**
 * The AGS of a request parameter that must be an AGS or an ARS (admin API path, query,
 * CLI argument). Throws GW_BAD_REQUEST naming `where` (e.g. `path.ags`, `query.ags`) when
 * it is neither; the value itself is not repeated.
 */
export function requireAgs(value: string, where: string): string {
  const key = parseRegionKey(value);
  if (key) return key.ags;
  throw new GatewayError('GW_BAD_REQUEST', `${where} must be an AGS (8 digits) or an ARS (12 digits)`, {
    issues: [{ message: 'neither an AGS nor an ARS', path: where }],
  });
}

/**
 * Why a configured ARS does not fit the configured AGS, or undefined when it does (the ARS
 * has 12 digits and its digits 1–5 and 10–12 are the AGS). Used by the config schema.
 */
export function arsMismatch(ags: string, ars: string): string | undefined {
  if (!ARS_SHAPE.test(ars)) return 'ARS must be 12 digits';
  const derived = agsOfArs(ars);
  return derived === ags ? undefined : `ARS ${ars} stands for AGS ${derived} (digits 1-5 and 10-12), not for ${ags}`;
}
