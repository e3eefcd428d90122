/**
 * Ready-made header profiles for the header dialects of published XÖV standards
 * (XOEV.md, "The header, in several dialects"). A descriptor names one with
 * `header.preset` and overrides single fields; fields a dialect does not carry (Vorgang id,
 * LeiKa, AGS in basisnachricht) must come from the descriptor: a body path or a constant.
 *
 * Presets whose namespace changes with each version (XInneres, xdomea) match elements by
 * local name, so one preset serves every version and both element forms. Where the header
 * itself changed between versions (xdomea 3.x codes the authority as Behoerdenschluessel,
 * 2.x as Kennung), a version-bound preset reads one form and the plain one reads either
 * (ADR 0017).
 */
import type { NamespaceMap } from 'libxml2-wasm';

/** A header field: one XPath expression, or parts joined by a separator (empty if any part is empty). */
export type FieldSpec = string | { parts: string[]; separator: string };

export interface HeaderPreset {
  summary: string;
  /** Prefixes the preset's expressions use; merged into the descriptor's `namespaces`. */
  namespaces: NamespaceMap;
  /** The header element, relative to the root (for the empty-code check of layer 5). */
  scope: string;
  /**
   * The versions of the standard the dialect belongs to, as a version prefix (`3` covers
   * `3.0.0` and `3.1`); absent for presets that read every version. A descriptor whose
   * `version` is outside is refused at load, naming the preset that fits.
   */
  versions?: string;
  /** Whether the message UUID must have the UUID shape (layer 5, `header.uuid`). */
  messageUuidFormat: 'uuid' | 'any';
  fields: Partial<Record<'messageUuid' | 'messageTypeCode' | 'createdAt' | 'author' | 'reader' | 'vorgangId' | 'leika' | 'ags', FieldSpec>>;
}

const BN_G2G = 'http://xoev.de/schemata/basisnachricht/g2g/1_1';
const BN_BEH = 'http://xoev.de/schemata/basisnachricht/behoerde/1_1';
/** Step matching an element by local name in any namespace (or none). */
const any = (name: string): string => `*[local-name()='${name}']`;

const qualifiedKopf = 'bn-g2g:nachrichtenkopf.g2g';
const qualifiedId = `${qualifiedKopf}/bn-g2g:identifikation.nachricht`;
const unqualifiedKopf = 'nachrichtenkopf.g2g';
const unqualifiedId = `${unqualifiedKopf}/identifikation.nachricht`;
const xinneresKopf = any('nachrichtenkopf');
const xinneresId = `${xinneresKopf}/${any('identifikation.nachricht')}`;
const xinneresKennung = (role: string): FieldSpec => ({
  parts: [`${xinneresKopf}/${any(role)}//${any('praefix')}/code`, `${xinneresKopf}/${any(role)}//${any('kennung')}/code`],
  separator: ':',
});
const xdomeaKopf = any('Kopf');
/** Step matching an element by one of several local names. */
const anyOf = (...names: string[]): string => `*[${names.map((n) => `local-name()='${n}'`).join(' or ')}]`;
/**
 * The authority identifier inside `Behoerdenkennung`: xdomea 2.x codes it as `Kennung`,
 * 3.x as `Behoerdenschluessel` (both with `code`); the prefix stays `Praefix`.
 */
const XDOMEA_KENNUNG = { '2': ['Kennung'], '3': ['Behoerdenschluessel'], any: ['Kennung', 'Behoerdenschluessel'] } as const;
const xdomeaKennung = (role: string, form: keyof typeof XDOMEA_KENNUNG): FieldSpec => ({
  parts: [`${xdomeaKopf}/${any(role)}/${any('Behoerdenkennung')}/${any('Praefix')}/code`,
    `${xdomeaKopf}/${any(role)}/${any('Behoerdenkennung')}/${anyOf(...XDOMEA_KENNUNG[form])}/code`],
  separator: ':',
});
/** The xdomea Kopf for one form of the authority identifier. */
const xdomea = (form: keyof typeof XDOMEA_KENNUNG, summary: string, versions: string | undefined) => ({
  summary,
  ...(versions ? { versions } : {}),
  namespaces: {},
  scope: xdomeaKopf,
  // xdomea has no per-message UUID: a ProzessID spans the messages of one process, and each
  // message type occurs once per process, so ProzessID + type code identifies a message.
  messageUuidFormat: 'any' as const,
  fields: {
    messageUuid: { parts: [`${xdomeaKopf}/${any('ProzessID')}`, `${xdomeaKopf}/${any('Nachrichtentyp')}/code`], separator: '/' },
    messageTypeCode: `${xdomeaKopf}/${any('Nachrichtentyp')}/code`,
    createdAt: `${xdomeaKopf}/${any('Erstellungszeitpunkt')}`,
    author: xdomeaKennung('Absender', form),
    reader: xdomeaKennung('Empfaenger', form),
    vorgangId: `${xdomeaKopf}/${any('ProzessID')}`,
  },
});

