import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { ServerOptions } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { GatewayError, toProblem } from '../errors.js';
import { certificatesOf, CrlFile, readText, type RevocationCheck } from './crl.js';
import { normaliseSerial } from './der.js';
import { normalizeKennung } from '../validation/kennung.js';

/**
 * HTTPS and client-certificate authentication (mTLS) for system participants (ADR 0008).
 *
 * The TLS layer asks every client for a certificate but never aborts the handshake over
 * it; `identifyClient` then decides, per request, with one named reason, so a refused
 * client gets a problem+json answer and the operator one clear log line instead of a
 * bare handshake failure.
 */

/** SAN URI naming the participant a certificate belongs to: `urn:zsa-gateway:participant:<id>`. */
export const PARTICIPANT_URI_PREFIX = 'urn:zsa-gateway:participant:';
/** SAN URI with the participant's XÖV kennung: `urn:zsa-gateway:kennung:<praefix:kennung>`. */
export const KENNUNG_URI_PREFIX = 'urn:zsa-gateway:kennung:';
/** id-kp-clientAuth (RFC 5280 §4.2.1.12). */
export const CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';

/** The fields of a configured participant that authentication needs (ParticipantConfig fits). */
export interface AuthParticipant {
  id: string;
  kind: string;
  kennung: string;
  /** Optional pins: SHA-256 fingerprints (hex, colons optional) of the only certificates accepted for this participant. */
  certFingerprints?: readonly string[];
}

export type RefusalReason = 'no-certificate' | 'unknown-ca' | 'expired' | 'not-yet-valid' | 'revoked' | 'wrong-purpose' | 'unknown-participant';

/** What the gateway logs about a presented certificate (never the key, never the whole PEM). */
export interface CertificateSummary {
  subject: string;
  issuer: string;
  serialNumber: string;
  fingerprint256: string;
  validTo: string;
}

export type ClientIdentity<P extends AuthParticipant = AuthParticipant> =
  | { ok: true; participant: P; certificate: CertificateSummary }
  | { ok: false; reason: RefusalReason; detail: string; certificate?: CertificateSummary };

export interface TlsFileOptions {
  /** Server certificate PEM (leaf, then intermediates). */
  certFile: string;
  keyFile: string;
  /** CA bundle clients are checked against (intermediate + root). Replaces the system roots for client certificates. */
  caFile: string;
  /** CRL PEM; read here only to fail at start when unusable. Revocation is enforced by `CrlFile` + `identifyClient`. */
  crlFile?: string;
  /** Ask clients for a certificate (mTLS). The handshake never fails over it: see identifyClient. */
  requestClientCert: boolean;
}

function configError(setting: string, message: string, cause?: unknown): GatewayError {
  return new GatewayError('GW_CONFIG_INVALID', `${setting}: ${message}`, { issues: [{ path: setting, message }], cause });
}

/**
 * Builds the options for `https.createServer` at start. Throws GW_CONFIG_INVALID naming the
 * setting when a file is missing or unparsable, the key does not belong to the certificate,
 * the CA file holds no certificate or the CRL does not verify against it.
 */
export function buildTlsOptions(o: TlsFileOptions): ServerOptions {
  const cert = readText(o.certFile, 'tls.certFile');
  const key = readText(o.keyFile, 'tls.keyFile');
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch (cause) {
    throw configError('tls.certFile', `${o.certFile} is not a PEM certificate`, cause);
  }
  try {
    if (!leaf.checkPrivateKey(createPrivateKey(key))) throw configError('tls.keyFile', `${o.keyFile} is not the key of ${o.certFile}`);
  } catch (cause) {
    throw cause instanceof GatewayError ? cause : configError('tls.keyFile', `${o.keyFile} is not a PEM private key`, cause);
  }
  const ca = certificatesOf(readText(o.caFile, 'tls.caFile'));
  if (ca.length === 0) throw configError('tls.caFile', `${o.caFile} holds no PEM certificate`);
  if (o.crlFile !== undefined) new CrlFile(o.crlFile, o.caFile);
  return {
    cert,
    key,
    ca: ca.map((c) => c.toString()),
    requestCert: o.requestClientCert,
    rejectUnauthorized: false,
    minVersion: 'TLSv1.2',
    honorCipherOrder: true,
  };
}

