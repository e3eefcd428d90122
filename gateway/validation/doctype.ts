/**
 * First layer, before libxml2 sees a byte: refuses any DOCTYPE in the prolog and says
 * which kind it is. Three codes, most dangerous first:
 *   GW_XML_EXTERNAL_ENTITY    the DOCTYPE names an external DTD or declares a SYSTEM/PUBLIC entity (XXE);
 *   GW_XML_ENTITY_EXPANSION   it declares internal entities (billion laughs and kin);
 *   GW_XML_DOCTYPE_FORBIDDEN  a plain DOCTYPE.
 * Only the prolog is scanned (XML declaration, comments, processing instructions), so
 * `<!DOCTYPE` inside CDATA or a comment of the body is not mistaken for one. UTF-16 input
 * is decoded first; other encodings are covered by the parser options and the DTD check
 * after parsing (see parse.ts).
 */
import { GatewayError, type ErrorCode } from '../errors.js';

const DOCTYPE = Buffer.from('<!DOCTYPE');
/** How much of a DOCTYPE is read to classify it; hostile subsets are refused either way. */
const CLASSIFY_WINDOW = 1024 * 1024;

/** Throws when the document's prolog holds a DOCTYPE; returns otherwise. Never throws anything else. */
export function rejectDoctype(xml: Buffer): void {
  const bytes = asciiCompatible(xml);
  const at = findDoctype(bytes);
  if (at < 0) return;
  const decl = bytes.toString('latin1', at, Math.min(bytes.length, at + CLASSIFY_WINDOW));
  const { code, detail } = classify(decl);
  const before = bytes.toString('latin1', 0, at);
  const line = before.split('\n').length;
  const column = at - before.lastIndexOf('\n');
  throw new GatewayError(code, detail, { issues: [{ message: detail, line, column, layer: 'xml', rule: 'xml.doctype' }] });
}

/** UTF-16 input (BOM or `<` as 16-bit unit) is re-encoded as UTF-8; anything else is scanned as is. */
function asciiCompatible(xml: Buffer): Buffer {
  const b0 = xml[0];
  const b1 = xml[1];
  if ((b0 === 0xff && b1 === 0xfe) || (b0 === 0x3c && b1 === 0x00)) return Buffer.from(new TextDecoder('utf-16le').decode(xml));
  if ((b0 === 0xfe && b1 === 0xff) || (b0 === 0x00 && b1 === 0x3c)) return Buffer.from(new TextDecoder('utf-16be').decode(xml));
  return xml;
}

/** Index of `<!DOCTYPE` in the prolog, or -1 when the prolog ends without one. */
function findDoctype(b: Buffer): number {
  let i = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  for (;;) {
    while (i < b.length && (b[i] === 0x20 || b[i] === 0x09 || b[i] === 0x0a || b[i] === 0x0d)) i++;
    if (i >= b.length || b[i] !== 0x3c) return -1;
    if (b[i + 1] === 0x3f) { // <? … ?>
      const end = b.indexOf('?>', i + 2, 'latin1');
      if (end < 0) return -1;
      i = end + 2;
    } else if (b[i + 1] === 0x21 && b[i + 2] === 0x2d && b[i + 3] === 0x2d) { // <!-- … -->
      const end = b.indexOf('-->', i + 4, 'latin1');
      if (end < 0) return -1;
      i = end + 3;
    } else {
      return i + DOCTYPE.length <= b.length && b.compare(DOCTYPE, 0, DOCTYPE.length, i, i + DOCTYPE.length) === 0 ? i : -1;
    }
  }
}

function classify(decl: string): { code: ErrorCode; detail: string } {
  const external = /^<!DOCTYPE\s+[^\s[>]+\s+(SYSTEM|PUBLIC)\b/.exec(decl);
  const open = decl.indexOf('[');
  const close = decl.indexOf('>');
  const subset = open >= 0 && (close < 0 || open < close) ? decl.slice(open, endOfSubset(decl, open)) : '';
  if (external) {
    return { code: 'GW_XML_EXTERNAL_ENTITY', detail: `the DOCTYPE refers to an external DTD (${external[1]} identifier); it is never loaded` };
  }
  const extEntity = /<!ENTITY\s+(%\s+)?([^\s>]+)\s+(SYSTEM|PUBLIC)\b/.exec(subset);
  if (extEntity) {
    return { code: 'GW_XML_EXTERNAL_ENTITY', detail: `the DOCTYPE declares the external entity '${short(extEntity[2])}' (${extEntity[3]}); it is never loaded` };
  }
  const entity = /<!ENTITY\s+(%\s+)?([^\s>]+)/.exec(subset);
  if (entity) {
    return { code: 'GW_XML_ENTITY_EXPANSION', detail: `the DOCTYPE declares the entity '${short(entity[2])}'; entities are never expanded` };
  }
  return { code: 'GW_XML_DOCTYPE_FORBIDDEN', detail: 'DOCTYPE declarations are not allowed in messages' };
}

const short = (s = ''): string => (s.length > 64 ? `${s.slice(0, 64)}…` : s);

/** End of the internal subset `[ … ]>` (quoted literals skipped), or the window's end. */
function endOfSubset(decl: string, open: number): number {
  let quote = '';
  for (let i = open + 1; i < decl.length; i++) {
    const c = decl[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === ']') {
      return i + 1;
    }
  }
  return decl.length;
}
