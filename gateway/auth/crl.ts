import { verify, X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { GatewayError } from '../errors.js';
import { childrenOf, DerError, integerHexOf, isTime, normaliseSerial, oidOf, rawOf, readTlv, TAG, timeOf, contentOf, type Tlv } from './der.js';

/**
 * Certificate revocation lists (RFC 5280 §5) as the gateway reads them: PEM `X509 CRL`
 * blocks, each verified against the CA certificate that signed it. Revocation is checked
 * by the application (ADR 0008), so a new CRL takes effect on the next request without
 * rebuilding the TLS context (ADR 0016: the file is watched).
 */

/** Signature algorithms a CRL may use, by OID → the digest for crypto.verify. */
const SIGNATURE_DIGESTS: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.11': 'sha256', // sha256WithRSAEncryption
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.3.2': 'sha256', // ecdsa-with-SHA256
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};
const CRL_NUMBER_OID = '2.5.29.20';

/** One parsed and verified CRL. */
export interface RevocationList {
  /** The CA certificate whose key signed the CRL. */
  issuer: X509Certificate;
  thisUpdate: Date;
  nextUpdate?: Date;
  crlNumber?: bigint;
  /** Revoked serial numbers (normalised upper-case hex) → revocation time. */
  revoked: ReadonlyMap<string, Date>;
}

/** What identifyClient asks of a revocation source. */
export interface RevocationCheck {
  /** The time the certificate was revoked, or undefined when it is not revoked (or not covered). */
  isRevoked(cert: X509Certificate): Date | undefined;
}

const PEM_CRL = /-----BEGIN X509 CRL-----([A-Za-z0-9+/=\s]+)-----END X509 CRL-----/g;

/** Splits a PEM bundle into the DER of each `X509 CRL` block. */
export function crlDersOf(pem: string): Buffer[] {
  return [...pem.matchAll(PEM_CRL)].map((m) => Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
}

/**
 * Parses one DER CRL and verifies its signature against one of `cas`.
 * Throws DerError when the bytes are not a CRL, Error when no CA's key verifies it.
 */
export function parseCrlDer(der: Buffer, cas: readonly X509Certificate[]): RevocationList {
  const outer = readTlv(der, 0);
  if (outer.tag !== TAG.SEQUENCE || outer.end !== der.length) throw new DerError('not a DER SEQUENCE');
  const [tbs, sigAlg, sigValue] = childrenOf(der, outer);
  if (!tbs || !sigAlg || !sigValue || tbs.tag !== TAG.SEQUENCE || sigValue.tag !== TAG.BIT_STRING) throw new DerError('not a CertificateList');
  const oid = oidOf(der, childrenOf(der, sigAlg)[0] ?? sigAlg);
  const digest = SIGNATURE_DIGESTS[oid];
  if (!digest) throw new DerError(`unsupported CRL signature algorithm ${oid}`);
  const signature = contentOf(der, sigValue).subarray(1); // first byte: unused bits (0)
  const signed = rawOf(der, tbs);
  const issuer = cas.find((ca) => verifies(digest, signed, ca, signature));
  if (!issuer) throw new Error('the CRL signature does not verify against any configured CA certificate');

  const fields = childrenOf(der, tbs);
  let i = fields[0]?.tag === TAG.INTEGER ? 1 : 0; // version (v2)
  i += 2; // signature algorithm, issuer name
  const thisUpdateTlv = fields[i++];
  if (!thisUpdateTlv || !isTime(thisUpdateTlv)) throw new DerError('CRL without thisUpdate');
  const list: RevocationList = { issuer, thisUpdate: timeOf(der, thisUpdateTlv), revoked: new Map() };
  const revoked = new Map<string, Date>();
  for (const f of fields.slice(i)) {
    if (isTime(f)) list.nextUpdate = timeOf(der, f);
    else if (f.tag === TAG.SEQUENCE) for (const entry of childrenOf(der, f)) revokedEntry(der, entry, revoked);
    else if (f.tag === TAG.CONTEXT_0) list.crlNumber = crlNumberOf(der, f);
  }
  list.revoked = revoked;
  return list;
}

function verifies(digest: string, signed: Buffer, ca: X509Certificate, signature: Buffer): boolean {
  try {
    return verify(digest, signed, ca.publicKey, signature);
  } catch {
    return false; // key type does not match the algorithm: not this CA
  }
}

function revokedEntry(der: Buffer, entry: Tlv, into: Map<string, Date>): void {
  const [serial, when] = childrenOf(der, entry);
  if (!serial || !when || !isTime(when)) throw new DerError(`malformed revoked entry at byte ${entry.start}`);
  into.set(integerHexOf(der, serial), timeOf(der, when));
}

function crlNumberOf(der: Buffer, wrapper: Tlv): bigint | undefined {
  const exts = childrenOf(der, wrapper)[0];
  if (!exts) return undefined;
  for (const ext of childrenOf(der, exts)) {
    const parts = childrenOf(der, ext);
    if (parts[0] && oidOf(der, parts[0]) === CRL_NUMBER_OID) {
      const octets = parts[parts.length - 1]!;
      const n = readTlv(der, octets.contentStart, octets.end);
      return BigInt('0x' + integerHexOf(der, n));
    }
  }
  return undefined;
}

/** Checks a certificate against a set of CRLs: revoked only by the CRL of the CA that issued it. */
export function revocationIn(lists: readonly RevocationList[], cert: X509Certificate): Date | undefined {
  const serial = normaliseSerial(cert.serialNumber);
  for (const l of lists) {
    const at = l.revoked.get(serial);
    if (at && cert.checkIssued(l.issuer)) return at;
  }
  return undefined;
}

/** Splits a PEM bundle of certificates (e.g. intermediate + root). */
export function certificatesOf(pem: string): X509Certificate[] {
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)].map((m) => new X509Certificate(m[0]));
}

