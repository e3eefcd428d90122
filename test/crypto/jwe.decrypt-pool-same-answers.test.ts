import { expect } from 'chai';
import { DecryptPool } from '../../gateway/crypto/decrypt-pool.js';
import { decryptWith, encryptFor } from '../../gateway/crypto/jwe.js';
import { PrivateKeyRing } from '../../gateway/crypto/keyring.js';
import { encryptionKeys, expectRefused } from './support.js';

/**
 * `decryptWith` with a decryption pool (ADR 0041) answers exactly as without one: the same
 * plaintext, kid and header for a good JWE, the same refusals (code and rule) for an altered
 * one and for one outside the profile; a closed pool refuses with GW_NOT_READY (the gateway is
 * stopping), never with a sender's fault.
 */
describe('JWE decryption in the worker pool gives the answers of the main thread', function () {
  this.timeout(120_000);
  const keys = encryptionKeys('pool-participant');
  const pool = new DecryptPool(2);
  let ring: PrivateKeyRing;
  after(() => pool.close());
  before(async () => {
    ring = await PrivateKeyRing.fromJwks([keys.privateJwk]);
  });

  it('returns the same plaintext, kid and header, for many decryptions at once', async () => {
    const payloads = Array.from({ length: 6 }, (_, i) => Buffer.concat([Buffer.from(`<teil nr="${i}">`), Buffer.alloc(40_000 + i, 0x41 + i)]));
    const jwes = await Promise.all(payloads.map((p) => encryptFor(p, keys.publicJwk, { cty: 'application/xml' })));
    const inPool = await Promise.all(jwes.map((j) => decryptWith(j, ring, { pool })));
    const onMain = await Promise.all(jwes.map((j) => decryptWith(j, ring)));
    inPool.forEach((r, i) => {
      expect(Buffer.from(r.payload).equals(payloads[i]!), `payload ${i}`).to.equal(true);
      expect([r.kid, r.header]).to.deep.equal([onMain[i]!.kid, onMain[i]!.header]);
    });
  });

  it('refuses an altered ciphertext and a JWE to an unknown kid with the same code and rule', async () => {
    const jwe = await encryptFor(Buffer.from('synthetisch'), keys.publicJwk);
    const parts = jwe.split('.');
    const c = parts[3]!;
    parts[3] = (c[0] === 'A' ? 'B' : 'A') + c.slice(1);
    const altered = parts.join('.');
    const onMain = await expectRefused(() => decryptWith(altered, ring), 'GW_JWE_INVALID', 'jwe.decrypt');
    const inPool = await expectRefused(() => decryptWith(altered, ring, { pool }), 'GW_JWE_INVALID', 'jwe.decrypt');
    expect(inPool.message).to.equal(onMain.message);
    const other = encryptionKeys('pool-stranger');
    await expectRefused(async () => decryptWith(await encryptFor(Buffer.from('x'), other.publicJwk), ring, { pool }), 'GW_JWE_KEY_UNKNOWN');
  });

  it('answers GW_NOT_READY once the pool is closed', async () => {
    const closed = new DecryptPool(1);
    await closed.close();
    await expectRefused(async () => decryptWith(await encryptFor(Buffer.from('x'), keys.publicJwk), ring, { pool: closed }), 'GW_NOT_READY');
  });
});
