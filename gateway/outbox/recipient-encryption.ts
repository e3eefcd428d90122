import { createHash } from 'node:crypto';
import type { JWK } from 'jose';
import type { OutboundMessage } from '../../connectors/types.js';
import { encryptFor, isCompactJwe } from '../crypto/jwe.js';
import { GatewayError } from '../errors.js';

/**
 * The public encryption key of each endpoint's receiving participant, by endpoint id. `get`
 * checks the key's certificate against the revocation list in force at every call and throws
 * GW_KEY_UNSUITABLE for a revoked one (crypto/config-keys.ts) — never `undefined`, which
 * would mean "send unencrypted".
 */
export type RecipientKeys = ReadonlyMap<string, JWK>;

/** Bytes as they go to a reader, with their content type. */
export interface Sealed {
  body: Buffer;
  contentType: string;
}

/** Who reads: the participant behind an endpoint (a receiving endpoint, or an authenticated caller's own endpoint); undefined: no endpoint, so no key. */
export type ReaderEndpoint = string | undefined;

/** A stored form as a reader gets it (a mailbox lease's delivery form, a form read by name). */
export interface StoredForm {
  body: Buffer;
  mediaType: string;
}

/** The content type of a stored message payload: a pass-through compact JWE as it came, else XML. */
export function storedPayloadType(payload: Buffer): 'application/xml' | 'application/jose' {
  return isCompactJwe(payload) ? 'application/jose' : 'application/xml';
}

/**
 * With a key: a fresh compact JWE to it, `cty` the original content type written without white
 * space (`text/csv;charset=utf-8`: a JOSE header value holds no spaces); a body already
 * application/jose and any body without a key go unchanged.
 */
async function seal(key: JWK | undefined, body: Buffer, contentType: string): Promise<Sealed> {
  if (contentType === 'application/jose' || key === undefined) return { body, contentType };
  return { body: Buffer.from(await encryptFor(body, key, { cty: contentType.replace(/\s+/g, '') }), 'ascii'), contentType: 'application/jose' };
}

/**
 * The one place that decides what a reader gets for stored content, for push and pull alike:
 * the outbox's deliveries (`outbound`), mailbox fetches (`lease`), payload, form and attachment
 * reads (`payload`, `form`, `attachment`) and FIT-Connect's re-encryption (`requireKey`,
 * `sealTo`). The key is looked up per use by the reader's endpoint (so a key revoked while the
 * gateway runs is refused from then on: GW_KEY_UNSUITABLE); the media type comes from what is
 * stored (the form's, or XML / a pass-through JWE for a payload). A reader with a key gets a
 * fresh compact JWE to it with `cty` the media type; a reader without one gets the bytes as
 * stored; a stored pass-through JWE goes as it came.
 */
export class RecipientEncryption {
  constructor(private readonly keys: RecipientKeys | undefined) {}

  /** The reader's key, checked for revocation now; undefined when it has none. Throws GW_KEY_UNSUITABLE when it no longer holds. */
  keyOf(reader: ReaderEndpoint): JWK | undefined {
    return reader === undefined ? undefined : this.keys?.get(reader);
  }

  /** The reader's key, where a key is required (FIT-Connect subscribers): GW_KEY_UNSUITABLE with `missing` when it has none. */
  requireKey(reader: ReaderEndpoint, missing: string): JWK {
    const key = this.keyOf(reader);
    if (key === undefined) throw new GatewayError('GW_KEY_UNSUITABLE', missing);
    return key;
  }

  /** A stored message payload (XML, or a pass-through JWE). */
  async payload(reader: ReaderEndpoint, payload: Buffer): Promise<Sealed> {
    return seal(this.keyOf(reader), payload, storedPayloadType(payload));
  }

  /** A stored form (ADR 0020), in its own media type. */
  async form(reader: ReaderEndpoint, form: StoredForm): Promise<Sealed> {
    return seal(this.keyOf(reader), form.body, form.mediaType);
  }

  /** What a mailbox fetch hands out: the lease's delivery form when it has one, else the stored payload. */
  async lease(reader: ReaderEndpoint, lease: { payload: Buffer; form?: { mediaType: string } | undefined }): Promise<Sealed> {
    return lease.form === undefined ? this.payload(reader, lease.payload) : this.form(reader, { body: lease.payload, mediaType: lease.form.mediaType });
  }

  /** An attachment's bytes (`application/octet-stream`). */
  async attachment(reader: ReaderEndpoint, bytes: Buffer): Promise<Sealed> {
    return seal(this.keyOf(reader), bytes, 'application/octet-stream');
  }

  /**
   * Called for every delivery attempt, after `toOutbound`: the message for the endpoint's
   * participant. With a key the payload becomes a fresh compact JWE and `sha512` that of the
   * JWE, i.e. of the bytes on the wire (HTTP Repr-Digest, AMQP header); the XML's own hash stays
   * in the gateway's receipt. Without a key, or for a pass-through JWE, the message is returned
   * unchanged. Throws GW_KEY_UNSUITABLE when the key no longer holds (revoked, x5c expired):
   * the worker then treats the attempt as failed.
   */
  async outbound(msg: OutboundMessage, endpointId: string): Promise<OutboundMessage> {
    const sealed = await seal(this.keyOf(endpointId), msg.payload, msg.contentType);
    if (sealed.body === msg.payload) return msg;
    return { ...msg, contentType: 'application/jose', payload: sealed.body, sha512: createHash('sha512').update(sealed.body).digest('hex') };
  }

  /**
   * Always a compact JWE to `key` (FIT-Connect: a subscriber's or a reply's key): a stored
   * pass-through JWE is sealed as the bytes it is (`cty` application/octet-stream), never handed on as it came.
   */
  async sealTo(key: JWK, body: Buffer, mediaType: string): Promise<string> {
    return (await seal(key, body, mediaType === 'application/jose' ? 'application/octet-stream' : mediaType)).body.toString('ascii');
  }
}
