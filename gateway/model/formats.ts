/**
 * What the stored payload is: `xml` (validated XÖV, the normal case) or `jwe` (a compact
 * JWE accepted on a pass-through route: routed on metadata, never decrypted, delivered as is).
 */
export type PayloadFormat = 'xml' | 'jwe';

/**
 * Why a message keeps a form besides its payload (ADR 0020):
 * `original` — what the sender submitted before an ingress mapping (e.g. EfA form JSON; the
 * message payload is then the XZSA the mapping produced);
 * `delivery` — the payload mapped for the receiver by the route's (or the receiver's
 * version) mapping; delivered instead of the payload.
 */
export type FormRole = 'original' | 'delivery';

/** One stored form of a message (metadata; the bytes are read separately). */
export interface MessageForm {
  /** Unique per message: `original`, or the name of the mapping that produced the form. */
  name: string;
  role: FormRole;
  /** The mapping that produced it (delivery) or consumed it (original). */
  mapping: string;
  /** Mapping format, e.g. `xml`, `json`, `csv`. */
  format: string;
  mediaType: string;
  size: number;
  /** hex sha512 of the form's bytes. */
  sha512: string;
  createdAt: string;
}

/** A form to store with a message: its metadata and the plaintext bytes (sealed at rest by the store, which also hashes and sizes them). */
export interface NewForm extends Pick<MessageForm, 'name' | 'role' | 'mapping' | 'format' | 'mediaType'> {
  body: Buffer;
}

/** The media type of a mapping format (the formats mappings read and write). */
export function mediaTypeOf(format: string): string {
  switch (format) {
    case 'xml':
      return 'application/xml';
    case 'json':
      return 'application/json';
    case 'csv':
      return 'text/csv; charset=utf-8';
    case 'fixed':
    case 'text':
      return 'text/plain; charset=utf-8';
    default:
      return 'application/octet-stream';
  }
}
