import forge from 'node-forge';
import { sign, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { crlDersOf, parseCrlDer } from '../gateway/auth/crl.js';
import { childrenOf, normaliseSerial, rawOf, readTlv } from '../gateway/auth/der.js';
import { bannered, LAYOUT, pemBlock, readOut, writeAtomic } from './files.js';
import { issuerFromPem, type Issuer } from './x509.js';

const { asn1, pki } = forge;
const U = asn1.Class.UNIVERSAL;
const T = asn1.Type;

/**
 * The development CRL (RFC 5280 §5, v2): signed by the intermediate with sha256WithRSA,
 * with the CRL number and authority key identifier extensions. node-forge has no CRL
 * support, so the structure is assembled from its ASN.1 primitives here.
 */

export interface RevokedEntry {
  /** Serial as hex (any case). */
  serial: string;
  date: Date;
}

function integer(hex: string): forge.asn1.Asn1 {
  let h = hex.replace(/^0+/, '') || '0';
  if (h.length % 2) h = '0' + h;
  if (parseInt(h.slice(0, 2), 16) & 0x80) h = '00' + h; // keep it positive
  return asn1.create(U, T.INTEGER, false, forge.util.hexToBytes(h));
}

const seq = (v: forge.asn1.Asn1[]) => asn1.create(U, T.SEQUENCE, true, v);
const oid = (o: string) => asn1.create(U, T.OID, false, asn1.oidToDer(o).getBytes());
const time = (d: Date) => asn1.create(U, T.UTCTIME, false, asn1.dateToUtcTime(d));
const extension = (o: string, value: forge.asn1.Asn1) => seq([oid(o), asn1.create(U, T.OCTETSTRING, false, asn1.toDer(value).getBytes())]);

/** The subject Name of a certificate exactly as encoded there (a CRL's issuer must match it byte for byte). */
function subjectNameOf(certDer: Buffer): forge.asn1.Asn1 {
  const tbs = childrenOf(certDer, readTlv(certDer, 0))[0]!;
  const f = childrenOf(certDer, tbs);
  const subject = f[0]!.tag === 0xa0 ? f[5]! : f[4]!; // [0] version present in v3 certificates
  return asn1.fromDer(rawOf(certDer, subject).toString('binary'));
}

/** Builds and signs a CRL; `issuerDer` is the signing CA's certificate as issued. Returns the PEM block (no banner). */
export function buildCrl(issuer: Issuer, issuerDer: Buffer, o: { crlNumber: bigint; revoked: readonly RevokedEntry[]; thisUpdate: Date; nextUpdate: Date }): string {
  const algorithm = seq([oid(pki.oids['sha256WithRSAEncryption']!), asn1.create(U, T.NULL, false, '')]);
  const aki = seq([asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, false, issuer.cert.generateSubjectKeyIdentifier().getBytes())]);
  const tbs = seq([
    integer('01'), // v2
    algorithm,
    subjectNameOf(issuerDer),
    time(o.thisUpdate),
    time(o.nextUpdate),
    ...(o.revoked.length > 0 ? [seq(o.revoked.map((r) => seq([integer(r.serial), time(r.date)])))] : []),
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [seq([extension('2.5.29.35', aki), extension('2.5.29.20', integer(o.crlNumber.toString(16)))])]),
  ]);
  const tbsDer = Buffer.from(asn1.toDer(tbs).getBytes(), 'binary');
  const signature = sign('sha256', tbsDer, issuer.key);
  const crl = seq([tbs, algorithm, asn1.create(U, T.BITSTRING, false, '\u0000' + signature.toString('binary'))]);
  return pemBlock('X509 CRL', Buffer.from(asn1.toDer(crl).getBytes(), 'binary'));
}

export interface RevokeResult {
  participant: string;
  serial: string;
  /** false when the certificate was already on the CRL (nothing written). */
  added: boolean;
  crlNumber: bigint;
  crlFile: string;
}

/**
 * Puts a participant's client certificate (`clients/<id>.crt.pem`) on the CRL of the
 * PKI in `outDir`: re-signs crl.pem with the intermediate, the next CRL number and the
 * same nextUpdate distance, written atomically. Idempotent. A running gateway applies it
 * after reloading the CRL (CrlFile.reload). Throws when the PKI or the participant's
 * certificate does not exist.
 */
export function revoke(outDir: string, participantId: string, now = new Date()): RevokeResult {
  const certPath = join(outDir, LAYOUT.clientCert(participantId));
  if (!existsSync(certPath)) throw new Error(`no client certificate for participant "${participantId}" in ${outDir} (${LAYOUT.clientCert(participantId)})`);
  const leaf = new X509Certificate(readOut(outDir, LAYOUT.clientCert(participantId)));
  const intermediatePem = readOut(outDir, LAYOUT.intermediate);
  const intermediate = new X509Certificate(intermediatePem);
  const ders = crlDersOf(readOut(outDir, LAYOUT.crl));
  if (ders.length !== 1) throw new Error(`${LAYOUT.crl} in ${outDir} must hold exactly one CRL`);
  const current = parseCrlDer(ders[0]!, [intermediate]);
  const crlNumber = current.crlNumber ?? 0n;
  const crlFile = join(outDir, LAYOUT.crl);
  const serial = normaliseSerial(leaf.serialNumber);
  if (current.revoked.has(serial)) return { participant: participantId, serial, added: false, crlNumber, crlFile };

  const issuer = issuerFromPem(intermediatePem, readOut(outDir, LAYOUT.intermediateKey));
  const lifetime = (current.nextUpdate?.getTime() ?? now.getTime() + 30 * 86_400_000) - current.thisUpdate.getTime();
  const revoked = [...current.revoked].map(([serial, date]) => ({ serial, date }));
  revoked.push({ serial, date: now });
  const next = crlNumber + 1n;
  writeAtomic(outDir, LAYOUT.crl, bannered(buildCrl(issuer, intermediate.raw, { crlNumber: next, revoked, thisUpdate: now, nextUpdate: new Date(now.getTime() + lifetime) })));
  return { participant: participantId, serial, added: true, crlNumber: next, crlFile };
}
