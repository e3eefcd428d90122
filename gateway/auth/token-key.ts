import { calculateJwkThumbprint, importJWK, type CryptoKey, type JWK } from 'jose';
import { KeyFile } from '../crypto/key-file.js';
import { generateKeyObjects } from '../crypto/keygen.js';

/** The one algorithm of access tokens. Verification accepts nothing else (no `none`, no HS*, no RS*). */
export const TOKEN_ALG = 'ES256';

export interface TokenKeyPair {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

/**
 * The gateway's ES256 key for access tokens (ADR 0012). Separate from the PS512 receipt key
 * (gateway/crypto/signing-key.ts): a different job, a short-lived artefact, and ES256 keeps
 * tokens small and signing cheap. Read from `file`; when missing and `generateIfMissing` is
 * set, a P-256 key is generated on first use and stored as a development key (KeyFile).
 */
export class TokenKey {
  private readonly keyFile: KeyFile;
  private loading: Promise<TokenKeyPair> | null = null;

  constructor(
    readonly file: string,
    generateIfMissing: boolean,
    onGenerated: (file: string) => void = () => undefined,
  ) {
    this.keyFile = new KeyFile(file, generateIfMissing ? newTokenJwk : null, onGenerated);
  }

  get(): Promise<TokenKeyPair> {
    this.loading ??= this.load().catch((err: unknown) => {
      this.loading = null;
      throw err;
    });
    return this.loading;
  }

  private async load(): Promise<TokenKeyPair> {
    const jwk = await this.keyFile.get();
    if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.d !== 'string') throw new Error(`token key ${this.file} must be a private EC P-256 JWK`);
    const { d: _d, ...pub } = jwk;
    const kid = jwk.kid ?? (await calculateJwkThumbprint(pub));
    return { kid, privateKey: (await importJWK(jwk, TOKEN_ALG)) as CryptoKey, publicKey: (await importJWK(pub, TOKEN_ALG)) as CryptoKey };
  }
}

async function newTokenJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyObjects({ type: 'ec', namedCurve: 'P-256' });
  const raw = privateKey.export({ format: 'jwk' }) as JWK;
  const kid = `gw-tok-${(await calculateJwkThumbprint({ kty: 'EC', crv: raw.crv!, x: raw.x!, y: raw.y! })).slice(0, 16)}`;
  return { ...raw, kid, use: 'sig', alg: TOKEN_ALG };
}
