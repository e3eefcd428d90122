import type { JWK } from 'jose';
import { GatewayError } from '../errors.js';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
const MIN_RSA_BITS = 4096;

const refuse = (message: string, rule: string) =>
  new GatewayError('GW_FC_METADATA_INVALID', `replyChannel.fitConnect: ${message}`, { issues: [{ message, path: 'metadata/replyChannel/fitConnect/encryptionPublicKey', rule }] });

/**
 * The reply key a sender names in its metadata (`replyChannel.fitConnect.encryptionPublicKey`,
 * ADR 0033), checked against the crypto profile when a submission is submitted: a public RSA
 * key of at least 4096 bits for RSA-OAEP-256, without private members. Returns null when the
 * metadata name no FIT-Connect reply channel (replies then go to the sender's registered key).
 * Throws GW_FC_METADATA_INVALID naming the rule, so a bad key refuses the submission rather
 * than its replies later.
 */
export function replyKeyOf(metadata: unknown): JWK | null {
  const channel = (metadata as { replyChannel?: { fitConnect?: unknown } } | null)?.replyChannel?.fitConnect;
  if (channel === undefined) return null;
  if (typeof channel !== 'object' || channel === null || Array.isArray(channel)) throw refuse('must be an object', 'reply-key.shape');
  const key = (channel as { encryptionPublicKey?: unknown }).encryptionPublicKey;
  if (key === undefined) return null;
  if (typeof key !== 'object' || key === null || Array.isArray(key)) throw refuse('encryptionPublicKey must be a JWK object', 'reply-key.shape');
  const jwk = key as Record<string, unknown>;
  if (PRIVATE_MEMBERS.some((m) => m in jwk)) throw refuse('the key carries private members', 'reply-key.private');
  if (jwk['kty'] !== 'RSA' || typeof jwk['n'] !== 'string' || typeof jwk['e'] !== 'string') throw refuse('the key must be an RSA public key (kty, n, e)', 'reply-key.kty');
  if (jwk['alg'] !== undefined && jwk['alg'] !== 'RSA-OAEP-256') throw refuse('the key must be for RSA-OAEP-256', 'reply-key.alg');
  const ops = jwk['key_ops'];
  if (ops !== undefined && !(Array.isArray(ops) && ops.some((o) => o === 'wrapKey' || o === 'encrypt'))) throw refuse('key_ops must allow wrapKey', 'reply-key.key-ops');
  const bits = Buffer.from(jwk['n'] as string, 'base64url').length * 8;
  if (bits < MIN_RSA_BITS) throw refuse(`the key has ${bits} bits, fewer than ${MIN_RSA_BITS}`, 'reply-key.size');
  const out: JWK = { kty: 'RSA', n: jwk['n'] as string, e: jwk['e'] as string, alg: 'RSA-OAEP-256', use: 'enc' };
  if (typeof jwk['kid'] === 'string') out.kid = (jwk['kid'] as string).slice(0, 200);
  return out;
}