export interface CrlFileOptions {
  /**
   * How often, at most, `isRevoked` looks at the file's modification time, size and inode
   * and re-reads it when one changed (0 = on every call). Default 1000 ms.
   */
  checkIntervalMs?: number;
  /** Called after the file was re-read because it changed (not for an explicit `reload()`). */
  onReload?: (lists: readonly RevocationList[]) => void;
  /** Called once per changed file that cannot be used; the previous lists stay in force. */
  onReloadError?: (err: GatewayError) => void;
  /** Epoch ms; injectable for tests. */
  now?: () => number;
}

interface FileStamp {
  mtimeMs: number;
  size: number;
  ino: number;
}

const stampOf = (file: string): FileStamp | undefined => {
  try {
    const st = statSync(file);
    return { mtimeMs: st.mtimeMs, size: st.size, ino: st.ino };
  } catch {
    return undefined; // a missing file (mid-replacement) keeps the lists in force
  }
};
const sameStamp = (a: FileStamp | undefined, b: FileStamp | undefined) => a?.mtimeMs === b?.mtimeMs && a?.size === b?.size && a?.ino === b?.ino;

/**
 * A CRL file with its CA bundle. Construction reads it once and throws GW_CONFIG_INVALID
 * if the file is missing, malformed or signed by no configured CA, so a bad path fails at
 * start. Afterwards the file is re-read when it changes — noticed by `isRevoked` (at most
 * every `checkIntervalMs`), so `zsa-gateway certs revoke` or a CA's new list applies to
 * the next connection without a SIGHUP — and on `reload()` (SIGHUP). A file that cannot
 * be used keeps the last good lists in force. The gateway builds exactly one instance and
 * shares it between the TLS authenticator and the recipient-key checks (gateway/compose/keys.ts).
 */
export class CrlFile implements RevocationCheck {
  private lists: RevocationList[];
  private readonly cas: X509Certificate[];
  private stamp: FileStamp | undefined;
  private lastCheck: number;
  private readonly now: () => number;
  /** Number of successful reads (1 after construction). */
  generation = 0;

  constructor(readonly crlFile: string, caFile: string, private readonly o: CrlFileOptions = {}) {
    this.now = o.now ?? Date.now;
    this.cas = certificatesOf(readText(caFile, 'tls.caFile'));
    if (this.cas.length === 0) throw new GatewayError('GW_CONFIG_INVALID', `no certificate in CA file ${caFile}`, { issues: [{ path: 'tls.caFile', message: 'no PEM CERTIFICATE block' }] });
    this.stamp = stampOf(crlFile);
    this.lastCheck = this.now();
    this.lists = this.read();
  }

  /** Reads the file again; returns the lists now in force. Throws GW_CONFIG_INVALID (lists unchanged) when it is unusable. */
  reload(): readonly RevocationList[] {
    const stamp = stampOf(this.crlFile);
    this.lists = this.read();
    this.stamp = stamp;
    return this.lists;
  }

  current(): readonly RevocationList[] {
    return this.lists;
  }

  isRevoked(cert: X509Certificate): Date | undefined {
    this.refreshIfChanged();
    return revocationIn(this.lists, cert);
  }

  /** Re-reads the file when its stamp changed since the last read; at most every checkIntervalMs. Never throws. */
  refreshIfChanged(): void {
    const now = this.now();
    if (now - this.lastCheck < (this.o.checkIntervalMs ?? 1000)) return;
    this.lastCheck = now;
    const stamp = stampOf(this.crlFile);
    if (stamp === undefined || sameStamp(stamp, this.stamp)) return;
    this.stamp = stamp; // a bad file is reported once, not on every check
    try {
      this.lists = this.read();
      this.o.onReload?.(this.lists);
    } catch (err) {
      this.o.onReloadError?.(err as GatewayError);
    }
  }

  /** True when a list in force is past its nextUpdate: the CA should have published a newer one. */
  stale(now = new Date()): boolean {
    return this.lists.some((l) => l.nextUpdate !== undefined && l.nextUpdate < now);
  }

  private read(): RevocationList[] {
    const ders = crlDersOf(readText(this.crlFile, 'tls.crlFile'));
    if (ders.length === 0) throw invalidCrl(this.crlFile, 'no PEM X509 CRL block');
    try {
      const lists = ders.map((d) => parseCrlDer(d, this.cas));
      this.generation++;
      return lists;
    } catch (cause) {
      throw invalidCrl(this.crlFile, cause instanceof Error ? cause.message : String(cause), cause);
    }
  }
}

function invalidCrl(file: string, message: string, cause?: unknown): GatewayError {
  return new GatewayError('GW_CONFIG_INVALID', `CRL file ${file} is not usable: ${message}`, { issues: [{ path: 'tls.crlFile', message }], cause });
}

/** Reads a configured file; a missing or unreadable file is a configuration error naming the setting. */
export function readText(file: string, setting: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (cause) {
    throw new GatewayError('GW_CONFIG_INVALID', `cannot read ${setting} ${file}`, { issues: [{ path: setting, message: cause instanceof Error ? cause.message : String(cause) }], cause });
  }
}
