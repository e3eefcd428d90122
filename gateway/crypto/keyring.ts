import { importJWK, type JWK } from 'jose';
import { GatewayError, type Issue } from '../errors.js';
import { checkRsaKey, JWE_ALG, modulusBits, publicJwk, rsaKeyMaterial } from './jwk.js';

export interface DecryptionKey {
  kid: string;
  key: CryptoKey;
  /** Size of an RSA-OAEP encrypted key made for this key (the modulus length in bytes). */
  encryptedKeyBytes: number;
}

/**
 * The gateway's own JWE decryption keys (private RSA-OAEP-256 JWKs), by `kid`. Holding
 * several keys is how the encryption key is rotated: publish the new key, keep the old one
 * until no sender uses it any more, then remove it.
 */
export class PrivateKeyRing {
  private constructor(
    private readonly keys: ReadonlyMap<string, DecryptionKey>,
    private readonly publicKeys: readonly JWK[],
  ) {}

  /**
   * Validates every key (RSA ≥ 4096 bits, private members present, alg/use/key_ops for
   * encryption when given, unique kid) and imports them. Throws GW_CONFIG_INVALID listing
   * every finding, with paths below `configPath`.
   */
  static async fromJwks(jwks: readonly unknown[], configPath = 'crypto.jwe.keys'): Promise<PrivateKeyRing> {
    const issues: Issue[] = [];
    const seen = new Set<string>();
    jwks.forEach((jwk, i) => {
      issues.push(...checkRsaKey(jwk, 'encryption', 'private', `${configPath}/${i}`));
      const kid = (jwk as JWK | null)?.kid;
      if (typeof kid === 'string') {
        if (seen.has(kid)) issues.push({ message: `kid "${kid}" is used twice.`, path: `${configPath}/${i}/kid`, rule: 'key.kid' });
        seen.add(kid);
      }
    });
    if (jwks.length === 0) issues.push({ message: 'At least one decryption key is required.', path: configPath, rule: 'key.none' });
    if (issues.length > 0) {
      throw new GatewayError('GW_CONFIG_INVALID', `The JWE decryption keys are invalid (${issues.length} findings).`, { issues });
    }
    const keys = new Map<string, DecryptionKey>();
    for (const jwk of jwks as JWK[]) {
      const key = (await importJWK(rsaKeyMaterial(jwk, 'private'), JWE_ALG)) as CryptoKey;
      keys.set(jwk.kid!, { kid: jwk.kid!, key, encryptedKeyBytes: Math.ceil(modulusBits(jwk.n) / 8) });
    }
    // RFC 7517 §4.3: use and key_ops should not appear together; FIT-Connect publishes key_ops.
    const publicKeys = (jwks as JWK[]).map((k) => {
      const pub = { ...publicJwk(k), alg: JWE_ALG };
      return pub.key_ops === undefined ? { ...pub, use: 'enc' } : pub;
    });
    return new PrivateKeyRing(keys, publicKeys);
  }

  get(kid: string): DecryptionKey | undefined {
    return this.keys.get(kid);
  }

  kids(): string[] {
    return [...this.keys.keys()];
  }

  /** The public halves, for participants to encrypt to (publish with the gateway's JWKS or per route). */
  publicJwks(): { keys: JWK[] } {
    return { keys: this.publicKeys.map((k) => ({ ...k })) };
  }
}
