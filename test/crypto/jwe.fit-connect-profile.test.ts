import { expect } from 'chai';
import { CompactEncrypt, importJWK, type JWK } from 'jose';
import { decryptWith, encryptFor, isCompactJwe } from '../../gateway/crypto/jwe.js';
import { PrivateKeyRing } from '../../gateway/crypto/keyring.js';
import { PRIVATE_JWK_MEMBERS } from '../../gateway/crypto/jwk.js';
import { b64url, encryptionKeys, expectRefused, rsaPair } from './support.js';

const PART = { protected: 0, encrypted_key: 1, iv: 2, ciphertext: 3, tag: 4 } as const;

/** Changes one character in the middle of a part so that its decoded bytes differ. */
function tamper(jwe: string, part: keyof typeof PART): string {
  const parts = jwe.split('.');
  const p = parts[PART[part]]!;
  const i = Math.floor(p.length / 2);
  parts[PART[part]] = p.slice(0, i) + (p[i] === 'A' ? 'B' : 'A') + p.slice(i + 1);
  expect(Buffer.from(parts[PART[part]]!, 'base64url')).to.not.deep.equal(Buffer.from(p, 'base64url'));
  return parts.join('.');
}

function withHeader(jwe: string, header: Record<string, unknown>): string {
  return [b64url(header), ...jwe.split('.').slice(1)].join('.');
}

