import type { FitConnectDestinationConfig, GatewayConfig, MunicipalityConfig } from '../config/schema.js';
import { agsOfArs, agsPrefix, arsPrefix, RS_URN } from './client/region.js';

/**
 * Which configured FIT-Connect destination is responsible for a public service in a place
 * (ADR 0028). Built once from `fitConnect.destinations` and `municipalities`; pure lookups.
 *
 * An area of a destination is an ARS (kept as its significant prefix, so `150910000000`
 * covers every place of the Landkreis Wittenberg) or, where the gateway knows no ARS for a
 * Gemeinde's AGS, that AGS. A destination answers a query when the queried place lies in
 * one of its areas; a query for a larger area than the destination's (the Land, for a
 * service each Gemeinde offers itself) finds nothing: responsibility is decided per place.
 */

/** `gebietIDs` URN of a Gemeinde known only by its AGS (FIT-Connect names areas by ARS only; see docs/fit-connect.md). */
export const AGS_URN = 'urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:ags:';

export interface Area {
  /** The id `/areas` returns and `/routes?areaId=` takes: the ARS (12 digits) where known, else the AGS. */
  id: string;
  name: string;
  /** FIT-Connect area type, e.g. `Kreisfreie Stadt`, `Gemeinde`. */
  type: string;
}

interface AreaKey {
  /** Significant ARS prefix (2, 3, 5, 9 or 12 digits), or undefined for an AGS-only Gemeinde. */
  rs?: string;
  /** The AGS of a Gemeinde whose ARS is unknown. */
  ags?: string;
}

export interface IndexedDestination {
  config: FitConnectDestinationConfig;
  keys: AreaKey[];
  gebietIDs: string[];
}

/** A place as a query names it. */
export type PlaceQuery = { ags: string } | { ars: string } | { areaId: string };

export class RoutingIndex {
  private readonly destinations: IndexedDestination[];
  private readonly areas: Area[];
  private readonly byAgs: Map<string, MunicipalityConfig>;

  constructor(cfg: GatewayConfig) {
    this.byAgs = new Map(cfg.municipalities.map((m) => [m.ags, m]));
    this.destinations = cfg.fitConnect.destinations.map((d) => {
      const keys = d.areas.map((a) => this.keyOf(a));
      return { config: d, keys, gebietIDs: keys.map((k) => (k.rs !== undefined ? RS_URN + k.rs : AGS_URN + k.ags!)) };
    });
    const seen = new Set<string>();
    this.areas = [];
    for (const m of cfg.municipalities) {
      const id = m.ars ?? m.ags;
      if (seen.has(id)) continue;
      seen.add(id);
      const level = m.ars !== undefined ? arsPrefix(m.ars).length : agsPrefix(m.ags).length;
      this.areas.push({ id, name: m.name, type: typeOf(level, m.name) });
    }
  }

  /** The key of a configured area (AGS or ARS): an ARS prefix wherever one can be known. */
  private keyOf(area: string): AreaKey {
    if (area.length === 12) return { rs: arsPrefix(area) };
    const ars = this.byAgs.get(area)?.ars;
    if (ars !== undefined) return { rs: arsPrefix(ars) };
    const p = agsPrefix(area);
    return p.length <= 5 ? { rs: p } : { ags: area };
  }

  /** A queried place: its ARS prefix and, for a Gemeinde, its AGS; undefined for an area id of no known shape. */
  private placeOf(q: PlaceQuery): Place | undefined {
    if ('ars' in q) return arsPlace(q.ars);
    if ('areaId' in q) return q.areaId.length === 12 ? arsPlace(q.areaId) : q.areaId.length === 8 ? this.agsPlace(q.areaId) : undefined;
    return this.agsPlace(q.ags);
  }

  private agsPlace(ags: string): Place {
    const p = agsPrefix(ags);
    if (p.length <= 5) return { rs: p };
    const ars = this.byAgs.get(ags)?.ars;
    return ars !== undefined ? arsPlace(ars) : { ags };
  }

  /** Destinations offering `leikaKey` whose areas contain the place, in configuration order. */
  find(leikaKey: string, q: PlaceQuery): { destination: IndexedDestination; service: FitConnectDestinationConfig['services'][number] }[] {
    const place = this.placeOf(q);
    if (!place) return [];
    const out: { destination: IndexedDestination; service: FitConnectDestinationConfig['services'][number] }[] = [];
    for (const d of this.destinations) {
      const service = d.config.services.find((s) => s.leika === leikaKey);
      if (!service) continue;
      if (d.keys.some((k) => contains(k, place))) out.push({ destination: d, service });
    }
    return out;
  }

  /** Known areas whose name matches every expression (FIT-Connect `areaSearchexpression`), sorted by name. */
  search(expressions: readonly string[]): Area[] {
    const tests = expressions.map(wordTest);
    return this.areas.filter((a) => tests.every((t) => words(a.name).some(t))).sort((a, b) => a.name.localeCompare(b.name, 'de'));
  }

  all(): readonly IndexedDestination[] {
    return this.destinations;
  }
}

type Place = { rs: string; ags?: string } | { rs?: undefined; ags: string };

function arsPlace(ars: string): Place {
  const rs = arsPrefix(ars);
  return rs.length === 12 ? { rs, ags: agsOfArs(rs) } : { rs };
}

function contains(area: AreaKey, place: Place): boolean {
  if (area.rs !== undefined) {
    if (place.rs !== undefined) return place.rs.startsWith(area.rs);
    // a Gemeinde known only by AGS lies in an area of Land, Regierungsbezirk or Kreis level, or is that Gemeinde
    return area.rs.length <= 5 ? place.ags!.startsWith(area.rs) : area.rs.length === 12 && agsOfArs(area.rs) === place.ags;
  }
  return place.ags === area.ags;
}

function typeOf(level: number, name: string): string {
  if (level === 2) return 'Bundesland';
  if (level === 3) return 'Regierungsbezirk';
  if (level === 5) return /^Landkreis\b/.test(name) ? 'Landkreis' : 'Kreisfreie Stadt';
  if (level === 9) return 'Gemeindeverband';
  return 'Gemeinde';
}

const words = (name: string) => name.toLocaleLowerCase('de').split(/[^\p{L}\p{N}]+/u).filter(Boolean);

/** One search expression: a word, `*` before or after (or both) for any prefix or suffix. */
function wordTest(expression: string): (word: string) => boolean {
  const e = expression.toLocaleLowerCase('de');
  const head = e.startsWith('*');
  const tail = e.endsWith('*') && e.length > 1;
  const core = e.slice(head ? 1 : 0, tail ? -1 : undefined);
  if (head && tail) return (w) => w.includes(core);
  if (tail) return (w) => w.startsWith(core);
  if (head) return (w) => w.endsWith(core);
  return (w) => w === core;
}
