import type { Issue } from '../errors.js';
import type { MessageHeader } from '../model/index.js';

/** Structural limits checked before and while parsing (first validation layer). */
export interface XmlLimits {
  /** Bytes of the XML document. Default 20 MiB. */
  maxBytes: number;
  /** Element nesting depth. */
  maxDepth: number;
  /** Length of one attribute value in characters. */
  maxAttributeLength: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = {
  maxBytes: 20 * 1024 * 1024,
  maxDepth: 256,
  maxAttributeLength: 64 * 1024,
};

/**
 * The validation layers, in the order they run (ADR 0007). `xml` (1) and `routing` always
 * reject; the others follow the strictness in force.
 *   xml       1  size, DOCTYPE/entities, well-formedness, depth and attribute limits
 *   routing      namespace selects a registered standard, root is a message type, routing keys present
 *   xsd       2  the standard's compiled XSD set
 *   identity  3  root element ↔ nachrichtentyp code; root attributes standard/version ↔ namespace
 *   codelist  4  Type-3 codes against the genericode lists held, by (listURI, listVersionID)
 *   header    5  header sanity: kennung shape, UUID, creation time, empty codes in the header
 *   rules     6  the descriptor's service rules (required fields, date order, sums, asserts)
 */
export const LAYERS = ['xml', 'routing', 'xsd', 'identity', 'codelist', 'header', 'rules'] as const;
export type Layer = (typeof LAYERS)[number];

/** The layers whose findings a strictness setting may turn into warnings. */
export const STRICT_LAYERS = ['xsd', 'identity', 'codelist', 'header', 'rules'] as const;
export type StrictLayer = (typeof STRICT_LAYERS)[number];
/** Layer numbers as in XOEV.md, for people reading warnings. */
export const LAYER_NUMBER: Record<StrictLayer, number> = { xsd: 2, identity: 3, codelist: 4, header: 5, rules: 6 };
export type LayerMode = 'reject' | 'warn';
/**
 * The rules of the layers 2–6 the gateway itself checks, by finding `rule`; service rules
 * add `rules.<id>`. `header.key-missing` is a routing key a message type may leave empty
 * (descriptor `messageTypes[].optionalHeader`): it only warns unless a setting says `reject`.
 */
export const BUILTIN_RULES = [
  'xsd.schema', 'identity.type-code', 'identity.standard', 'identity.version', 'codelist.unknown-code', 'codelist.unknown-version',
  'header.kennung', 'header.uuid', 'header.created-at', 'header.empty-code', 'header.key-missing',
] as const;
/** A finding rule id: `<layer>.<name>`, e.g. `codelist.unknown-version` or `rules.<service rule id>`. */
export const RULE_ID_PATTERN = /^(xsd|identity|codelist|header|rules)\.[\w.-]+$/;
export const RULE_ID_HINT = 'a rule id is <layer>.<name>, e.g. codelist.unknown-version';
/** Rules whose default is not their layer's: what they are unless the descriptor or the route names them. */
export const RULE_DEFAULTS: Readonly<Record<string, LayerMode>> = { 'header.key-missing': 'warn' };

/**
 * Per layer: reject the message, or accept it and keep the findings as warnings; `byRule`
 * does the same for single rules (finding `rule`, e.g. `codelist.unknown-version`,
 * `rules.zeitraum.beginn-vor-ende`) and beats the layer setting. What is not named keeps the
 * standard's default.
 */
export type Strictness = Partial<Record<StrictLayer, LayerMode>> & { byRule?: Readonly<Record<string, LayerMode>> };
/** Strictness with every layer set, and the rule settings in force (rules not named follow their layer). */
export interface EffectiveStrictness {
  layers: Readonly<Record<StrictLayer, LayerMode>>;
  byRule: Readonly<Record<string, LayerMode>>;
}
/**
 * Chooses the strictness for one message once its header is known (after the routing keys,
 * before the XSD). The gateway passes the strictness of the route the header matches.
 * Synchronous; an exception becomes GW_INTERNAL.
 */
export type StrictnessPolicy = (header: MessageHeader) => Strictness | undefined;

/** One finding of a validation layer: always with its layer and rule, and where known line, column and element path. */
export interface Finding extends Issue {
  layer: Layer;
  rule: string;
}

export interface CheckedMessage {
  header: MessageHeader;
  /** Findings that did not reject the message, one line each (layer, rule, message, location): kept with the message. */
  warnings: string[];
  /** The same findings, structured. */
  findings: Finding[];
}

/**
 * Checks one inbound XML message through the layers in order and returns its header.
 * Called by ingress for every message, and by `zsa-gateway validate`.
 *
 * Throws GatewayError with, in the order the layers run:
 *   GW_PAYLOAD_TOO_LARGE, GW_XML_DOCTYPE_FORBIDDEN, GW_XML_EXTERNAL_ENTITY,
 *   GW_XML_ENTITY_EXPANSION, GW_XML_MALFORMED, GW_XML_LIMIT_EXCEEDED (layer 1, always);
 *   GW_UNKNOWN_MESSAGE_TYPE (namespace or root element not registered, always);
 *   GW_ROUTING_KEY_MISSING (a routing key the descriptor requires is empty, always);
 *   GW_XSD_INVALID (2), GW_MESSAGE_TYPE_MISMATCH (3), GW_CODELIST_INVALID (4),
 *   GW_HEADER_INVALID (5), GW_RULE_VIOLATION (6) — each only for findings whose rule is set
 *   to `reject` (by `byRule`, else by its layer); the other findings become warnings and
 *   checking goes on. A routing key the message type lists in `optionalHeader` is no
 *   GW_ROUTING_KEY_MISSING but finding header.key-missing (warn by default).
 * Findings never quote values of the message (redact.ts).
 * `policy` picks the strictness per message; without it the standard's defaults apply.
 */
export interface MessageValidator {
  check(xml: Buffer, policy?: StrictnessPolicy): CheckedMessage;
  /** Registered message types (root element names), sorted. */
  messageTypes(): string[];
  /** Frees the compiled schemas. Idempotent. */
  close(): void;
}
