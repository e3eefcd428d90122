/**
 * A minimal DER reader: just enough to walk a certificate revocation list (RFC 5280 §5)
 * without trusting a re-encoding. Every element keeps its byte range, so a signature is
 * checked over the bytes exactly as they were signed.
 */

export const TAG = {
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  OID: 0x06,
  SEQUENCE: 0x30,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  /** [0] constructed, context-specific (CRL extensions). */
  CONTEXT_0: 0xa0,
} as const;

export interface Tlv {
  tag: number;
  /** Offset of the tag byte. */
  start: number;
  /** Offset of the first content byte. */
  contentStart: number;
  /** Offset just past the element. */
  end: number;
}

export class DerError extends Error {
  override readonly name = 'DerError';
}

/** Reads the element starting at `offset`; throws DerError when it does not fit in `limit`. */
export function readTlv(buf: Uint8Array, offset: number, limit = buf.length): Tlv {
  if (offset + 2 > limit) throw new DerError(`truncated element at byte ${offset}`);
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError(`multi-byte tags are not supported (byte ${offset})`);
  let pos = offset + 1;
  const first = buf[pos++]!;
  let length = first;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n === 0 || n > 4) throw new DerError(`unsupported length encoding at byte ${offset}`);
    if (pos + n > limit) throw new DerError(`truncated length at byte ${offset}`);
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + buf[pos++]!;
  }
  const end = pos + length;
  if (end > limit) throw new DerError(`element at byte ${offset} runs past its container`);
  return { tag, start: offset, contentStart: pos, end };
}

/** The elements directly inside a constructed element. */
export function childrenOf(buf: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let pos = parent.contentStart; pos < parent.end; ) {
    const t = readTlv(buf, pos, parent.end);
    out.push(t);
    pos = t.end;
  }
  return out;
}

export function contentOf(buf: Uint8Array, t: Tlv): Buffer {
  return Buffer.from(buf.subarray(t.contentStart, t.end));
}

export function rawOf(buf: Uint8Array, t: Tlv): Buffer {
  return Buffer.from(buf.subarray(t.start, t.end));
}

/** Dotted OID string of an OBJECT IDENTIFIER element. */
export function oidOf(buf: Uint8Array, t: Tlv): string {
  if (t.tag !== TAG.OID) throw new DerError(`expected an OID at byte ${t.start}`);
  const c = contentOf(buf, t);
  if (c.length === 0) throw new DerError(`empty OID at byte ${t.start}`);
  const first = c[0]!;
  const parts = [Math.min(2, Math.floor(first / 40)), first - Math.min(2, Math.floor(first / 40)) * 40];
  let v = 0;
  for (let i = 1; i < c.length; i++) {
    v = v * 128 + (c[i]! & 0x7f);
    if (!(c[i]! & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

/** Upper-case hex of an INTEGER without sign padding or leading zeros (the form of X509Certificate.serialNumber). */
export function integerHexOf(buf: Uint8Array, t: Tlv): string {
  if (t.tag !== TAG.INTEGER) throw new DerError(`expected an INTEGER at byte ${t.start}`);
  return normaliseSerial(contentOf(buf, t).toString('hex'));
}

/** Serial numbers compare as upper-case hex without leading zeros. */
export function normaliseSerial(hex: string): string {
  const s = hex.replace(/[^0-9a-fA-F]/g, '').replace(/^0+/, '').toUpperCase();
  return s === '' ? '0' : s;
}

/** A UTCTime or GeneralizedTime in its Zulu form (the only form RFC 5280 allows). */
export function timeOf(buf: Uint8Array, t: Tlv): Date {
  const s = contentOf(buf, t).toString('latin1');
  let m: RegExpMatchArray | null;
  if (t.tag === TAG.UTC_TIME && (m = s.match(/^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/))) {
    const yy = Number(m[1]);
    return new Date(Date.UTC(yy < 50 ? 2000 + yy : 1900 + yy, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
  }
  if (t.tag === TAG.GENERALIZED_TIME && (m = s.match(/^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/))) {
    return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
  }
  throw new DerError(`not an RFC 5280 time at byte ${t.start}: "${s}"`);
}

export function isTime(t: Tlv): boolean {
  return t.tag === TAG.UTC_TIME || t.tag === TAG.GENERALIZED_TIME;
}
