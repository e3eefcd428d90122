import type { ErrorCode } from '../../../gateway/errors.js';
import { hundAnmeldung } from '../../support/xzsa-fixtures.js';
import { expectCodes, lazyXmlPost, xmlPost, type HostileEntry } from './types.js';

/** One valid message; every entry below breaks it in one way. */
const VALID = hundAnmeldung();
const ROOT_OPEN_END = VALID.indexOf('>', VALID.indexOf('<xzsa:hund.anmeldung.0101')) ;
const BEFORE_ROOT_END = VALID.lastIndexOf('</xzsa:hund.anmeldung.0101>');

/** Inserts `what` into the valid message just inside the root element. */
const insideRoot = (what: string): string => VALID.slice(0, ROOT_OPEN_END + 1) + what + VALID.slice(ROOT_OPEN_END + 1);
/** Adds attribute text to the root start tag. */
const rootAttr = (attr: string): string => VALID.slice(0, ROOT_OPEN_END) + ` ${attr}` + VALID.slice(ROOT_OPEN_END);

const entries: HostileEntry[] = [];
const add = (family: string, name: string, body: Buffer | string, ...codes: ErrorCode[]) => entries.push({ family, name, send: xmlPost(body), expect: expectCodes(...codes) });
const addLazy = (family: string, name: string, build: () => Buffer | string, ...codes: ErrorCode[]) => entries.push({ family, name, send: lazyXmlPost(build), expect: expectCodes(...codes) });

// Deep nesting: libxml2's limit is 256 levels (the gateway never lifts it).
for (const depth of [257, 300, 1_000, 10_000, 100_000]) {
  addLazy('deep-nesting', `${depth} nested elements`, () => insideRoot(`${'<d>'.repeat(depth)}${'</d>'.repeat(depth)}`), 'GW_XML_LIMIT_EXCEEDED');
}
addLazy('deep-nesting', '5000 unclosed elements', () => insideRoot('<d>'.repeat(5_000)), 'GW_XML_LIMIT_EXCEEDED', 'GW_XML_MALFORMED');
addLazy('deep-nesting', '1000 levels with a namespace declaration each', () => insideRoot(Array.from({ length: 1_000 }, (_, i) => `<p${i}:d xmlns:p${i}="urn:x:${i}">`).join('') + Array.from({ length: 1_000 }, (_, i) => `</p${999 - i}:d>`).join('')), 'GW_XML_LIMIT_EXCEEDED');
addLazy('deep-nesting', '2000 levels with text between', () => insideRoot(`${'<d>t'.repeat(2_000)}${'</d>'.repeat(2_000)}`), 'GW_XML_LIMIT_EXCEEDED');

// Attribute values beyond maxAttributeLength (64 KiB), on the root and deeper.
for (const size of [64 * 1024 + 1, 1024 * 1024, 10 * 1024 * 1024]) {
  addLazy('huge-attribute', `root attribute of ${size} bytes`, () => rootAttr(`evil="${'A'.repeat(size)}"`), 'GW_XML_LIMIT_EXCEEDED');
}
addLazy('huge-attribute', 'nested attribute of 200 KiB', () => VALID.replace('<xzsa:name>Bello', `<xzsa:name evil="${'B'.repeat(200 * 1024)}">Bello`), 'GW_XML_LIMIT_EXCEEDED');
addLazy('huge-attribute', 'attribute of 100k character references', () => rootAttr(`evil="${'&#x41;'.repeat(100_000)}"`), 'GW_XML_LIMIT_EXCEEDED');
addLazy('huge-attribute', 'unterminated 1 MiB attribute', () => rootAttr(`evil="${'C'.repeat(1024 * 1024)}`), 'GW_XML_MALFORMED', 'GW_XML_LIMIT_EXCEEDED');

