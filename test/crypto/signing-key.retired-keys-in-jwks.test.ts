import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { JWK } from 'jose';
import request from 'supertest';
import { hasPrivateMembers, publicJwk } from '../../gateway/crypto/jwk.js';
import { publicJwks, signSet, verifySet } from '../../gateway/crypto/set.js';
import { readRetiredSigningKeys, SigningKey } from '../../gateway/crypto/signing-key.js';
import { startTestGateway, testConfig } from '../support/gateway.js';
import { expectRefused, signingKeys } from './support.js';

/** Signing-key rotation (docs/operations.md): earlier keys stay in the JWKS, for verification only. */
describe('receipt signing key rotation: retired keys are published beside the current one', function () {
  this.timeout(120_000); // RSA-4096 key generation
  const dir = mkdtempSync(join(tmpdir(), 'zsa-retired-sig-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const current = signingKeys('rotation-current').privateJwk;
  const old = signingKeys('rotation-old').privateJwk;
  const file = (name: string, body: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof body === 'string' ? body : JSON.stringify(body));
    return path;
  };

  it('reads a retired key from its public JWK or from the old private file, keeping only the public half', () => {
    const fromPublic = readRetiredSigningKeys([file('old.public.jwk.json', publicJwk(old))]);
    const fromPrivate = readRetiredSigningKeys([file('old.private.jwk.json', old)]);
    expect(fromPublic).to.deep.equal(fromPrivate);
    expect(fromPublic[0]!.kid).to.equal(old.kid);
    expect(hasPrivateMembers(fromPrivate[0]!)).to.equal(false);
  });

  it('stops the start on a missing file, a file that is no JWK, or a key below the signing profile', async () => {
    await expectRefused(() => readRetiredSigningKeys([join(dir, 'missing.json')]), 'GW_CONFIG_INVALID');
    await expectRefused(() => readRetiredSigningKeys([file('garbage.json', 'not json')]), 'GW_CONFIG_INVALID');
    const small = signingKeys('rotation-small', 'rotation-small-sig', 2048).publicJwk;
    await expectRefused(() => readRetiredSigningKeys([file('small.jwk.json', small)]), 'GW_KEY_UNSUITABLE', 'key.n');
  });

  it('published(): the current key first, then the retired ones; a retired copy of the current key is left out', async () => {
    const key = new SigningKey(file('current.private.jwk.json', current), false, () => undefined, [publicJwk(old), publicJwk(current)]);
    const keys = await key.published();
    expect(keys.map((k) => k.kid)).to.deep.equal([current.kid, old.kid]);
    expect(keys.some(hasPrivateMembers)).to.equal(false);
    expect((await new SigningKey(join(dir, 'current.private.jwk.json'), false).published()).map((k) => k.kid)).to.deep.equal([current.kid]);
  });

  it('a served gateway publishes the retired key, so a SET signed before the rotation still verifies against its JWKS', async () => {
    const cfg = testConfig();
    cfg.crypto.signingKeyFile = file('served-current.jwk.json', current);
    cfg.crypto.retiredSigningKeyFiles = [file('served-old.public.jwk.json', publicJwk(old))];
    const gw = await startTestGateway(cfg);
    try {
      const jwks = JSON.parse((await request(gw.url).get('/.well-known/jwks.json')).text) as { keys: JWK[] };
      expect(jwks.keys.map((k) => k.kid)).to.deep.equal([current.kid, old.kid]);
      const before = await signSet({ kind: 'auditCheckpoint', issuer: 'https://gateway.example.org/', subject: 'message:m-1', txn: 'vorgang:v-1', details: { seq: 1, hash: 'a'.repeat(64) } }, old);
      expect((await verifySet(before, jwks)).sub).to.equal('message:m-1');
      const withoutRetired = publicJwks([current]);
      let refused = false;
      await verifySet(before, withoutRetired).catch(() => (refused = true));
      expect(refused, 'without the retired key the old SET must not verify').to.equal(true);
    } finally {
      await gw.stop();
    }
  });
});
