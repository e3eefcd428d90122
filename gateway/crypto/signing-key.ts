import { readFileSync } from 'node:fs';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { GatewayError } from '../errors.js';
import { assertRsaKey, hasPrivateMembers, publicJwk } from './jwk.js';
import { KeyFile } from './key-file.js';
import { generateKeyObjects } from './keygen.js';

/**
 * The gateway's PS512 signing key for receipts and events (SETs). Read from `file`; when
 * the file does not exist and `generateIfMissing` is set (the embedded default), an
 * RSA-4096 key is generated on first use — not at start, so a gateway that never signs
 * pays nothing — and stored as a development key (KeyFile). Production configures a key
 * file from its own PKI.
 *
 * `retired` are earlier signing keys (from `readRetiredSigningKeys`): never used to sign,
 * only published beside the current key so that what they signed before a rotation still
 * verifies.
 */
export class SigningKey {
  private readonly keyFile: KeyFile;
  private checked: Promise<JWK> | null = null;
  private readonly retired: readonly JWK[];

  constructor(
    readonly file: string,
    generateIfMissing: boolean,
    onGenerated: (file: string) => void = () => undefined,
    retired: readonly JWK[] = [],
  ) {
    this.keyFile = new KeyFile(file, generateIfMissing ? newSigningJwk : null, onGenerated);
    this.retired = retired.map(publicJwk);
  }

  /**
   * The keys a JWKS publishes, as public JWKs: the current key first, then the retired ones
   * (a retired key with the current key's kid is left out: it is the same key).
   */
  async published(): Promise<JWK[]> {
    const current = publicJwk(await this.get());
    return [current, ...this.retired.filter((k) => k.kid !== current.kid)];
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

/**
 * Reads earlier signing keys (`crypto.retiredSigningKeyFiles`): public JWKs, or the old private
 * JWK files, of which only the public half is kept. Called at start before anything is opened;
 * throws GW_CONFIG_INVALID (unreadable, not JSON) or GW_KEY_UNSUITABLE naming the file.
 */
export function readRetiredSigningKeys(files: readonly string[]): JWK[] {
  return files.map(readRetiredKey);
}

function readRetiredKey(file: string): JWK {
  let jwk: unknown;
  try {
    jwk = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new GatewayError('GW_CONFIG_INVALID', `retired signing key file ${file} cannot be read as a JWK (${(cause as NodeJS.ErrnoException).code ?? 'not JSON'})`, { cause });
  }
  const visibility = typeof jwk === 'object' && jwk !== null && hasPrivateMembers(jwk as JWK) ? 'private' : 'public';
  assertRsaKey(jwk, 'signing', visibility, `retired signing key ${file}`);
  return publicJwk(jwk);
}
