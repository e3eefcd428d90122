import { compactDecrypt, errors, type DecryptOptions } from 'jose';

/** One task of the decryption pool (decrypt-pool.ts): the compact JWE, the private key (a CryptoKey, cloned into the worker) and jose's options. */
export interface DecryptTask {
  compact: string;
  key: CryptoKey;
  options: DecryptOptions;
}

/** The plaintext, or jose's refusal (its error code): the JWE's fault, told apart from a failure of the pool itself. */
export type DecryptResult = { plaintext: Uint8Array } | { refused: string };

/**
 * Runs in a worker thread of the decryption pool: the RSA-OAEP unwrap and the AES-GCM
 * decryption of one compact JWE. A refusal of jose is returned (`refused`); anything else
 * rejects and is the pool's failure, not the sender's.
 */
export default async function decryptInWorker(task: DecryptTask): Promise<DecryptResult> {
  try {
    return { plaintext: (await compactDecrypt(task.compact, task.key, task.options)).plaintext };
  } catch (err) {
    if (err instanceof errors.JOSEError) return { refused: err.code };
    throw err;
  }
}
