import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import type { DecryptOptions } from 'jose';
import { Piscina } from 'piscina';
import { GatewayError } from '../errors.js';
import type { DecryptResult, DecryptTask } from './decrypt-worker.js';

/**
 * Worker threads for JWE decryption (ADR 0041). Node 20's WebCrypto runs an RSA-OAEP
 * decryption synchronously on the calling thread (about 10 ms for a 4096-bit key, measured
 * in bench/fitconnect.ts), so four decryptions per FIT-Connect submission kept the event loop
 * busy while the second core idled. The pool runs `compactDecrypt` in up to
 * `availableParallelism()` worker threads; the private key travels as a CryptoKey (Node clones
 * the key handle, it is imported once by the key ring, never per call).
 *
 * The threads start on the first decryption (a gateway that never decrypts starts none);
 * `close` ends them and is idempotent. Under tsx (the sources run as .ts) the workers load the
 * .ts worker with tsx's loader; the compiled build loads the .js file beside this one.
 */
export class DecryptPool {
  private pool: Piscina<DecryptTask, DecryptResult> | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly threads = Math.max(1, availableParallelism())) {}

  /**
   * The plaintext of `compact` under `key`. Rejects with a plain Error naming jose's refusal
   * (the JWE's fault; the caller maps it, gateway/crypto/jwe.ts), with GW_NOT_READY once the
   * pool is closed, and with GW_INTERNAL when the pool itself fails (a worker that cannot start
   * or dies) — never a failure of the gateway dressed as the sender's.
   */
  async decrypt(compact: string, key: CryptoKey, options: DecryptOptions): Promise<Uint8Array> {
    if (this.closing) throw new GatewayError('GW_NOT_READY', 'The gateway is stopping: no more decryptions.');
    let result: DecryptResult;
    try {
      this.pool ??= startPool(this.threads);
      result = await this.pool.run({ compact, key, options });
    } catch (cause) {
      if (this.closing) throw new GatewayError('GW_NOT_READY', 'The gateway is stopping: no more decryptions.', { cause });
      throw new GatewayError('GW_INTERNAL', 'The decryption worker failed.', { cause });
    }
    if ('refused' in result) throw new Error(`jose refused the JWE (${result.refused})`);
    return result.plaintext;
  }

  close(): Promise<void> {
    return (this.closing ??= this.pool?.destroy() ?? Promise.resolve());
  }
}

function startPool(threads: number): Piscina<DecryptTask, DecryptResult> {
  const source = import.meta.url.endsWith('.ts');
  return new Piscina<DecryptTask, DecryptResult>({
    filename: new URL(source ? './decrypt-worker.ts' : './decrypt-worker.js', import.meta.url).href,
    minThreads: 0,
    maxThreads: threads,
    idleTimeout: 30_000,
    // tsx's loader by absolute URL, so a worker finds it whatever the working directory
    ...(source && { execArgv: ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href] }),
  });
}
