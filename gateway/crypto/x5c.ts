import { X509Certificate } from 'node:crypto';
import type { JWK } from 'jose';
import type { Issue } from '../errors.js';

export interface X5cOptions {
  /** Time the certificates must be valid at; defaults to now. */
  now?: Date;
  /**
   * CA certificates the chain must end in (the configured participant CA). Without them
   * only the chain's inner consistency is checked: each certificate is issued and signed
   * by the next one.
   */
  trustAnchors?: readonly X509Certificate[];
}

/**
 * Checks the `x5c` chain of a public JWK, as FIT-Connect derives keys from certificates:
 * the first certificate carries exactly the JWK's `n`/`e`, every certificate is valid at
 * `now`, each is issued and signed by the next, and (when anchors are given) the last one
 * is an anchor or is signed by one. A JWK without `x5c` yields no finding: whether x5c is
 * required is the caller's policy. Revocation (CRL/OCSP) is not checked here.
 */
export function checkX5c(jwk: JWK, opts: X5cOptions = {}): Issue[] {
  if (jwk.x5c === undefined) return [];
  const bad = (message: string, index?: number): Issue[] => [
    { message, path: index === undefined ? '/x5c' : `/x5c/${index}`, rule: 'key.x5c' },
  ];
  if (!Array.isArray(jwk.x5c) || jwk.x5c.length === 0) return bad('x5c must be a non-empty array of base64 DER certificates.');
  const certs: X509Certificate[] = [];
  for (const [i, b64] of jwk.x5c.entries()) {
    if (typeof b64 !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return bad('Not base64 (standard alphabet, as RFC 7517 §4.7 requires).', i);
    try {
      certs.push(new X509Certificate(Buffer.from(b64, 'base64')));
    } catch {
      return bad('Not a DER X.509 certificate.', i);
    }
  }
  const leafKey = certs[0]!.publicKey.export({ format: 'jwk' });
  if (leafKey.kty !== 'RSA' || leafKey.n !== jwk.n || leafKey.e !== jwk.e) {
    return bad('The first certificate carries a different public key than the JWK (n/e).', 0);
  }
  const now = opts.now ?? new Date();
  for (const [i, c] of certs.entries()) {
    if (now < new Date(c.validFrom) || now > new Date(c.validTo)) {
      return bad(`Certificate ${c.subject.replace(/\n/g, ', ')} is not valid at ${now.toISOString()} (valid ${c.validFrom} to ${c.validTo}).`, i);
    }
  }
  for (let i = 0; i + 1 < certs.length; i++) {
    if (!certs[i]!.checkIssued(certs[i + 1]!) || !certs[i]!.verify(certs[i + 1]!.publicKey)) {
      return bad(`Certificate ${i} is not issued and signed by certificate ${i + 1}.`, i);
    }
  }
  const anchors = opts.trustAnchors;
  if (anchors !== undefined) {
    const last = certs[certs.length - 1]!;
    const anchored = anchors.some(
      (a) => a.fingerprint256 === last.fingerprint256 || (last.checkIssued(a) && last.verify(a.publicKey)),
    );
    if (!anchored) return bad('The chain does not end in a trusted CA certificate.', certs.length - 1);
  }
  return [];
}
