/**
 * Parsing a mapping's input per source format into the root context of its rules. XML is
 * parsed by libxml2 under the same options as every message (nothing loaded or expanded);
 * the caller must call `dispose` (in `finally`) to free the document.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { GatewayError } from '../errors.js';
import { rejectDoctype } from '../validation/doctype.js';
import { NO_INPUTS, withInputs } from '../validation/input-guard.js';
import { parseMessage } from '../validation/parse.js';
import { MappingFault } from './fault.js';
import type { SideSpec } from './schema.js';
import type { SourceCtx } from './source.js';

export interface ParsedInput {
  root: SourceCtx;
  dispose(): void;
}

const nothing = (): void => {};

/**
 * The record delimiter csv-parse would discover (the first line break outside quotes: CRLF, LF
 * or CR), found in one scan; undefined when there is none. csv-parse's own discovery builds
 * three Buffers per character of the first line, a fifth of a CSV mapping's time (ADR 0035).
 */
export function recordDelimiter(input: Buffer): string | undefined {
  let quoted = false;
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c === 0x22) quoted = !quoted;
    else if (!quoted && c === 0x0a) return '\n';
    else if (!quoted && c === 0x0d) return input[i + 1] === 0x0a ? '\r\n' : '\r';
  }
  return undefined;
}

/** Flat inputs: the first record's columns at the top, every record under `records`. */
function flat(records: Array<Record<string, string>>): ParsedInput {
  return { root: { node: { ...records[0], records }, path: '' }, dispose: nothing };
}

export function parseInput(input: Buffer, spec: SideSpec): ParsedInput {
  switch (spec.format) {
    case 'json': {
      try {
        return { root: { node: JSON.parse(input.toString('utf8')) as unknown, path: '' }, dispose: nothing };
      } catch {
        throw new MappingFault('input', '', 'the input is not valid JSON');
      }
    }
    case 'xml': {
      try {
        rejectDoctype(input);
        const doc = withInputs(NO_INPUTS, () => parseMessage(input));
        return { root: { node: doc.root, path: `/${doc.root.name}` }, dispose: () => doc.dispose() };
      } catch (err) {
        const why = err instanceof GatewayError ? err.code : 'parse error';
        throw new MappingFault('input', '', `the input is not well-formed XML (${why})`);
      }
    }
    case 'csv': {
      const csv = spec.csv;
      if (!csv) throw new MappingFault('input', '', 'the mapping declares no csv columns');
      let headerMismatch = false;
      // With a header row, it must name the declared columns in the declared order: a file with swapped columns is refused, not misread.
      const columns = csv.header
        ? (header: string[]): string[] => {
          if (header.length !== csv.columns.length || header.some((h, i) => h !== csv.columns[i])) {
            headerMismatch = true;
            throw new Error('header mismatch');
          }
          return csv.columns;
        }
        : csv.columns;
      try {
        const found = recordDelimiter(input);
        const records = parseCsv(input, {
          delimiter: csv.delimiter, columns, skip_empty_lines: true, trim: true, bom: true, ...(found ? { record_delimiter: found } : {}),
        }) as Array<Record<string, string>>;
        return flat(records);
      } catch (err) {
        if (headerMismatch) throw new MappingFault('input', 'line 1', 'the header row does not name the declared columns in the declared order');
        const e = err as { code?: unknown; lines?: unknown };
        throw new MappingFault('input', typeof e.lines === 'number' ? `line ${e.lines}` : '', `the input is not CSV of the declared columns (${typeof e.code === 'string' ? e.code : 'parse error'})`);
      }
    }
    case 'fixed': {
      const cols = spec.fixed?.columns ?? [];
      const records = input.toString('utf8').split(/\r?\n/).filter((l) => l.trim() !== '').map((line) => {
        const chars = [...line];
        let at = 0;
        return Object.fromEntries(cols.map((c) => {
          const v = chars.slice(at, at + c.width).join('');
          at += c.width;
          return [c.name, v.trim()];
        }));
      });
      return flat(records);
    }
  }
}
