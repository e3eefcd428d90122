import { createHash } from 'node:crypto';
import type { JWK } from 'jose';
import type { OutboundMessage } from '../../connectors/types.js';
import { encryptFor, isCompactJwe } from '../crypto/jwe.js';

/** The public encryption key of each endpoint's receiving participant, by endpoint id. */
export type RecipientKeys = ReadonlyMap<string, JWK>;

/** Bytes as they go to a receiver, with their content type. */
export interface Sealed {
  body: Buffer;
  contentType: string;
}

/**
 * The one recipient encryption of the gateway, for every way a payload or attachment
 * leaves it (push delivery, mailbox fetch, payload read, attachment download). With a
 * `key`: a fresh compact JWE to it, `cty` the original content type, content type
 * application/jose. A body that already is application/jose (pass-through) and any body
 * without a key go unchanged. Throws GW_KEY_UNSUITABLE when the key no longer holds.
 */
export async function sealFor(key: JWK | undefined, body: Buffer, contentType: string): Promise<Sealed> {
  if (contentType === 'application/jose' || key === undefined) return { body, contentType };
  return { body: Buffer.from(await encryptFor(body, key, { cty: contentType }), 'ascii'), contentType: 'application/jose' };
}

/** The content type of a stored message payload: a pass-through compact JWE as it came, else XML. */
export function storedPayloadType(payload: Buffer): 'application/xml' | 'application/jose' {
  return isCompactJwe(payload) ? 'application/jose' : 'application/xml';
}

/**
 * Called for every delivery attempt, after `toOutbound`. When the endpoint's participant
 * has an encryption key, the XML payload is replaced by a fresh compact JWE to that key
 * (`sealFor`); a pass-through payload is already a JWE and goes as it came; without a key
 * the message is returned unchanged. `sha512` becomes that of the JWE, i.e. of the bytes
 * on the wire (HTTP Repr-Digest, AMQP header); the XML's own hash stays in the gateway's
 * receipt. Throws GW_KEY_UNSUITABLE when the key no longer holds (e.g. its x5c chain
 * expired): the worker then treats the attempt as failed.
 */
export async function encryptForRecipient(msg: OutboundMessage, endpointId: string, keys: RecipientKeys | undefined): Promise<OutboundMessage> {
  const sealed = await sealFor(keys?.get(endpointId), msg.payload, msg.contentType);
  if (sealed.body === msg.payload) return msg;
  return { ...msg, contentType: 'application/jose', payload: sealed.body, sha512: createHash('sha512').update(sealed.body).digest('hex') };
}
