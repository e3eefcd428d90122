import { parseMTOMResp } from 'soap/lib/utils.js';
import { EnvelopeError } from './soap.js';

/** A MTOM/XOP request (multipart/related) taken apart: the SOAP envelope and the binary parts by Content-ID. */
export interface XopPackage {
  envelope: Buffer;
  parts: Map<string, Buffer>;
}

/** A parameter of a Content-Type header (`boundary`, `start`), unquoted. */
function param(contentType: string, name: string): string | undefined {
  const m = new RegExp(`;\\s*${name}\\s*=\\s*("([^"]*)"|[^;\\s]+)`, 'i').exec(contentType);
  return m ? (m[2] ?? m[1]) : undefined;
}

const bareId = (id: string) => id.trim().replace(/^<|>$/g, '');

/**
 * Splits a MTOM request (XOP, `multipart/related`) with node-soap's multipart reader: the root part
 * (the `start` parameter's Content-ID, else the first part) is the envelope, the others are the
 * binary contents its `xop:Include` elements point to. Throws EnvelopeError for a package that
 * cannot be read.
 */
export async function readXop(raw: Buffer, contentType: string): Promise<XopPackage> {
  const boundary = param(contentType, 'boundary');
  if (!boundary) throw new EnvelopeError('Sender', 400, 'multipart/related without a boundary');
  const resp = await new Promise<{ parts: Array<{ headers: Record<string, string>; body: Buffer | null }> }>((resolve, reject) =>
    parseMTOMResp(raw, boundary, (err, r) => (err || !r ? reject(err ?? new Error('no parts')) : resolve(r as never))),
  ).catch(() => {
    throw new EnvelopeError('Sender', 400, 'the MTOM package cannot be read');
  });
  const parts = resp.parts.filter((p) => p.body !== null);
  if (parts.length === 0) throw new EnvelopeError('Sender', 400, 'the MTOM package has no parts');
  const start = param(contentType, 'start');
  const root = (start ? parts.find((p) => bareId(p.headers['content-id'] ?? '') === bareId(start)) : undefined) ?? parts[0]!;
  const byId = new Map<string, Buffer>();
  for (const p of parts) if (p !== root && p.headers['content-id']) byId.set(bareId(p.headers['content-id']), p.body!);
  return { envelope: root.body!, parts: byId };
}

/**
 * Replaces, in a parsed body, every element whose only content is `xop:Include href="cid:…"` by the
 * part's bytes as base64 (what the element holds inline without MTOM), keeping its attributes.
 * An Include naming no part of the package is refused.
 */
export function resolveXop(value: unknown, parts: ReadonlyMap<string, Buffer>): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveXop(v, parts));
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const include = obj['Include'] as { attributes?: Record<string, unknown> } | undefined;
  const href = include?.attributes?.['href'];
  if (typeof href === 'string' && href.startsWith('cid:')) {
    const part = parts.get(decodeURIComponent(href.slice(4)));
    if (!part) throw new EnvelopeError('Sender', 400, 'an xop:Include names no part of the MTOM package');
    return { ...(obj['attributes'] ? { attributes: obj['attributes'] } : {}), $value: part.toString('base64') };
  }
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, k === 'attributes' ? v : resolveXop(v, parts)]));
}