export const HEADER_PRESETS = {
  'basisnachricht-1.1-qualified': {
    summary: `XÖV basisnachricht 1.1, qualified: nachrichtenkopf.g2g in ${BN_G2G}, kennung in ${BN_BEH}`,
    namespaces: { 'bn-g2g': BN_G2G, 'bn-beh': BN_BEH },
    scope: qualifiedKopf,
    messageUuidFormat: 'uuid',
    fields: {
      messageUuid: `${qualifiedId}/bn-g2g:nachrichtenUUID`,
      messageTypeCode: `${qualifiedId}/bn-g2g:nachrichtentyp/code`,
      createdAt: `${qualifiedId}/bn-g2g:erstellungszeitpunkt`,
      author: `${qualifiedKopf}/bn-g2g:autor/bn-beh:kennung`,
      reader: `${qualifiedKopf}/bn-g2g:leser/bn-beh:kennung`,
    },
  },
  'basisnachricht-1.1-unqualified': {
    summary: 'XÖV basisnachricht 1.1, unqualified (XWasser, XBau): nachrichtenkopf.g2g and its children without namespace',
    namespaces: {},
    scope: unqualifiedKopf,
    messageUuidFormat: 'uuid',
    fields: {
      messageUuid: `${unqualifiedId}/nachrichtenUUID`,
      messageTypeCode: `${unqualifiedId}/nachrichtentyp/code`,
      createdAt: `${unqualifiedId}/erstellungszeitpunkt`,
      author: `${unqualifiedKopf}/autor/kennung`,
      reader: `${unqualifiedKopf}/leser/kennung`,
    },
  },
  xinneres: {
    summary: 'XInneres basisnachricht (XMeld, XPersonenstand): nachrichtenkopf with behoerdenkennung praefix + kennung, any version',
    namespaces: {},
    scope: xinneresKopf,
    messageUuidFormat: 'uuid',
    fields: {
      messageUuid: `${xinneresId}/${any('nachrichtenUUID')}`,
      messageTypeCode: `${xinneresId}/${any('nachrichtentyp')}/code`,
      createdAt: `${xinneresId}/${any('erstellungszeitpunkt')}`,
      author: xinneresKennung('autor'),
      reader: xinneresKennung('leser'),
    },
  },
  'xdomea-kopf': xdomea('any', 'xdomea Kopf, any version: ProzessID, Nachrichtentyp, Erstellungszeitpunkt, Absender/Empfaenger Behoerdenkennung (Praefix + Kennung or Behoerdenschluessel)', undefined),
  'xdomea-kopf-2': xdomea('2', 'xdomea 2.x Kopf: Behoerdenkennung with Praefix + Kennung', '2'),
  'xdomea-kopf-3': xdomea('3', 'xdomea 3.x Kopf: Behoerdenkennung with Praefix + Behoerdenschluessel', '3'),
} as const satisfies Record<string, HeaderPreset>;

export type HeaderPresetName = keyof typeof HEADER_PRESETS;

/** Whether a preset reads messages of `version` (its `versions` prefix, matched at a dot boundary). */
export function presetFitsVersion(preset: HeaderPreset, version: string): boolean {
  const v = preset.versions;
  return v === undefined || version === v || version.startsWith(`${v}.`);
}
export const HEADER_PRESET_NAMES = Object.keys(HEADER_PRESETS) as [HeaderPresetName, ...HeaderPresetName[]];
