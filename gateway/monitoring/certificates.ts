import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { JWK } from 'jose';
import { certificatesOf } from '../auth/crl.js';
import type { GatewayConfig } from '../config/schema.js';

/** A certificate whose expiry is watched: a subject id (no personal data: config ids and roles) and its notAfter. */
export interface WatchedCertificate {
  subject: string;
  notAfter: Date;
}

export interface CertificateSources {
  cfg: GatewayConfig;
  /** Participants' public encryption keys by endpoint id (their x5c, when present, carries the expiry). */
  recipientKeys?: ReadonlyMap<string, JWK>;
  /** The gateway's own JWE keys as published (their x5c, when present). */
  jweKeys?: readonly JWK[];
}

/**
 * Lists the certificates the gateway holds or trusts, for the expiry metric and the
 * `certificate-expiry` alert (ADR 0029). The TLS files are re-read on every call, so a
 * renewed certificate on disk resolves its alert at the next evaluation even before the
 * gateway restarts (the server itself serves the new one only after a restart). Keys
 * without a certificate (the signing key, the token key, at-rest keys, JWKs without x5c)
 * have no expiry and are not listed. A file that cannot be read yields the subject with
 * notAfter at epoch 0, so it fires as "expired" rather than vanishing silently.
 *
 * Subjects: `server` (leaf of server.tls.certFile), `server-chain-<n>` (its other
 * certificates), `participant-ca-<n>` (server.tls.caFile), `encryption-key:<endpoint>`,
 * `gateway-jwe:<kid>`.
 */
export function watchedCertificates(src: CertificateSources): WatchedCertificate[] {
  const out: WatchedCertificate[] = [];
  const tls = src.cfg.server.tls;
  if (tls) {
    fromFile(tls.certFile, (i) => (i === 0 ? 'server' : `server-chain-${i}`), out);
    fromFile(tls.caFile, (i) => `participant-ca-${i}`, out);
  }
  for (const [endpoint, jwk] of src.recipientKeys ?? []) {
    const c = leafOf(jwk);
    if (c) out.push({ subject: `encryption-key:${endpoint}`, notAfter: c });
  }
  for (const jwk of src.jweKeys ?? []) {
    const c = leafOf(jwk);
    if (c) out.push({ subject: `gateway-jwe:${jwk.kid ?? 'unnamed'}`, notAfter: c });
  }
  return out;
}

function fromFile(file: string, subject: (index: number) => string, out: WatchedCertificate[]): void {
  let certs: X509Certificate[];
  try {
    certs = certificatesOf(readFileSync(file, 'utf8'));
  } catch {
    certs = [];
  }
  if (certs.length === 0) out.push({ subject: subject(0), notAfter: new Date(0) });
  certs.forEach((c, i) => out.push({ subject: subject(i), notAfter: new Date(c.validTo) }));
}

function leafOf(jwk: JWK): Date | undefined {
  const der = jwk.x5c?.[0];
  if (der === undefined) return undefined;
  try {
    return new Date(new X509Certificate(Buffer.from(der, 'base64')).validTo);
  } catch {
    return undefined;
  }
}
