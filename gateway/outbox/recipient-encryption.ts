import { createHash } from 'node:crypto';
import type { JWK } from 'jose';
import type { OutboundMessage } from '../../connectors/types.js';
import { encryptFor } from '../crypto/jwe.js';

/** The public encryption key of each endpoint's receiving participant, by endpoint id. */
export type RecipientKeys = ReadonlyMap<string, JWK>;

/**
 * Called for every delivery attempt, after `toOutbound`. When the endpoint's participant
 * has an encryption key, the XML payload is replaced by a fresh compact JWE to that key
 * (`cty` application/xml, content type application/jose); a pass-through payload is
 * already a JWE and goes as it came; without a key the message is returned unchanged.
 * `sha512` becomes that of the JWE, i.e. of the bytes on the wire (HTTP Repr-Digest, AMQP
 * header); the XML's own hash stays in the gateway's receipt.
 * Throws GW_KEY_UNSUITABLE when the key no longer holds (e.g. its x5c chain expired): the
 * worker then treats the attempt as failed.
 */
export async function encryptForRecipient(msg: OutboundMessage, endpointId: string, keys: RecipientKeys | undefined): Promise<OutboundMessage> {
  if (msg.contentType === 'application/jose') return msg;
  const key = keys?.get(endpointId);
  if (key === undefined) return msg;
  const payload = Buffer.from(await encryptFor(msg.payload, key, { cty: 'application/xml' }), 'ascii');
  return { ...msg, contentType: 'application/jose', payload, sha512: createHash('sha512').update(payload).digest('hex') };
}