interface VerifyVerdict {
  reason: RefusalReason;
  say(c: X509Certificate): string;
}
/** OpenSSL verification codes (as Node names them) → refusal reasons; any other code means the chain is not ours. */
const VERIFY_CODES: Readonly<Record<string, VerifyVerdict>> = {
  CERT_HAS_EXPIRED: { reason: 'expired', say: (c) => `certificate expired at ${c.validTo}` },
  CERT_NOT_YET_VALID: { reason: 'not-yet-valid', say: (c) => `certificate valid only from ${c.validFrom}` },
  CERT_REVOKED: { reason: 'revoked', say: () => 'certificate revoked' },
  INVALID_PURPOSE: { reason: 'wrong-purpose', say: () => 'certificate not permitted for TLS client authentication' },
};
const UNTRUSTED: VerifyVerdict = { reason: 'unknown-ca', say: () => 'certificate does not chain to the configured CA' };

function summary(c: X509Certificate): CertificateSummary {
  return { subject: c.subject.replace(/\n/g, ', '), issuer: c.issuer.replace(/\n/g, ', '), serialNumber: normaliseSerial(c.serialNumber), fingerprint256: c.fingerprint256, validTo: c.validTo };
}

const normaliseFingerprint = (f: string) => f.replace(/[^0-9a-fA-F]/g, '').toUpperCase();

/** URIs in the subjectAltName, as Node prints them (`URI:x, DNS:y`, quoted JSON where escaping was needed). */
export function sanUris(c: X509Certificate): string[] {
  const san = c.subjectAltName;
  if (!san) return [];
  const out: string[] = [];
  for (const m of san.matchAll(/URI:("(?:[^"\\]|\\.)*"|[^,]*)/g)) {
    const raw = m[1]!.trim();
    out.push(raw.startsWith('"') ? (JSON.parse(raw) as string) : raw);
  }
  return out;
}

/**
 * Decides who is at the other end of a TLS connection, once per request. Checks, in order:
 * a certificate was presented; it chains to the configured CA (the TLS layer's verdict,
 * mapped to expired / not-yet-valid / wrong-purpose / unknown-ca); it is valid now; it is
 * not on the CRL; it carries extendedKeyUsage clientAuth and is no CA; it maps to exactly
 * one configured participant — by pinned fingerprint, else by the SAN URI
 * `urn:zsa-gateway:participant:<id>` (a kennung URI, when present, must match too).
 * Never throws for a bad certificate: every refusal is a reason and a detail.
 */
