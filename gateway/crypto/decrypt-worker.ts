import { compactDecrypt, type DecryptOptions } from 'jose';

/** One task of the decryption pool (decrypt-pool.ts): the compact JWE, the private key (a CryptoKey, cloned into the worker) and jose's options. */
export interface DecryptTask {
  compact: string;
  key: CryptoKey;
  options: DecryptOptions;
}

/**
 * Runs in a worker thread of the decryption pool: the RSA-OAEP unwrap and the AES-GCM
 * decryption of one compact JWE. Resolves with the plaintext; a refusal of jose rejects
 * (the caller maps it to its own error, gateway/crypto/jwe.ts).
 */
export default async function decryptInWorker(task: DecryptTask): Promise<Uint8Array> {
  return (await compactDecrypt(task.compact, task.key, task.options)).plaintext;
}
