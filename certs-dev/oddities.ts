import { join } from 'node:path';
import { bannered, LAYOUT, readOut, writeAtomic } from './files.js';
import { clientCertificate, issuerFromPem, issueCertificate, rsaKeyPair, type IssuedCert, type KeyPair, type ParticipantRef } from './x509.js';

/**
 * Certificates that must be refused, for tests: each differs from a good client
 * certificate in exactly one respect. Written to `<outDir>/test-oddities/`.
 */

export interface OddCert {
  certFile: string;
  keyFile: string;
}

export interface TestOddities {
  /** Issued by the real intermediate, validity ended yesterday. */
  expired: OddCert;
  /** Issued by the real intermediate, valid from tomorrow. */
  notYetValid: OddCert;
  /** Same participant URIs, but issued by a separate root the gateway does not know. */
  unknownCa: OddCert;
  /** Valid certificate of the real CA for a participant id that is not configured. */
  unconfigured: OddCert;
}

const DAY = 86_400_000;

/**
 * Issues the oddities for `participant` from the PKI in `outDir` (generateDevPki first).
 * `strangerId` names the unconfigured participant (default `not-configured`).
 */
export async function generateTestOddities(o: { outDir: string; participant: ParticipantRef; strangerId?: string; rsaBits?: number; now?: Date }): Promise<TestOddities> {
  const now = (o.now ?? new Date()).getTime();
  const bits = o.rsaBits ?? 2048;
  const issuer = issuerFromPem(readOut(o.outDir, LAYOUT.intermediate), readOut(o.outDir, LAYOUT.intermediateKey));
  const intermediatePem = readOut(o.outDir, LAYOUT.intermediate);
  const [expiredKeys, futureKeys, foreignRootKeys, foreignKeys, strangerKeys] = await Promise.all([0, 1, 2, 3, 4].map(() => rsaKeyPair(bits))) as [KeyPair, KeyPair, KeyPair, KeyPair, KeyPair];

  const foreignRoot = issueCertificate({
    commonName: 'Unknown Dev Root CA',
    unit: 'unknown root CA (tests)',
    publicKey: foreignRootKeys.publicKey,
    selfKey: foreignRootKeys.privateKey,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 30 * DAY),
    ca: {},
    keyUsage: { keyCertSign: true, cRLSign: true },
  });
  const stranger: ParticipantRef = { id: o.strangerId ?? 'not-configured', kind: o.participant.kind, kennung: 'test:not-configured' };

  const write = (name: string, cert: IssuedCert, keys: KeyPair, chainPem = ''): OddCert => {
    const certRel = `${LAYOUT.oddities}/${name}.crt.pem`;
    const keyRel = `${LAYOUT.oddities}/${name}.key.pem`;
    writeAtomic(o.outDir, certRel, bannered(cert.pem + chainPem));
    writeAtomic(o.outDir, keyRel, bannered(keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()), true);
    return { certFile: join(o.outDir, certRel), keyFile: join(o.outDir, keyRel) };
  };
  writeAtomic(o.outDir, `${LAYOUT.oddities}/unknown-root.pem`, bannered(foreignRoot.pem));

  return {
    expired: write('expired', clientCertificate(o.participant, expiredKeys.publicKey, issuer, new Date(now - 30 * DAY), new Date(now - DAY)), expiredKeys, intermediatePem),
    notYetValid: write('not-yet-valid', clientCertificate(o.participant, futureKeys.publicKey, issuer, new Date(now + DAY), new Date(now + 30 * DAY)), futureKeys, intermediatePem),
    unknownCa: write('unknown-ca', clientCertificate(o.participant, foreignKeys.publicKey, { cert: foreignRoot.cert, key: foreignRootKeys.privateKey }, new Date(now - DAY), new Date(now + 30 * DAY)), foreignKeys),
    unconfigured: write('unconfigured', clientCertificate(stranger, strangerKeys.publicKey, issuer, new Date(now - DAY), new Date(now + 30 * DAY)), strangerKeys, intermediatePem),
  };
}
