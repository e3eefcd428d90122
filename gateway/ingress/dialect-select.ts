/**
 * What selects an ingress mapping before anything is mapped (ADR 0025): the root element of
 * an XML dialect document and the record type of a CSV file. Both are read cheaply and
 * without trusting the input: a prolog that cannot be read yields no root, a CSV that cannot
 * be split yields no record type — the mapping engine then refuses the document with its own
 * problem (mapping, rule `input`, line).
 */
import { parse as parseCsv } from 'csv-parse/sync';

/** The root element of an XML document as ingress selects by it. */
export interface XmlRoot {
  /** Local name (without prefix). */
  local: string;
  /** Namespace URI declared for it on the root element itself; '' for none. */
  namespace: string;
}

/** How far the root element is searched for: a prolog longer than this is no dialect document. */
const ROOT_WINDOW = 64 * 1024;
const NAME = /^<([A-Za-z_][A-Za-z0-9._-]*)(?::([A-Za-z_][A-Za-z0-9._-]*))?(?=[\s/>])/;

/**
 * The root element of `xml` (UTF-8 or ASCII; a UTF-8 BOM is skipped): the first start tag
 * after the XML declaration, comments, processing instructions and white space. Undefined when
 * the prolog holds anything else (a DOCTYPE, text, UTF-16) or no start tag is found in the
 * first 64 KiB: such a document is left to the validator, which refuses it precisely.
 */
export function xmlRoot(xml: Buffer): XmlRoot | undefined {
  let text = xml.subarray(0, ROOT_WINDOW).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let at = 0;
  for (;;) {
    while (at < text.length && /\s/.test(text[at]!)) at += 1;
    if (text.startsWith('<?', at)) {
      const end = text.indexOf('?>', at + 2);
      if (end < 0) return undefined;
      at = end + 2;
    } else if (text.startsWith('<!--', at)) {
      const end = text.indexOf('-->', at + 4);
      if (end < 0) return undefined;
      at = end + 3;
    } else break;
  }
  const tagEnd = text.indexOf('>', at);
  if (tagEnd < 0) return undefined;
  const tag = text.slice(at, tagEnd + 1);
  const name = NAME.exec(tag);
  if (!name) return undefined;
  const prefix = name[2] === undefined ? undefined : name[1]!;
  const local = name[2] ?? name[1]!;
  // The root has no ancestors: its namespace is declared on itself or it has none.
  const decl = prefix === undefined ? /\sxmlns\s*=\s*(["'])(.*?)\1/.exec(tag) : new RegExp(`\\sxmlns:${prefix.replace(/\./g, '\\.')}\\s*=\\s*(["'])(.*?)\\1`).exec(tag);
  return { local, namespace: decl?.[2] ?? '' };
}

/** The first record of a CSV file as ingress sees it. */
export interface CsvHead {
  /** The first field of the first data record, trimmed; undefined when the file cannot be split or has no record. */
  recordType: string | undefined;
  /** Data records seen, counting at most two (enough to tell one from several). */
  records: number;
}

/**
 * Reads the record type of a CSV document: the first field of its first data record (after
 * the header row when `header`). Never throws: a file csv-parse cannot split answers
 * `recordType: undefined`, and the mapping chosen reports why.
 */
export function csvHead(csv: Buffer, o: { delimiter: string; header: boolean }): CsvHead {
  try {
    const rows = parseCsv(csv, { delimiter: o.delimiter, bom: true, skip_empty_lines: true, relax_column_count: true, trim: true, from_line: 1, to: o.header ? 3 : 2 }) as string[][];
    const data = o.header ? rows.slice(1) : rows;
    return { recordType: data[0]?.[0], records: data.length };
  } catch {
    return { recordType: undefined, records: 0 };
  }
}
