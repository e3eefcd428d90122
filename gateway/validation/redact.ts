/**
 * Findings never quote what a message says (issue: no citizen data in logs and the rejection
 * log). They keep the rule, line, column and path, and the facts that come from the schema
 * (facet, pattern, type name, enumeration set, fixed value, lengths), but not the value.
 *
 * libxml2's XSD messages quote the offending value in many shapes ("[facet 'pattern'] The
 * value 'Erika' is not accepted by the pattern …", "'abc' is not a valid value of the atomic
 * type …"). `redactSchemaMessage` rewrites each known shape without its value and fails
 * closed: a message whose shape it does not know keeps only the element and attribute names
 * (XML names cannot contain quotes) and says the details were withheld. Values may contain
 * quotes and newlines: every pattern takes the value greedily and anchors on the schema's
 * text that follows it, so a quote inside the value cannot end it early.
 */

/** What stands where a withheld detail would be. */
export const WITHHELD = '(withheld)';

/** `Element 'name'` or `Element 'name', attribute 'attr'`, then `: ` and the rest. */
const PREFIX = /^(Element '[^']*'(?:, attribute '[^']*')?): ([\s\S]*)$/;

/** A value quoted by libxml2: anything, greedily, between quotes (the shapes below anchor what follows). */
const V = `'[\\s\\S]*'`;
/** A schema fact libxml2 quotes after the value: no quote inside (type names, numbers). */
const FACT = `'[^']*'`;

/** Shapes that quote a value, each rewritten without it. `$1`… are the schema facts kept. */
const VALUE_SHAPES: Array<[RegExp, string]> = [
  [new RegExp(`^\\[facet 'pattern'\\] The value ${V} is not accepted by the pattern '([\\s\\S]*)'\\.?$`), "[facet 'pattern'] The value is not accepted by the pattern '$1'."],
  [new RegExp(`^\\[facet 'enumeration'\\] The value ${V} is not an element of the set \\{([\\s\\S]*)\\}\\.?$`), "[facet 'enumeration'] The value is not an element of the set {$1}."],
  [new RegExp(`^\\[facet '(length|minLength|maxLength)'\\] The value ${V} (has a length of '\\d+'; this (?:differs from|underruns|exceeds) the allowed (?:minimum |maximum )?length of '\\d+')\\.?$`), "[facet '$1'] The value $2."],
  [new RegExp(`^\\[facet '(minInclusive|maxInclusive)'\\] The value ${V} is (less|greater) than the (minimum|maximum) value allowed \\((${FACT})\\)\\.?$`), "[facet '$1'] The value is $2 than the $3 value allowed ($4)."],
  [new RegExp(`^\\[facet '(minExclusive|maxExclusive)'\\] The value ${V} must be (greater|less) than (${FACT})\\.?$`), "[facet '$1'] The value must be $2 than $3."],
  [new RegExp(`^\\[facet '(totalDigits|fractionDigits)'\\] The value ${V} has more (fractional )?digits than are allowed \\((${FACT})\\)\\.?$`), "[facet '$1'] The value has more $2digits than are allowed ($3)."],
  [new RegExp(`^${V} is not a valid value of the (atomic|list|union) type (${FACT})\\.?$`), 'The value is not a valid value of the $1 type $2.'],
  [new RegExp(`^${V} is not a valid value of the local (atomic|list|union) type\\.?$`), 'The value is not a valid value of the local $1 type.'],
  [new RegExp(`^The (value|element content|actual value) ${V} does not match the fixed value constraint '([\\s\\S]*)'\\.?$`), "The $1 does not match the fixed value constraint '$2'."],
  [new RegExp(`^The QName value ${V} (has no corresponding namespace declaration in scope|of the xsi:type attribute does not resolve to a type definition)\\.?$`), 'The QName value $1.'],
  [new RegExp(`^Duplicate key-sequence \\[[\\s\\S]*\\] in (unique|key) identity-constraint (${FACT})\\.?$`), 'Duplicate key-sequence in $1 identity-constraint $2.'],
  [new RegExp(`^No match found for key-sequence \\[[\\s\\S]*\\] of keyref (${FACT})\\.?$`), 'No match found for key-sequence of keyref $1.'],
];

/** Shapes that quote no value (only schema names and numbers): kept as they are. */
const VALUE_FREE: RegExp[] = [
  // the expected names come from the schema; the unexpected one is in the prefix
  /^This element is not expected\.(?: Expected is [\s\S]*)?$/,
  /^Missing child element\(s\)\. Expected is [\s\S]*$/,
  /^The attribute '[^']*' is (?:not allowed|required but missing)\.$/,
  /^Element content is not allowed, because the (?:type definition is simple|content type is a simple type definition)\.$/,
  /^Character content (?:other than whitespace )?is not allowed because the content type is '[\w-]+'\.$/,
  /^Character content is not allowed, because the content type is empty\.$/,
  /^No matching global (?:element )?declaration available(?:, but demanded by the strict wildcard| for the validation root)\.$/,
  /^The value has a length of '\d+'; this (?:differs from|underruns|exceeds) the allowed (?:minimum |maximum )?length of '\d+'\.$/,
  /^\[facet '(?:length|minLength|maxLength)'\] The value has a length of '\d+'; this (?:differs from|underruns|exceeds) the allowed (?:minimum |maximum )?length of '\d+'\.$/,
  /^The element is not 'nillable'\.$/,
  /^Not all fields of (?:key|unique) identity-constraint '[^']*' evaluate to a node\.$/,
  /^the document does not conform to the schema$/,
  /^\d+ more schema errors not listed$/,
];

/**
 * libxml2's XSD message without the values it quotes (see the module comment). Called for
 * every XSD finding before it leaves the validator.
 */
export function redactSchemaMessage(raw: string): string {
  const message = raw.trim();
  const m = PREFIX.exec(message);
  const prefix = m ? `${m[1]}: ` : '';
  const rest = m ? (m[2] ?? '') : message;
  if (VALUE_FREE.some((re) => re.test(rest))) return message;
  for (const [re, replacement] of VALUE_SHAPES) {
    if (re.test(rest)) return prefix + rest.replace(re, replacement);
  }
  return `${prefix}the content does not conform to the schema (details ${WITHHELD}: this message shape may quote data)`;
}

/**
 * libxml2's parser message without the bytes of content it quotes ("Input is not proper
 * UTF-8, indicate encoding ! Bytes: 0xE4 0x20 0x54 0x65"); element and entity names stay.
 */
export function redactParserMessage(raw: string): string {
  return raw.trim().replace(/Bytes:(?:\s*0x[0-9A-Fa-f]{2})+/g, `Bytes: ${WITHHELD}`);
}

/**
 * Shows a token read from a message only when it has the shape of a code, version or number
 * of the protocol (`0401`, `1.2`, `2024-05`), never free text; otherwise WITHHELD. For
 * identity and code-list findings, whose metadata helps the sender but must not carry data.
 */
export function shownToken(value: string): string {
  if (value === '') return '(none)';
  return /^[0-9][0-9A-Za-z._-]{0,23}$/.test(value) ? value : WITHHELD;
}
