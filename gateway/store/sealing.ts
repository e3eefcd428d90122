import { messageAad, type KeyRing } from '../crypto/at-rest.js';
import { GatewayError } from '../errors.js';

/** A payload as the store writes it: the bytes and the at-rest key that sealed them (null = clear). */
export interface StoredPayload {
  blob: Buffer;
  keyId: string | null;
}

/**
 * Seals and opens message payloads for a store backend (ADR 0009). With a key ring, every
 * payload is sealed under the active key with the message id as additional data, so a
 * blob copied to another row does not open. Without one (tests that run the store bare)
 * payloads stay in the clear, and a sealed row cannot be read (GW_AT_REST_KEY_UNKNOWN).
 * Rows with key id null (written before encryption at rest) are always read as they are.
 */
export class PayloadSealer {
  constructor(readonly ring: KeyRing | undefined) {}

  /**
   * Called before a new message is written (outside the write transaction: CPU only).
   * `part` names what is sealed: `payload`, or `form:<name>` for a mapped form (ADR 0020).
   */
  seal(messageId: string, payload: Buffer, part = 'payload'): StoredPayload {
    if (this.ring === undefined) return { blob: payload, keyId: null };
    const { keyId, blob } = this.ring.seal(payload, messageAad(messageId, part));
    return { blob, keyId };
  }

  /** Called for every payload read. Throws GW_AT_REST_KEY_UNKNOWN or GW_AT_REST_INTEGRITY (at-rest.ts). */
  open(messageId: string, stored: StoredPayload, part = 'payload'): Buffer {
    if (stored.keyId === null) return stored.blob;
    if (this.ring === undefined) {
      throw new GatewayError('GW_AT_REST_KEY_UNKNOWN', `The payload of message ${messageId} is sealed under at-rest key "${stored.keyId.slice(0, 64)}", and the store has no at-rest keys.`);
    }
    return this.ring.open(stored.keyId, stored.blob, messageAad(messageId, part));
  }

  /** Re-seals a stored payload under the active key (rotation); seals a clear one. */
  rewrap(messageId: string, stored: StoredPayload, part = 'payload'): StoredPayload {
    const ring = this.requireRing();
    if (stored.keyId === null) return this.seal(messageId, stored.blob, part);
    const { keyId, blob } = ring.rewrap(stored.keyId, stored.blob, messageAad(messageId, part));
    return { keyId, blob };
  }

  requireRing(): KeyRing {
    if (this.ring === undefined) throw new GatewayError('GW_NOT_READY', 'The store holds no at-rest keys: nothing to rewrap to.');
    return this.ring;
  }
}