export function identifyClient<P extends AuthParticipant>(socket: TLSSocket, participants: readonly P[], crl?: RevocationCheck, now = new Date()): ClientIdentity<P> {
  if (!socket.encrypted) return { ok: false, reason: 'no-certificate', detail: 'the connection is not TLS' };
  const cert = socket.getPeerX509Certificate();
  if (!cert) return { ok: false, reason: 'no-certificate', detail: 'the client presented no certificate' };
  const certificate = summary(cert);
  const refuse = (reason: RefusalReason, detail: string): ClientIdentity<P> => ({ ok: false, reason, detail, certificate });

  if (!socket.authorized) {
    const e: unknown = socket.authorizationError;
    const code = typeof e === 'string' ? e : ((e as { code?: string } | null)?.code ?? String(e));
    const v = VERIFY_CODES[code] ?? UNTRUSTED;
    return refuse(v.reason, `${v.say(cert)} (TLS verification: ${code})`);
  }
  if (now < new Date(cert.validFrom)) return refuse('not-yet-valid', `certificate valid only from ${cert.validFrom}`);
  if (now > new Date(cert.validTo)) return refuse('expired', `certificate expired at ${cert.validTo}`);
  const revokedAt = crl?.isRevoked(cert);
  if (revokedAt) return refuse('revoked', `certificate serial ${certificate.serialNumber} revoked at ${revokedAt.toISOString()}`);
  if (cert.ca) return refuse('wrong-purpose', 'a CA certificate cannot authenticate a client');
  if (!(cert.keyUsage ?? []).includes(CLIENT_AUTH_OID)) return refuse('wrong-purpose', 'certificate lacks extendedKeyUsage clientAuth');

  const uris = sanUris(cert);
  const ids = uris.filter((u) => u.startsWith(PARTICIPANT_URI_PREFIX)).map((u) => u.slice(PARTICIPANT_URI_PREFIX.length));
  const fp = normaliseFingerprint(cert.fingerprint256);
  const pinned = participants.filter((p) => p.certFingerprints?.some((f) => normaliseFingerprint(f) === fp));
  if (pinned.length > 1) return refuse('unknown-participant', `certificate is pinned for several participants: ${pinned.map((p) => p.id).join(', ')}`);
  if (pinned.length === 1) {
    const p = pinned[0]!;
    if (ids.some((id) => id !== p.id)) return refuse('unknown-participant', `certificate is pinned for "${p.id}" but names ${ids.map((id) => `"${id}"`).join(', ')}`);
    return { ok: true, participant: p, certificate };
  }
  if (ids.length !== 1) return refuse('unknown-participant', ids.length === 0 ? `certificate names no participant (no SAN URI ${PARTICIPANT_URI_PREFIX}<id>)` : 'certificate names several participants');
  const participant = participants.find((p) => p.id === ids[0]);
  if (!participant) return refuse('unknown-participant', `participant "${ids[0]}" is not configured`);
  if (participant.certFingerprints?.length) return refuse('unknown-participant', `participant "${participant.id}" accepts only its pinned certificates`);
  const kennungen = uris.filter((u) => u.startsWith(KENNUNG_URI_PREFIX)).map((u) => u.slice(KENNUNG_URI_PREFIX.length));
  if (kennungen.some((k) => normalizeKennung(k) !== normalizeKennung(participant.kennung))) return refuse('unknown-participant', `certificate kennung ${kennungen.join(', ')} does not match participant "${participant.id}" (${participant.kennung})`);
  return { ok: true, participant, certificate };
}

/** Where requireClientCertificate leaves the authenticated participant. */
export function authenticatedParticipant<P extends AuthParticipant = AuthParticipant>(res: Response): P | undefined {
  return res.locals['participant'] as P | undefined;
}

/**
 * Express middleware for routes only system participants may call. On success sets
 * `res.locals.participant` and calls next(); otherwise answers 401 problem+json
 * (GW_UNAUTHENTICATED, with `reason`) and logs one warn line with the reason, the
 * certificate's subject, serial and fingerprint and the client address, then closes
 * the connection without reading the request body. `crl` is consulted on every
 * request, so a reloaded CrlFile applies at once.
 */
export function requireClientCertificate<P extends AuthParticipant>(participants: readonly P[], log: Pick<Logger, 'warn'>, opts: { crl?: RevocationCheck } = {}): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    const id = identifyClient(req.socket as TLSSocket, participants, opts.crl);
    if (id.ok) {
      res.locals['participant'] = id.participant;
      next();
      return;
    }
    log.warn({ reason: id.reason, detail: id.detail, certificate: id.certificate, remote: req.socket.remoteAddress, method: req.method, path: req.path }, `client certificate refused: ${id.reason}: ${id.detail}`);
    const problem = toProblem(new GatewayError('GW_UNAUTHENTICATED', `client certificate refused (${id.reason}): ${id.detail}`, { extra: { reason: id.reason } }), req.originalUrl);
    // Never read an unauthenticated body, never keep the connection of an unknown peer.
    res.setHeader('Connection', 'close');
    res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  };
}
