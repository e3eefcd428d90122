/**
 * A CSV mapping input is split with the record delimiter the engine finds in one scan
 * (recordDelimiter in gateway/mapping/input.ts) instead of csv-parse's per-character
 * discovery: the records must be exactly those csv-parse's own discovery gives, for LF,
 * CRLF and CR files, line breaks inside quoted fields, mixed endings and a single line.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { parse as parseCsv } from 'csv-parse/sync';
import { recordDelimiter } from '../../gateway/mapping/input.js';

const OPTIONS = { delimiter: ';', columns: false, skip_empty_lines: true, trim: true, bom: true, relax_column_count: true } as const;
const records = (input: Buffer, explicit: boolean): unknown => {
  const found = explicit ? recordDelimiter(input) : undefined;
  try {
    return parseCsv(input, { ...OPTIONS, ...(found ? { record_delimiter: found } : {}) });
  } catch (err) {
    return `error ${(err as { code?: string }).code ?? ''}`;
  }
};

describe('mapping: CSV record delimiter found in one scan', () => {
  it('finds LF, CRLF and CR, skipping line breaks inside quotes', () => {
    expect(recordDelimiter(Buffer.from('a;b\nc;d\n'))).to.equal('\n');
    expect(recordDelimiter(Buffer.from('a;b\r\nc;d\r\n'))).to.equal('\r\n');
    expect(recordDelimiter(Buffer.from('a;b\rc;d'))).to.equal('\r');
    expect(recordDelimiter(Buffer.from('"a\nx";b\r\nc;d'))).to.equal('\r\n');
    expect(recordDelimiter(Buffer.from('a;b'))).to.equal(undefined);
  });

  it('splits every generated file exactly as csv-parse\'s own discovery does', () => {
    const piece = fc.constantFrom('a', 'b', ';', '"', '\n', '\r', '\r\n', ' ', 'ä', '""');
    fc.assert(fc.property(fc.array(piece, { maxLength: 40 }), (parts) => {
      const input = Buffer.from(parts.join(''), 'utf8');
      expect(records(input, true)).to.deep.equal(records(input, false));
    }), { numRuns: 500 });
  });
});
