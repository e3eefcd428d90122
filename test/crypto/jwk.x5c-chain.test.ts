import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { expect } from 'chai';
import type { JWK } from 'jose';
import forge from 'node-forge';
import { encryptFor } from '../../gateway/crypto/jwe.js';
import { checkX5c } from '../../gateway/crypto/x5c.js';
import { encryptionKeys, expectRefused } from './support.js';

const DAY = 86_400_000;

/** A DER certificate (base64) for `subjectJwk`, signed by `issuer` (self-signed when omitted). Synthetic test PKI. */
function certificate(subjectJwk: JWK, cn: string, issuer?: { jwk: JWK; cn: string }, validity = { from: -DAY, to: 30 * DAY }): string {
  const pem = (jwk: JWK, type: 'public' | 'private') =>
    (type === 'public' ? createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) : createPrivateKey({ key: jwk, format: 'jwk' }).export({ type: 'pkcs8', format: 'pem' })).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(pem(subjectJwk, 'public'));
  cert.serialNumber = `0${Math.floor(Math.random() * 1e12).toString(16)}`;
  cert.validity.notBefore = new Date(Date.now() + validity.from);
  cert.validity.notAfter = new Date(Date.now() + validity.to);
  cert.setSubject([{ name: 'commonName', value: cn }]);
  cert.setIssuer([{ name: 'commonName', value: issuer?.cn ?? cn }]);
  cert.setExtensions([{ name: 'basicConstraints', cA: issuer === undefined }]);
  const signer = issuer?.jwk ?? subjectJwk;
  cert.sign(forge.pki.privateKeyFromPem(pem(signer, 'private')) as forge.pki.rsa.PrivateKey, forge.md.sha512.create());
  return Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary').toString('base64');
}

describe('x5c chains of participant encryption keys', function () {
  this.timeout(120_000);
  let leaf: ReturnType<typeof encryptionKeys>;
  let ca: ReturnType<typeof encryptionKeys>;
  let caCert: string;
  let leafCert: string;

  before(() => {
    leaf = encryptionKeys('participant-a');
    ca = encryptionKeys('participant-b', 'dev-ca');
    caCert = certificate(ca.privateJwk, 'ZSA Dev CA (development only)');
    leafCert = certificate(leaf.publicJwk, 'participant-a (development only)', { jwk: ca.privateJwk, cn: 'ZSA Dev CA (development only)' });
  });

  it('accepts a leaf that carries the JWK key, issued by the next certificate, ending in a trusted anchor', async () => {
    const jwk = { ...leaf.publicJwk, x5c: [leafCert, caCert] };
    expect(checkX5c(jwk, { trustAnchors: [new X509Certificate(Buffer.from(caCert, 'base64'))] })).to.deep.equal([]);
    expect(await encryptFor(Buffer.from('x'), jwk)).to.match(/^ey/);
  });

  it('refuses a leaf certificate that carries another key', async () => {
    const e = await expectRefused(() => encryptFor(Buffer.from('x'), { ...leaf.publicJwk, x5c: [caCert] }), 'GW_KEY_UNSUITABLE', 'key.x5c');
    expect(e.message).to.match(/different public key/);
  });

  it('refuses an expired certificate', async () => {
    const old = certificate(leaf.publicJwk, 'old', { jwk: ca.privateJwk, cn: 'ZSA Dev CA (development only)' }, { from: -30 * DAY, to: -DAY });
    const e = await expectRefused(() => encryptFor(Buffer.from('x'), { ...leaf.publicJwk, x5c: [old, caCert] }), 'GW_KEY_UNSUITABLE', 'key.x5c');
    expect(e.message).to.match(/not valid at/);
  });

  it('refuses a chain whose certificates do not sign each other, and one outside the trust anchors', () => {
    const selfSigned = certificate(leaf.privateJwk, 'self');
    expect(checkX5c({ ...leaf.publicJwk, x5c: [selfSigned, caCert] })[0]!.message).to.match(/not issued and signed/);
    const otherCa = new X509Certificate(Buffer.from(certificate(leaf.privateJwk, 'Other CA'), 'base64'));
    expect(checkX5c({ ...leaf.publicJwk, x5c: [leafCert, caCert] }, { trustAnchors: [otherCa] })[0]!.message).to.match(/trusted CA/);
  });

  it('refuses x5c entries that are not standard-base64 DER', () => {
    expect(checkX5c({ ...leaf.publicJwk, x5c: ['not-base64_'] })[0]!.path).to.equal('/x5c/0');
    expect(checkX5c({ ...leaf.publicJwk, x5c: ['AAAA'] })[0]!.message).to.match(/DER/);
    expect(checkX5c({ ...leaf.publicJwk, x5c: [] })).to.have.length(1);
  });
});
