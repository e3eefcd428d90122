import { calculateJwkThumbprint, type JWK } from 'jose';
import { assertRsaKey } from './jwk.js';
import { KeyFile } from './key-file.js';
import { generateKeyObjects } from './keygen.js';

/**
 * The gateway's PS512 signing key for receipts and events (SETs). Read from `file`; when
 * the file does not exist and `generateIfMissing` is set (the embedded default), an
 * RSA-4096 key is generated on first use — not at start, so a gateway that never signs
 * pays nothing — and stored as a development key (KeyFile). Production configures a key
 * file from its own PKI.
 */
export class SigningKey {
  private readonly keyFile: KeyFile;
  private checked: Promise<JWK> | null = null;

  constructor(
    readonly file: string,
    generateIfMissing: boolean,
    onGenerated: (file: string) => void = () => undefined,
  ) {
    this.keyFile = new KeyFile(file, generateIfMissing ? newSigningJwk : null, onGenerated);
  }

  /** The private JWK (kid, use sig, alg PS512). */
  get(): Promise<JWK> {
    this.checked ??= this.keyFile.get().then(
      (jwk) => {
        assertRsaKey(jwk, 'signing', 'private', `signing key ${this.file}`);
        return jwk;
      },
      (err: unknown) => {
        this.checked = null;
        throw err;
      },
    );
    return this.checked;
  }
}

async function newSigningJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyObjects({ type: 'rsa', modulusLength: 4096 });
  const raw = privateKey.export({ format: 'jwk' }) as JWK;
  const kid = `gw-sig-${(await calculateJwkThumbprint({ kty: 'RSA', n: raw.n!, e: raw.e! })).slice(0, 16)}`;
  return { ...raw, kid, use: 'sig', alg: 'PS512' };
}