// Huge text, comments, names: refused by the parser's limits, the schema or well-formedness.
addLazy('huge-text', '15 MiB text in an unknown element', () => insideRoot(`<evil>${'T'.repeat(15 * 1024 * 1024)}</evil>`), 'GW_XML_LIMIT_EXCEEDED', 'GW_XSD_INVALID');
addLazy('huge-text', '15 MiB comment', () => insideRoot(`<!--${'c'.repeat(15 * 1024 * 1024)}-->`), 'GW_XML_MALFORMED', 'GW_XML_LIMIT_EXCEEDED', 'GW_XSD_INVALID');
addLazy('huge-text', '15 MiB CDATA in a known element', () => VALID.replace('Bello', `<![CDATA[${'d'.repeat(15 * 1024 * 1024)}]]>`), 'GW_XML_MALFORMED', 'GW_XML_LIMIT_EXCEEDED', 'GW_XSD_INVALID');
addLazy('huge-text', '1 MiB element name', () => insideRoot(`<${'n'.repeat(1024 * 1024)}/>`), 'GW_XML_LIMIT_EXCEEDED', 'GW_XSD_INVALID');
addLazy('huge-text', '1 million character references in text', () => VALID.replace('Bello', '&#x42;'.repeat(1_000_000)), 'GW_XML_LIMIT_EXCEEDED', 'GW_XSD_INVALID');

// Many attributes and namespace declarations.
addLazy('many-attributes', '10000 distinct attributes on the root', () => rootAttr(Array.from({ length: 10_000 }, (_, i) => `a${i}="v"`).join(' ')), 'GW_XSD_INVALID');
addLazy('many-attributes', '10000 namespace-qualified attributes', () => rootAttr(`xmlns:e="urn:evil" ${Array.from({ length: 10_000 }, (_, i) => `e:a${i}="v"`).join(' ')}`), 'GW_XSD_INVALID');
add('many-attributes', 'duplicate attribute', rootAttr('standard="XZSA"'), 'GW_XML_MALFORMED');
add('many-attributes', 'duplicate attribute through two prefixes of one namespace', rootAttr('xmlns:q1="urn:q" xmlns:q2="urn:q" q1:a="1" q2:a="2"'), 'GW_XML_MALFORMED');
add('many-attributes', 'attribute without value', rootAttr('evil'), 'GW_XML_MALFORMED');
add('many-attributes', 'attribute with < in value', rootAttr('evil="<x>"'), 'GW_XML_MALFORMED');

// Invalid UTF-8 at several positions.
const SEQUENCES: Record<string, number[]> = {
  'byte FF': [0xff],
  'overlong NUL C0 80': [0xc0, 0x80],
  'overlong slash E0 80 AF': [0xe0, 0x80, 0xaf],
  'UTF-16 surrogate ED A0 80': [0xed, 0xa0, 0x80],
  'beyond U+10FFFF F4 90 80 80': [0xf4, 0x90, 0x80, 0x80],
  'lone continuation 80': [0x80],
  'truncated E2 82': [0xe2, 0x82],
};
const POSITIONS: Record<string, number> = {
  'in the XML declaration': VALID.indexOf('UTF-8'),
  'in the root name': VALID.indexOf('hund.anmeldung'),
  'in an attribute value': VALID.indexOf('Testdaten'),
  'in a text node': VALID.indexOf('Bello'),
  'in the message UUID': VALID.indexOf('<xzsab:nachrichtenUUID>') + '<xzsab:nachrichtenUUID>'.length,
  'in the last end tag': BEFORE_ROOT_END + 3,
};
for (const [seq, bytes] of Object.entries(SEQUENCES)) {
  for (const [pos, at] of Object.entries(POSITIONS)) {
    const b = Buffer.from(VALID);
    add('invalid-utf8', `${seq} ${pos}`, Buffer.concat([b.subarray(0, at), Buffer.from(bytes), b.subarray(at)]), 'GW_XML_MALFORMED');
  }
}

// Byte order marks that lie or repeat.
const utf8 = Buffer.from(VALID);
add('bom', 'double UTF-8 BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf]), utf8]), 'GW_XML_MALFORMED');
add('bom', 'UTF-16LE BOM on UTF-8 content', Buffer.concat([Buffer.from([0xff, 0xfe]), utf8]), 'GW_XML_MALFORMED');
add('bom', 'UTF-16BE BOM on UTF-8 content', Buffer.concat([Buffer.from([0xfe, 0xff]), utf8]), 'GW_XML_MALFORMED');
add('bom', 'UTF-32LE BOM on UTF-8 content', Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0x00]), utf8]), 'GW_XML_MALFORMED');
add('bom', 'BOM after the XML declaration', VALID.replace('?>', '?>\ufeff'), 'GW_XML_MALFORMED');
add('bom', 'UTF-16LE BOM on UTF-16 content with the root cut', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(VALID.slice(0, BEFORE_ROOT_END), 'utf16le')]), 'GW_XML_MALFORMED');
add('bom', 'UTF-16BE BOM on UTF-16LE content', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(VALID, 'utf16le')]), 'GW_XML_MALFORMED');
add('bom', 'half a UTF-8 BOM', Buffer.concat([Buffer.from([0xef, 0xbb]), utf8]), 'GW_XML_MALFORMED');

