/**
 * The media types ingress reads, for every channel: HTTP bodies and multipart parts
 * (http.ts) and the items of ingress connectors (sink.ts). Only the bare type and a UTF-8
 * charset are looked at; parameters are never echoed (they may carry anything).
 */
import type { IngressMediaType } from '../config/schema.js';

const XML_TYPES = new Set(['application/xml', 'text/xml']);

const bareType = (contentType: string | undefined): string => (contentType ?? '').split(';')[0]!.trim().toLowerCase();

/** `application/jose`: a compact JWE body (RFC 7515 §9.2.1). */
export function isJoseType(contentType: string | undefined): boolean {
  return bareType(contentType) === 'application/jose';
}

/** `application/json` (EfA form data, ADR 0020). */
export function isJsonType(contentType: string | undefined): boolean {
  return bareType(contentType) === 'application/json';
}

/** `text/csv` (a Fachverfahren's file dialect, ADR 0025); a charset other than UTF-8 is not `text/csv` we read. */
export function isCsvType(contentType: string | undefined): boolean {
  const [type, ...params] = (contentType ?? '').split(';').map((x) => x.trim().toLowerCase());
  return type === 'text/csv' && params.every((p) => !p.startsWith('charset=') || /^charset="?utf-8"?$/.test(p));
}

/** `application/xml`, `text/xml` and `application/<anything>+xml`. */
export function isXmlType(contentType: string | undefined): boolean {
  const t = bareType(contentType);
  return XML_TYPES.has(t) || /^application\/[a-z0-9.+-]+\+xml$/.test(t);
}

/**
 * How an ingress connector's item is read (sink.ts): `jwe` for a compact JWE (decrypted with
 * the gateway's keys, then XML), an ingress media type (JSON, CSV, XML — an XML document whose
 * root an ingress mapping selects is mapped, other XML is XÖV), or undefined: not accepted.
 * Untyped, `text/plain` and `application/octet-stream` items are read as XML, as multipart parts
 * are (a reply queue's publisher often sets no or a generic type).
 */
export function channelMediaType(contentType: string): IngressMediaType | 'jwe' | undefined {
  if (isJoseType(contentType)) return 'jwe';
  if (isJsonType(contentType)) return 'application/json';
  if (isCsvType(contentType)) return 'text/csv';
  const t = bareType(contentType);
  return isXmlType(contentType) || t === '' || t === 'text/plain' || t === 'application/octet-stream' ? 'application/xml' : undefined;
}
