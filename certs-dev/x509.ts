import forge from 'node-forge';
import { createPrivateKey, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { generateKeyObjects } from '../gateway/crypto/keygen.js';
import { KENNUNG_URI_PREFIX, PARTICIPANT_URI_PREFIX } from '../gateway/auth/tls.js';
import { DEV_LABEL } from './files.js';

const { pki, asn1 } = forge;

/**
 * Certificates of the development PKI. node-forge builds the X.509 structures; Node's
 * native crypto makes the RSA keys (in parallel on the libuv pool) and the signatures;
 * forge's pure-JS RSA is several times slower and single-threaded (certs-dev/README.md).
 */

export interface KeyPair {
  publicKey: KeyObject;
  privateKey: KeyObject;
}

/** A CA that can sign: its certificate (forge form, for names and key identifiers) and its private key. */
export interface Issuer {
  cert: forge.pki.Certificate;
  key: KeyObject;
}

export interface IssuedCert {
  cert: forge.pki.Certificate;
  der: Buffer;
  /** The PEM block (no banner). */
  pem: string;
  /** Upper-case hex, as X509Certificate.serialNumber prints it. */
  serial: string;
  fingerprint256: string;
}

type AltName = { type: 2; value: string } | { type: 6; value: string } | { type: 7; ip: string };

export interface CertRequest {
  commonName: string;
  /** Second label in the subject, e.g. `root CA`, `efa-service`. */
  unit: string;
  publicKey: KeyObject;
  /** The signer; omitted for a self-signed root (then `selfKey` signs). */
  issuer?: Issuer;
  selfKey?: KeyObject;
  notBefore: Date;
  notAfter: Date;
  /** CA certificate; `pathLen` 0 for an intermediate that signs only end entities. */
  ca?: { pathLen?: number };
  keyUsage: Partial<Record<'digitalSignature' | 'keyEncipherment' | 'keyCertSign' | 'cRLSign', true>>;
  extKeyUsage?: Partial<Record<'serverAuth' | 'clientAuth', true>>;
  altNames?: AltName[];
}

/** RSA key pair from OpenSSL on the libuv pool: many run in parallel. */
export function rsaKeyPair(bits: number): Promise<KeyPair> {
  return generateKeyObjects({ type: 'rsa', modulusLength: bits });
}

// Part of forge's API (x509.js) but missing from @types/node-forge.
const { getTBSCertificate } = pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 };
// @types/node-forge types valueTagClass as asn1.Class although forge reads it as the value's asn1.Type.
const UTF8 = asn1.Type.UTF8 as unknown as forge.asn1.Class;

function subject(commonName: string, unit: string): forge.pki.CertificateField[] {
  return [
    { shortName: 'C', value: 'DE' },
    { shortName: 'O', value: DEV_LABEL, valueTagClass: UTF8 },
    { shortName: 'OU', value: `zsa-gateway dev PKI: ${unit}`, valueTagClass: UTF8 },
    { shortName: 'CN', value: commonName, valueTagClass: UTF8 },
  ];
}

/** 128-bit positive serial without a leading zero byte (RFC 5280 §4.1.2.2 allows up to 20 octets). */
function newSerial(): string {
  const b = randomBytes(16);
  b[0] = (b[0]! & 0x3f) | 0x10;
  return b.toString('hex');
}

function forgePublicKey(k: KeyObject): forge.pki.PublicKey {
  return pki.publicKeyFromPem(k.export({ type: 'spki', format: 'pem' }).toString());
}

/** Builds and signs one certificate (sha256WithRSAEncryption, signature by Node's crypto). */
export function issueCertificate(r: CertRequest): IssuedCert {
  const signer = r.issuer?.key ?? r.selfKey;
  if (!signer) throw new Error(`certificate ${r.commonName}: neither issuer nor selfKey given`);
  const cert = pki.createCertificate();
  cert.publicKey = forgePublicKey(r.publicKey);
  cert.serialNumber = newSerial();
  cert.validity.notBefore = r.notBefore;
  cert.validity.notAfter = r.notAfter;
  cert.setSubject(subject(r.commonName, r.unit));
  cert.setIssuer(r.issuer ? r.issuer.cert.subject.attributes : subject(r.commonName, r.unit));
  const ski = cert.generateSubjectKeyIdentifier().getBytes();
  const exts: object[] = [
    r.ca ? { name: 'basicConstraints', critical: true, cA: true, ...(r.ca.pathLen === undefined ? {} : { pathLenConstraint: r.ca.pathLen }) } : { name: 'basicConstraints', critical: true, cA: false },
    { name: 'keyUsage', critical: true, ...r.keyUsage },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: r.issuer ? r.issuer.cert.generateSubjectKeyIdentifier().getBytes() : ski },
  ];
  if (r.extKeyUsage) exts.push({ name: 'extKeyUsage', ...r.extKeyUsage });
  if (r.altNames?.length) exts.push({ name: 'subjectAltName', altNames: r.altNames });
  cert.setExtensions(exts);

  // What cert.sign(key, md) does, with the signature made natively.
  cert.signatureOid = cert.siginfo.algorithmOid = pki.oids['sha256WithRSAEncryption']!;
  cert.tbsCertificate = getTBSCertificate(cert);
  const tbs = Buffer.from(asn1.toDer(cert.tbsCertificate).getBytes(), 'binary');
  cert.signature = sign('sha256', tbs, signer).toString('binary');

  const der = Buffer.from(asn1.toDer(pki.certificateToAsn1(cert)).getBytes(), 'binary');
  const x = new X509Certificate(der);
  return { cert, der, pem: x.toString(), serial: x.serialNumber, fingerprint256: x.fingerprint256 };
}

/** Loads a CA from PEM files written by the generator (for revoke and the test oddities). */
export function issuerFromPem(certPem: string, keyPem: string): Issuer {
  const cert = pki.certificateFromPem(certPem);
  // forge keeps parsed UTF8String values as UTF-8 bytes but encodes them again when it
  // writes a name: decode them, or the issuer name of new certificates would not match.
  for (const a of cert.subject.attributes) {
    if ((a.valueTagClass as unknown) === asn1.Type.UTF8 && typeof a.value === 'string') a.value = forge.util.decodeUtf8(a.value);
  }
  return { cert, key: createPrivateKey(keyPem) };
}

export interface ParticipantRef {
  id: string;
  kind: string;
  kennung: string;
}

/** The SAN URIs the gateway maps a certificate by (gateway/auth/tls.ts). */
export function participantAltNames(p: ParticipantRef): AltName[] {
  return [
    { type: 6, value: PARTICIPANT_URI_PREFIX + p.id },
    { type: 6, value: KENNUNG_URI_PREFIX + p.kennung },
  ];
}

/** A TLS client certificate for one participant: CN = id, SAN URIs, EKU clientAuth only. */
export function clientCertificate(p: ParticipantRef, publicKey: KeyObject, issuer: Issuer, notBefore: Date, notAfter: Date): IssuedCert {
  return issueCertificate({
    commonName: p.id,
    unit: `${p.kind} client`,
    publicKey,
    issuer,
    notBefore,
    notAfter,
    keyUsage: { digitalSignature: true },
    extKeyUsage: { clientAuth: true },
    altNames: participantAltNames(p),
  });
}
