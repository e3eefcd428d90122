import { expect } from 'chai';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { calculateJwkThumbprint, compactDecrypt, CompactEncrypt, compactVerify, CompactSign, importJWK, type JWK } from 'jose';
import { DEV_LABEL, generateDevPki, LAYOUT } from '../../certs-dev/generate.js';
import { certificatesOf } from '../../gateway/auth/crl.js';
import { PARTICIPANTS, PKI_TIMEOUT_MS, testPki, type TestPki } from './pki-fixture.js';

type DevJwk = JWK & { kid: string; x5c: string[] };
const ENC_OPTIONS = { alg: 'RSA-OAEP-256', enc: 'A256GCM' } as const;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe('development PKI: keys, chains, labels and end-to-end encryption', function () {
  let pki: TestPki;
  const read = (rel: string) => readFileSync(join(pki.dir, rel), 'utf8');
  const jwk = (rel: string) => JSON.parse(read(rel)) as DevJwk;

  before(async function () {
    this.timeout(PKI_TIMEOUT_MS);
    pki = await testPki();
  });

  it('gives every participant and the gateway an RSA-4096 encryption JWK whose x5c chain verifies up to the root', async () => {
    const root = new X509Certificate(read(LAYOUT.root));
    const keys = [...PARTICIPANTS.map((p) => LAYOUT.encPublic(p.id)), LAYOUT.gatewayEncPublic];
    for (const rel of keys) {
      const k = jwk(rel);
      expect(k, rel).to.include({ kty: 'RSA', use: 'enc', alg: 'RSA-OAEP-256' });
      expect(k).to.not.have.any.keys('d', 'p', 'q', 'dp', 'dq', 'qi');
      expect(Buffer.from(k.n!, 'base64url').length * 8, 'modulus bits').to.equal(4096);
      expect(k.kid).to.equal(await calculateJwkThumbprint({ kty: 'RSA', n: k.n!, e: k.e! }, 'sha256'));
      const [leaf, intermediate, top] = k.x5c.map((b) => new X509Certificate(Buffer.from(b, 'base64')));
      expect(k.x5c).to.have.length(3);
      expect(leaf!.publicKey.export({ format: 'jwk' }).n, 'x5c[0] certifies this key').to.equal(k.n);
      expect(leaf!.checkIssued(intermediate!) && leaf!.verify(intermediate!.publicKey), 'leaf signed by intermediate').to.equal(true);
      expect(intermediate!.checkIssued(top!) && intermediate!.verify(top!.publicKey), 'intermediate signed by root').to.equal(true);
      expect(top!.fingerprint256, 'chain ends at the generated root').to.equal(root.fingerprint256);
      expect(top!.verify(root.publicKey)).to.equal(true);
    }
  });

  it('encrypts with jose (RSA-OAEP-256, A256GCM) to one participant: only that participant can decrypt', async () => {
    const [a, b] = [PARTICIPANTS[0].id, PARTICIPANTS[1].id];
    const plaintext = new TextEncoder().encode('<hund.anmeldung.0101>synthetic</hund.anmeldung.0101>');
    const pub = jwk(LAYOUT.encPublic(a));
    const jwe = await new CompactEncrypt(plaintext).setProtectedHeader({ ...ENC_OPTIONS, kid: pub.kid }).encrypt(await importJWK(pub, 'RSA-OAEP-256'));
    const own = jwk(LAYOUT.encPrivate(a));
    expect(own.kid).to.equal(pub.kid);
    const { plaintext: back, protectedHeader } = await compactDecrypt(jwe, await importJWK(own, 'RSA-OAEP-256'));
    expect(new TextDecoder().decode(back)).to.equal(new TextDecoder().decode(plaintext));
    expect(protectedHeader).to.include({ ...ENC_OPTIONS, kid: pub.kid });
    const other = await importJWK(jwk(LAYOUT.encPrivate(b)), 'RSA-OAEP-256');
    let refused: unknown;
    await compactDecrypt(jwe, other).catch((e: unknown) => (refused = e));
    expect(refused, `${b} must not decrypt what was encrypted to ${a}`).to.have.property('code', 'ERR_JWE_DECRYPTION_FAILED');
  });

  it('gives the gateway a PS512 signing key: signed with the private JWK, verified with the published JWKS', async () => {
    const priv = jwk(LAYOUT.gatewaySigPrivate);
    const jwks = JSON.parse(read(LAYOUT.gatewayJwks)) as { keys: DevJwk[] };
    const pub = jwks.keys.find((k) => k.kid === priv.kid)!;
    expect(pub).to.include({ use: 'sig', alg: 'PS512' });
    expect(jwks.keys.map((k) => k.use).sort()).to.deep.equal(['enc', 'sig']);
    const jws = await new CompactSign(new TextEncoder().encode('{"jti":"t"}')).setProtectedHeader({ alg: 'PS512', kid: priv.kid }).sign(await importJWK(priv, 'PS512'));
    expect((await compactVerify(jws, await importJWK(pub, 'PS512'))).protectedHeader.kid).to.equal(priv.kid);
  });

  it('labels every certificate subject, every file and the README as development-only, and keeps private files 0600', () => {
    const all = filesUnder(pki.dir);
    expect(all.length).to.be.greaterThan(20);
    for (const f of all) {
      const text = readFileSync(f, 'utf8');
      expect(text, relative(pki.dir, f)).to.contain(DEV_LABEL);
      for (const c of certificatesOf(text)) expect(c.subject, relative(pki.dir, f)).to.contain(`O=${DEV_LABEL}`);
      const secret = /\.key\.pem$|\.private\.jwk\.json$/.test(f);
      if (secret) expect(statSync(f).mode & 0o077, `${relative(pki.dir, f)} readable by others`).to.equal(0);
    }
    expect(read(LAYOUT.readme).split('\n')[0]).to.equal(`# ${DEV_LABEL}`);
  });

  it('issues the server certificate for localhost and 127.0.0.1 with serverAuth, client certificates with clientAuth and the participant URIs', () => {
    const server = new X509Certificate(read(LAYOUT.serverCert));
    expect(server.subjectAltName).to.contain('DNS:localhost').and.to.contain('IP Address:127.0.0.1');
    expect(server.keyUsage).to.deep.equal(['1.3.6.1.5.5.7.3.1']);
    for (const p of PARTICIPANTS) {
      const c = new X509Certificate(read(LAYOUT.clientCert(p.id)));
      expect(c.subject).to.contain(`CN=${p.id}`);
      expect(c.keyUsage).to.deep.equal(['1.3.6.1.5.5.7.3.2']);
      expect(c.subjectAltName).to.equal(`URI:urn:zsa-gateway:participant:${p.id}, URI:urn:zsa-gateway:kennung:${p.kennung}`);
    }
  });

  it('refuses to overwrite a PKI without force, refuses a foreign non-empty folder, and replaces with force', async function () {
    this.timeout(PKI_TIMEOUT_MS);
    await generateDevPki({ outDir: pki.dir, participants: [] }).then(
      () => expect.fail('overwrote without force'),
      (e: Error) => expect(e.message).to.contain('use --force'),
    );
    const foreign = mkdtempSync(join(tmpdir(), 'zsa-not-pki-'));
    const small = mkdtempSync(join(tmpdir(), 'zsa-small-pki-'));
    try {
      writeFileSync(join(foreign, 'notes.txt'), 'mine');
      await generateDevPki({ outDir: foreign, participants: [] }).then(
        () => expect.fail('wrote into a foreign folder'),
        (e: Error) => expect(e.message).to.contain('holds no zsa-gateway development PKI'),
      );
      const tiny = { participants: [PARTICIPANTS[0]], rsaBits: 2048, tlsRsaBits: 2048 };
      const first = await generateDevPki({ outDir: small, ...tiny });
      const second = await generateDevPki({ outDir: small, ...tiny, force: true });
      expect(second.participants[0]!.clientSerial).to.not.equal(first.participants[0]!.clientSerial);
      expect(readdirSync(small)).to.include.members(['manifest.json', 'README.md', 'ca-root.pem']);
    } finally {
      rmSync(foreign, { recursive: true, force: true });
      rmSync(small, { recursive: true, force: true });
    }
  });
});