describe('JWE in the FIT-Connect profile (RSA-OAEP-256 + A256GCM)', function () {
  this.timeout(60_000);
  const payload = Buffer.from('<hund.anmeldung.0101>synthetisch</hund.anmeldung.0101>');
  let a: ReturnType<typeof encryptionKeys>;
  let b: ReturnType<typeof encryptionKeys>;
  let ringA: PrivateKeyRing;
  let jwe: string;

  before(async () => {
    a = encryptionKeys('participant-a');
    b = encryptionKeys('participant-b');
    ringA = await PrivateKeyRing.fromJwks([a.privateJwk]);
    jwe = await encryptFor(payload, a.publicJwk, { cty: 'application/xml' });
  });

  describe('round trip', () => {
    it('decrypts with the key of the kid it was encrypted to, and returns payload, kid and header', async () => {
      const out = await decryptWith(jwe, ringA);
      expect(Buffer.from(out.payload)).to.deep.equal(payload);
      expect(out.kid).to.equal('participant-a-enc');
      expect(out.header).to.deep.equal({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'participant-a-enc', cty: 'application/xml' });
    });

    it('writes exactly the profile header and a 512-byte encrypted key, 12-byte IV and 16-byte tag', () => {
      const [h, ek, iv, , tag] = jwe.split('.') as [string, string, string, string, string];
      expect(JSON.parse(Buffer.from(h, 'base64url').toString())).to.deep.equal({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'participant-a-enc', cty: 'application/xml' });
      expect([ek, iv, tag].map((p) => Buffer.from(p, 'base64url').length)).to.deep.equal([512, 12, 16]);
    });

    it('uses a fresh content key and IV per call', async () => {
      const again = await encryptFor(payload, a.publicJwk, { cty: 'application/xml' });
      expect(again.split('.')[1]).to.not.equal(jwe.split('.')[1]);
      expect(again.split('.')[2]).to.not.equal(jwe.split('.')[2]);
    });

    it('accepts bytes with a trailing newline and an empty payload', async () => {
      const empty = await encryptFor(new Uint8Array(), a.publicJwk);
      expect((await decryptWith(Buffer.from(`${empty}\n`), ringA)).payload).to.have.length(0);
    });

    it('holds several keys for rotation and decrypts with whichever the kid names', async () => {
      const both = await PrivateKeyRing.fromJwks([a.privateJwk, b.privateJwk]);
      const toB = await encryptFor(payload, b.publicJwk);
      expect((await decryptWith(toB, both)).kid).to.equal('participant-b-enc');
      expect((await decryptWith(jwe, both)).kid).to.equal('participant-a-enc');
    });
  });

  describe('decryption refuses', () => {
    it('a JWE to a key the ring does not hold (GW_JWE_KEY_UNKNOWN, naming the kid sent but never the ring\'s key ids)', async () => {
      const e = await expectRefused(async () => decryptWith(await encryptFor(payload, b.publicJwk), ringA), 'GW_JWE_KEY_UNKNOWN', 'jwe.kid');
      expect(e.extra).to.deep.equal({ kid: 'participant-b-enc' });
      expect(JSON.stringify({ message: e.message, issues: e.issues, extra: e.extra })).not.to.include('participant-a-enc');
    });

    it('a JWE made for another key that carries our kid (authentication fails)', async () => {
      const impostor: JWK = { ...b.publicJwk, kid: 'participant-a-enc' };
      await expectRefused(async () => decryptWith(await encryptFor(payload, impostor), ringA), 'GW_JWE_INVALID', 'jwe.decrypt');
    });

    for (const part of Object.keys(PART) as Array<keyof typeof PART>) {
      it(`a JWE whose ${part} was altered`, async () => {
        const e = await expectRefused(() => decryptWith(tamper(jwe, part), ringA), 'GW_JWE_INVALID');
        expect(e.issues[0]!.rule).to.be.oneOf(['jwe.decrypt', 'jwe.header', 'jwe.structure']);
      });
    }

    it('a header changed into another valid profile header (it is authenticated as AAD)', async () => {
      await expectRefused(() => decryptWith(withHeader(jwe, { alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'participant-a-enc', cty: 'text/plain' }), ringA), 'GW_JWE_INVALID', 'jwe.decrypt');
    });

    const offProfile: Array<[string, Record<string, unknown>, string]> = [
      ['alg none', { alg: 'none', enc: 'A256GCM', kid: 'participant-a-enc' }, 'jwe.alg'],
      ['alg RSA1_5', { alg: 'RSA1_5', enc: 'A256GCM', kid: 'participant-a-enc' }, 'jwe.alg'],
      ['alg RSA-OAEP (SHA-1)', { alg: 'RSA-OAEP', enc: 'A256GCM', kid: 'participant-a-enc' }, 'jwe.alg'],
      ['alg dir', { alg: 'dir', enc: 'A256GCM', kid: 'participant-a-enc' }, 'jwe.alg'],
      ['no alg', { enc: 'A256GCM', kid: 'participant-a-enc' }, 'jwe.alg'],
      ['enc A128GCM', { alg: 'RSA-OAEP-256', enc: 'A128GCM', kid: 'participant-a-enc' }, 'jwe.enc'],
      ['enc A256CBC-HS512', { alg: 'RSA-OAEP-256', enc: 'A256CBC-HS512', kid: 'participant-a-enc' }, 'jwe.enc'],
      ['zip DEF', { alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'participant-a-enc', zip: 'DEF' }, 'jwe.zip'],
      ['crit', { alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'participant-a-enc', crit: ['exp'], exp: 1 }, 'jwe.crit'],
      ['no kid', { alg: 'RSA-OAEP-256', enc: 'A256GCM' }, 'jwe.kid'],
      ['a header that is an array', [] as unknown as Record<string, unknown>, 'jwe.header'],
    ];
    for (const [name, header, rule] of offProfile) {
      it(`${name} (${rule})`, () => expectRefused(() => decryptWith(withHeader(jwe, header), ringA), 'GW_JWE_INVALID', rule));
    }

    it('a real A128GCM JWE made by jose (enc outside the profile)', async () => {
      const key = await importJWK({ kty: 'RSA', n: a.publicJwk.n, e: a.publicJwk.e }, 'RSA-OAEP-256');
      const other = await new CompactEncrypt(payload).setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A128GCM', kid: 'participant-a-enc' }).encrypt(key);
      await expectRefused(() => decryptWith(other, ringA), 'GW_JWE_INVALID', 'jwe.enc');
    });

    const broken: Array<[string, () => string, string]> = [
      ['four parts', () => jwe.split('.').slice(0, 4).join('.'), 'jwe.structure'],
      ['six parts', () => `${jwe}.x`, 'jwe.structure'],
      ['the empty string', () => '', 'jwe.structure'],
      ['padding in a part', () => jwe.replace(/\.([^.]*)$/, '.$1=='), 'jwe.structure'],
      ['a standard-base64 character', () => tamper(jwe, 'ciphertext').replace(/\.([^.]{3})/, '.+$1'), 'jwe.structure'],
      ['a ciphertext cut short', () => { const p = jwe.split('.'); p[3] = p[3]!.slice(0, 3); return p.join('.'); }, 'jwe.decrypt'],
      ['an IV of 8 bytes', () => { const p = jwe.split('.'); p[2] = b64url('12345678'); return p.join('.'); }, 'jwe.part-length'],
      ['a tag of 12 bytes', () => { const p = jwe.split('.'); p[4] = p[4]!.slice(0, 16); return p.join('.'); }, 'jwe.part-length'],
      ['an encrypted key of 256 bytes', () => { const p = jwe.split('.'); p[1] = Buffer.alloc(256, 7).toString('base64url'); return p.join('.'); }, 'jwe.part-length'],
      ['a missing encrypted key', () => { const p = jwe.split('.'); p[1] = ''; return p.join('.'); }, 'jwe.part-length'],
      ['a header that is not JSON', () => [b64url('{"alg":'), ...jwe.split('.').slice(1)].join('.'), 'jwe.header'],
    ];
    for (const [name, make, rule] of broken) {
      it(`a JWE with ${name} (${rule})`, () => expectRefused(() => decryptWith(make(), ringA), 'GW_JWE_INVALID', rule));
    }

    it('input that is neither string nor bytes, and invalid UTF-8', async () => {
      await expectRefused(() => decryptWith(42 as unknown as string, ringA), 'GW_JWE_INVALID', 'jwe.structure');
      await expectRefused(() => decryptWith(Buffer.from([0xff, 0xfe, 0x2e]), ringA), 'GW_JWE_INVALID', 'jwe.structure');
    });
  });

  describe('encryption refuses keys outside the profile', () => {
    const refused: Array<[string, () => JWK, string]> = [
      ['a 2048-bit key', () => encryptionKeys('small', 'small-enc', 2048).publicJwk, 'key.n'],
      ['alg RSA-OAEP', () => ({ ...a.publicJwk, alg: 'RSA-OAEP' }), 'key.alg'],
      ['no alg', () => { const { alg: _alg, ...k } = a.publicJwk; return k; }, 'key.alg'],
      ['use "sig"', () => { const { key_ops: _ops, ...k } = a.publicJwk; return { ...k, use: 'sig' }; }, 'key.use'],
      ['key_ops ["verify"]', () => ({ ...a.publicJwk, key_ops: ['verify'] }), 'key.key_ops'],
      ['neither use nor key_ops', () => { const { key_ops: _ops, ...k } = a.publicJwk; return k; }, 'key.use'],
      ['no kid', () => { const { kid: _kid, ...k } = a.publicJwk; return k; }, 'key.kid'],
      ['a private key', () => ({ ...a.privateJwk, key_ops: ['wrapKey'] }), 'key.d'],
      ['an EC key', () => ({ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'ec', alg: 'RSA-OAEP-256', use: 'enc' }), 'key.kty'],
      ['exponent 3', () => ({ ...a.publicJwk, e: 'Aw' }), 'key.e'],
    ];
    for (const [name, key, rule] of refused) {
      it(`${name} (${rule})`, () => expectRefused(() => encryptFor(payload, key()), 'GW_KEY_UNSUITABLE', rule));
    }

    it('accepts use "enc" as well as FIT-Connect\'s key_ops ["wrapKey"]', async () => {
      const { key_ops: _ops, ...k } = a.publicJwk;
      expect(await decryptWith(await encryptFor(payload, { ...k, use: 'enc' }), ringA)).to.have.property('kid', 'participant-a-enc');
    });

    it('refuses a malformed cty', () => expectRefused(() => encryptFor(payload, a.publicJwk, { cty: 'a\nb' }), 'GW_BAD_REQUEST'));
  });

  describe('the private key ring', () => {
    it('lists every problem of the configured keys at once (GW_CONFIG_INVALID)', async () => {
      const small = encryptionKeys('small', 'small-enc', 2048).privateJwk;
      const e = await expectRefused(() => PrivateKeyRing.fromJwks([a.publicJwk, small, a.privateJwk, { ...a.privateJwk }]), 'GW_CONFIG_INVALID');
      expect(e.issues.map((i) => `${i.path} ${i.rule}`)).to.include.members([
        'crypto.jwe.keys/0/key_ops key.key_ops',
        'crypto.jwe.keys/0/d key.d',
        'crypto.jwe.keys/1/n key.n',
        'crypto.jwe.keys/3/kid key.kid',
      ]);
    });

    it('publishes only public members', async () => {
      const { keys } = ringA.publicJwks();
      expect(keys).to.have.length(1);
      for (const m of PRIVATE_JWK_MEMBERS) expect(keys[0]).to.not.have.property(m);
      expect(keys[0]).to.include({ kid: 'participant-a-enc', alg: 'RSA-OAEP-256' });
      expect(keys[0]!.key_ops).to.deep.equal(['wrapKey']);
    });
  });

  describe('isCompactJwe', () => {
    it('recognises a compact JWE as string or bytes, with surrounding whitespace', () => {
      expect(isCompactJwe(jwe)).to.equal(true);
      expect(isCompactJwe(Buffer.from(` ${jwe}\r\n`))).to.equal(true);
    });

    it('says no to XML, JSON, a JWS, random text and non-strings', () => {
      const jws = `${b64url({ alg: 'PS512' })}.${b64url({})}.sig`;
      for (const other of ['<?xml version="1.0"?><a/>', '{"alg":"x"}', jws, 'ey.a.b.c.d', 'eyJ.x.y.z.w', '', rsaPair('participant-a').publicJwk.n!]) {
        expect(isCompactJwe(other), other.slice(0, 30)).to.equal(false);
      }
      expect(isCompactJwe(null as unknown as string)).to.equal(false);
    });
  });
});
