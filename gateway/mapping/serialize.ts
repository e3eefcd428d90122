/**
 * Serialising the output tree per target format. XML is written directly from the tree
 * (ADR 0032, replacing fast-xml-parser's XMLBuilder of ADR 0018 with the same output): element
 * and attribute order exactly as built, values exactly the strings the rules produced (no
 * number parsing, so "000" stays "000"), the five XML characters escaped, nothing formatted
 * or suppressed; a control character XML cannot carry is a GW_MAPPING_FAILED naming the rule.
 */
import { stringify } from 'csv-stringify/sync';
import { MappingFault } from './fault.js';
import type { CsvSpec, FixedSpec, TargetSpec } from './schema.js';
import { OutNode, type OutValue } from './target.js';

/** The five characters XML escapes in text and attribute values, as fast-xml-parser's builder escaped them (ADR 0032). */
const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', "'": '&apos;', '"': '&quot;' };
const SPECIAL = /[&<>'"]/;
const escapeXml = (s: string): string => (SPECIAL.test(s) ? s.replace(/[&<>'"]/g, (c) => ESCAPES[c] ?? c) : s);

/** Characters XML 1.0 cannot carry at all (escaping does not help). */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

/**
 * One element appended to `out`: start tag with its attributes in order, its text, its children
 * in order, end tag (an empty element too: `<x></x>`). Built by string concatenation (V8 ropes):
 * a part array per element was a third of the writer's time in garbage collection.
 */
function writeElement(node: OutNode, out: string): string {
  let s = `${out}<${node.name}`;
  for (const [k, v] of node.attrs) {
    if (NOT_XML.test(v)) throw new MappingFault('output', `${node.name}/@${k}`, 'the value holds a control character XML cannot carry');
    s += ` ${k}="${escapeXml(v)}"`;
  }
  s += '>';
  if (node.value !== undefined) {
    const text = String(node.value);
    if (NOT_XML.test(text)) throw new MappingFault(node.rule ?? 'output', node.name, 'the value holds a control character XML cannot carry');
    s += escapeXml(text);
  }
  for (const c of node.children) s = writeElement(c, s);
  return `${s}</${node.name}>`;
}

/** The root's fixed attributes per target (namespace declarations, then `to.attributes`), built once. */
const fixedAttrs = new WeakMap<TargetSpec, Array<[string, string]>>();

function rootAttrs(spec: TargetSpec): Array<[string, string]> {
  let attrs = fixedAttrs.get(spec);
  if (!attrs) {
    const decls = Object.entries(spec.namespaces).map(([p, uri]): [string, string] => [p === '' ? 'xmlns' : `xmlns:${p}`, uri]);
    attrs = [...decls, ...Object.entries(spec.attributes)];
    fixedAttrs.set(spec, attrs);
  }
  return attrs;
}

export function toXml(root: OutNode, spec: TargetSpec): Buffer {
  const top = new OutNode(root.name);
  top.attrs.push(...rootAttrs(spec), ...root.attrs);
  top.children.push(...root.children);
  top.value = root.value;
  return Buffer.from(`${writeElement(top, '<?xml version="1.0" encoding="UTF-8"?>\n')}\n`, 'utf8');
}

export type Json = OutValue | null | Json[] | { [k: string]: Json };

export function toJsonValue(node: OutNode): Json {
  if (node.children.length === 0) return node.value ?? null;
  const obj: { [k: string]: Json } = {};
  for (const c of node.children) {
    const v = toJsonValue(c);
    if (c.array) {
      const list = obj[c.name];
      if (Array.isArray(list)) list.push(v);
      else obj[c.name] = [v];
    } else obj[c.name] = v;
  }
  return obj;
}

/** Rows of a flat target: each `$records` child, with the root's own columns as defaults; else the root itself. */
function rows(root: OutNode): Array<Map<string, OutNode>> {
  const base = new Map(root.children.filter((c) => c.name !== '$records').map((c) => [c.name, c]));
  const records = root.children.filter((c) => c.name === '$records');
  if (records.length === 0) return [base];
  return records.map((r) => new Map([...base, ...r.children.map((c): [string, OutNode] => [c.name, c])]));
}

export function toCsv(root: OutNode, spec: CsvSpec): Buffer {
  const records = rows(root).map((r) => spec.columns.map((c) => String(r.get(c)?.value ?? '')));
  return Buffer.from(stringify(records, { delimiter: spec.delimiter, header: spec.header, columns: spec.columns, record_delimiter: '\n' }), 'utf8');
}

/** Fixed-field lines; a value longer than its column is a GW_MAPPING_FAILED naming the rule that wrote it. */
export function toFixed(root: OutNode, spec: FixedSpec): Buffer {
  const lines = rows(root).map((r, i) => spec.columns.map((col) => {
    const node = r.get(col.name);
    const v = String(node?.value ?? '');
    if (/[\r\n]/.test(v)) throw new MappingFault(node?.rule ?? 'output', `record[${i}].${col.name}`, 'a line break cannot be carried in a fixed-field record');
    if ([...v].length > col.width) throw new MappingFault(node?.rule ?? 'output', `record[${i}].${col.name}`, `value longer than the column width ${col.width}`);
    return col.align === 'left' ? v.padEnd(col.width, col.pad) : v.padStart(col.width, col.pad);
  }).join(''));
  return Buffer.from(`${lines.join('\n')}\n`, 'utf8');
}