// NUL bytes and NUL character references.
for (const [pos, at] of Object.entries({ 'first byte': 0, ...POSITIONS, 'after the root': VALID.length })) {
  add('nul', `NUL ${pos}`, Buffer.concat([utf8.subarray(0, at), Buffer.from([0]), utf8.subarray(at)]), 'GW_XML_MALFORMED');
}
add('nul', '64 KiB of NUL', Buffer.alloc(64 * 1024), 'GW_XML_MALFORMED');
add('nul', 'character reference &#0;', VALID.replace('Bello', 'Be&#0;llo'), 'GW_XML_MALFORMED');
add('nul', 'character reference &#x1;', VALID.replace('Bello', 'Be&#x1;llo'), 'GW_XML_MALFORMED');

// Truncation: each prefix length class of the valid message.
const cuts: Record<string, number> = { 'empty body': 0, '1 byte': 1, '5 bytes (inside <?xml)': 5, 'inside the XML declaration': 20, 'right after the declaration': VALID.indexOf('?>') + 2, 'inside the root start tag': ROOT_OPEN_END - 10, 'right after the root start tag': ROOT_OPEN_END + 1, 'inside the header': VALID.indexOf('<xzsab:vorgang>'), 'inside an end tag': VALID.indexOf('</xzsa:name>') + 5 };
for (const f of [0.25, 0.5, 0.75, 0.9, 0.99]) cuts[`${f * 100}% of the message`] = Math.floor(VALID.length * f);
Object.assign(cuts, { 'without the last 2 bytes': VALID.length - 3, 'without the root end tag': BEFORE_ROOT_END });
for (const [name, len] of Object.entries(cuts)) add('truncated', name, utf8.subarray(0, len), 'GW_XML_MALFORMED');

// Roots the gateway holds no schema for.
const NS = /xmlns:xzsa="([^"]+)"/.exec(VALID)![1]!;
add('unknown-root', 'unknown namespace', VALID.replace(`xmlns:xzsa="${NS}"`, 'xmlns:xzsa="urn:evil:xzsa"'), 'GW_UNKNOWN_MESSAGE_TYPE');
add('unknown-root', 'unknown namespace version', VALID.replace(`xmlns:xzsa="${NS}"`, `xmlns:xzsa="${NS.replace('1.0', '9.9')}"`), 'GW_UNKNOWN_MESSAGE_TYPE');
add('unknown-root', 'XHTML namespace', VALID.replace(`xmlns:xzsa="${NS}"`, 'xmlns:xzsa="http://www.w3.org/1999/xhtml"'), 'GW_UNKNOWN_MESSAGE_TYPE');
add('unknown-root', 'unknown root element', VALID.replaceAll('hund.anmeldung.0101', 'katze.anmeldung.0101'), 'GW_UNKNOWN_MESSAGE_TYPE');
add('unknown-root', 'root without namespace', VALID.replaceAll('xzsa:hund.anmeldung.0101', 'hund.anmeldung.0101'), 'GW_UNKNOWN_MESSAGE_TYPE');
add('unknown-root', 'undeclared prefix on root', VALID.replaceAll('xzsa:hund.anmeldung.0101', 'nope:hund.anmeldung.0101'), 'GW_XML_MALFORMED');
add('unknown-root', 'message wrapped in a SOAP envelope', `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>${VALID.replace(/^<\?xml[^>]*\?>/, '')}</s:Body></s:Envelope>`, 'GW_UNKNOWN_MESSAGE_TYPE');
add('unknown-root', 'two root elements', VALID + VALID.replace(/^<\?xml[^>]*\?>/, ''), 'GW_XML_MALFORMED');
add('unknown-root', 'only a comment', '<?xml version="1.0"?><!-- no root -->', 'GW_XML_MALFORMED');
add('unknown-root', 'JSON instead of XML', '{"nachricht": "hund.anmeldung.0101"}', 'GW_XML_MALFORMED');

export const STRUCTURE_ENTRIES: readonly HostileEntry[] = entries;
