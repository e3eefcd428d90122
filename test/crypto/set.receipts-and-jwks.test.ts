import { expect } from 'chai';
import { importJWK, SignJWT, type JWK } from 'jose';
import { PRIVATE_JWK_MEMBERS } from '../../gateway/crypto/jwk.js';
import { eventOf, messageSubject, publicJwks, SET_EVENT_TYPES, signSet, verifySet, vorgangRef, type GatewayEvent } from '../../gateway/crypto/set.js';
import { b64url, encryptionKeys, expectRefused, signingKeys } from './support.js';

const ISSUER = 'https://gateway.zsa.example/';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const receipt: GatewayEvent = {
  kind: 'receipt',
  issuer: ISSUER,
  subject: messageSubject('gw-0001'),
  txn: vorgangRef('V-2024-0001'),
  details: { state: 'queued', messageUuid: '6f1c2a44-1d7e-4c3b-9d7a-2b3c4d5e6f70', author: 'efa:hund-portal', sha512: 'ab'.repeat(64), receivedAt: '2024-05-02T10:00:00.000Z' },
  occurredAt: new Date('2024-05-02T10:00:00Z'),
};

function reencode(token: string, part: 0 | 1, change: (v: Record<string, unknown>) => Record<string, unknown>): string {
  const parts = token.split('.');
  parts[part] = b64url(change(JSON.parse(Buffer.from(parts[part]!, 'base64url').toString()) as Record<string, unknown>));
  return parts.join('.');
}

describe('signed receipts and events (SET, RFC 8417, PS512)', function () {
  this.timeout(60_000);
  let gw: ReturnType<typeof signingKeys>;
  let other: ReturnType<typeof signingKeys>;
  let jwks: { keys: JWK[] };
  let token: string;

  before(async () => {
    gw = signingKeys('gateway-sig', 'gw-2024');
    other = signingKeys('participant-b', 'other-sig');
    jwks = publicJwks([gw.privateJwk]);
    token = await signSet(receipt, gw.privateJwk, { now: new Date('2024-05-02T10:00:01Z') });
  });

  it('signs a secevent+jwt with alg PS512 and the key\'s kid', () => {
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as Record<string, unknown>;
    expect(header).to.deep.equal({ alg: 'PS512', typ: 'secevent+jwt', kid: 'gw-2024' });
  });

  it('carries jti, iss, iat, toe, sub, txn and exactly one event with its details, and verifies against the JWKS', async () => {
    const claims = await verifySet(token, jwks, { issuer: ISSUER, now: new Date('2024-05-02T10:05:00Z') });
    expect(claims.jti).to.match(UUID);
    expect(claims).to.include({ iss: ISSUER, iat: 1714644001, toe: 1714644000, sub: 'message:gw-0001', txn: 'vorgang:V-2024-0001' });
    expect(eventOf(claims)).to.deep.equal({ type: SET_EVENT_TYPES.receipt, details: receipt.details });
  });

  it('signs state changes and rejections under their own event types', async () => {
    const change: GatewayEvent = {
      kind: 'stateChange',
      issuer: ISSUER,
      subject: messageSubject('gw-0001'),
      txn: vorgangRef('V-2024-0001'),
      details: { from: 'retrying', to: 'dead', messageUuid: receipt.details.messageUuid, reason: 'HTTP 410 from Fachverfahren', attempt: 5 },
    };
    const rejection: GatewayEvent = {
      kind: 'rejection',
      issuer: ISSUER,
      subject: 'message:none',
      txn: vorgangRef('unknown'),
      details: { code: 'GW_XSD_INVALID', reason: 'line 3: element rasse missing', messageUuid: null, author: 'efa:hund-portal', sha512: 'cd'.repeat(64) },
    };
    for (const [event, type] of [[change, SET_EVENT_TYPES.stateChange], [rejection, SET_EVENT_TYPES.rejection]] as const) {
      expect(eventOf(await verifySet(await signSet(event, gw.privateJwk), jwks)).type).to.equal(type);
    }
  });

  describe('verification refuses', () => {
    it('a changed payload (set.signature)', () => expectRefused(() => verifySet(reencode(token, 1, (c) => ({ ...c, sub: 'message:gw-0002' })), jwks), 'GW_SET_INVALID', 'set.signature'));

    it('a changed header (set.signature)', () => expectRefused(() => verifySet(reencode(token, 0, (h) => ({ ...h, x: 1 })), jwks), 'GW_SET_INVALID', 'set.signature'));

    it('a token signed with another key under the gateway\'s kid (set.signature)', async () => {
      const forged = await signSet(receipt, { ...other.privateJwk, kid: 'gw-2024' });
      await expectRefused(() => verifySet(forged, jwks), 'GW_SET_INVALID', 'set.signature');
    });

    it('a kid not in the key set (set.kid)', async () => expectRefused(async () => verifySet(await signSet(receipt, other.privateJwk), jwks), 'GW_SET_INVALID', 'set.kid'));

    it('alg none, HS512 with the public key as secret, and RS512 (set.alg)', async () => {
      const unsigned = `${b64url({ alg: 'none', typ: 'secevent+jwt', kid: 'gw-2024' })}.${token.split('.')[1]}.`;
      await expectRefused(() => verifySet(unsigned, jwks), 'GW_SET_INVALID', 'set.alg');
      const hmac = await new SignJWT({ events: { [SET_EVENT_TYPES.receipt]: {} } })
        .setProtectedHeader({ alg: 'HS512', typ: 'secevent+jwt', kid: 'gw-2024' })
        .sign(Buffer.from(JSON.stringify(jwks.keys[0])));
      await expectRefused(() => verifySet(hmac, jwks), 'GW_SET_INVALID', 'set.alg');
      const rs512 = await new SignJWT({ events: {} })
        .setProtectedHeader({ alg: 'RS512', typ: 'secevent+jwt', kid: 'gw-2024' })
        .sign(await importJWK(gw.privateJwk, 'RS512'));
      await expectRefused(() => verifySet(rs512, jwks), 'GW_SET_INVALID', 'set.alg');
    });

    it('a plain JWT typ (set.typ) and crit (set.header)', async () => {
      const key = await importJWK(gw.privateJwk, 'PS512');
      const jwt = await new SignJWT({}).setProtectedHeader({ alg: 'PS512', typ: 'JWT', kid: 'gw-2024' }).sign(key);
      await expectRefused(() => verifySet(jwt, jwks), 'GW_SET_INVALID', 'set.typ');
      await expectRefused(() => verifySet(reencode(token, 0, (h) => ({ ...h, crit: ['b64'], b64: true })), jwks), 'GW_SET_INVALID', 'set.header');
    });

    it('two events in one token, or none (set.claims)', async () => {
      const key = await importJWK(gw.privateJwk, 'PS512');
      const sign = (events: unknown) =>
        new SignJWT({ events, txn: 'vorgang:x' }).setProtectedHeader({ alg: 'PS512', typ: 'secevent+jwt', kid: 'gw-2024' }).setJti('j').setIssuer(ISSUER).setSubject('message:x').setIssuedAt().sign(key);
      await expectRefused(async () => verifySet(await sign({ a: {}, b: {} }), jwks), 'GW_SET_INVALID', 'set.claims');
      await expectRefused(async () => verifySet(await sign({}), jwks), 'GW_SET_INVALID', 'set.claims');
      await expectRefused(async () => verifySet(await sign({ a: 'text' }), jwks), 'GW_SET_INVALID', 'set.claims');
    });

    it('another issuer, a token older than the policy allows, or issued in the future (set.issuer, set.age)', async () => {
      await expectRefused(() => verifySet(token, jwks, { issuer: 'https://other.example/' }), 'GW_SET_INVALID', 'set.issuer');
      await expectRefused(() => verifySet(token, jwks, { maxAgeSec: 3600, now: new Date('2024-05-03T10:00:00Z') }), 'GW_SET_INVALID', 'set.age');
      await expectRefused(() => verifySet(token, jwks, { now: new Date('2024-05-01T10:00:00Z') }), 'GW_SET_INVALID', 'set.age');
    });

    it('malformed tokens (set.structure)', async () => {
      for (const bad of ['', 'a.b', `${token}.x`, 'a.b.c', 42 as unknown as string]) {
        await expectRefused(() => verifySet(bad, jwks), 'GW_SET_INVALID');
      }
    });
  });

  describe('signing refuses', () => {
    it('a key under 4096 bits, an encryption key, or a public key (GW_KEY_UNSUITABLE)', async () => {
      await expectRefused(() => signSet(receipt, signingKeys('small', 'small-sig', 2048).privateJwk), 'GW_KEY_UNSUITABLE', 'key.n');
      await expectRefused(() => signSet(receipt, encryptionKeys('participant-b').privateJwk), 'GW_KEY_UNSUITABLE', 'key.alg');
      await expectRefused(() => signSet(receipt, gw.publicJwk), 'GW_KEY_UNSUITABLE', 'key.d');
    });

    it('a subject, txn or issuer of the wrong shape (GW_BAD_REQUEST)', async () => {
      await expectRefused(() => signSet({ ...receipt, subject: 'gw-0001' }, gw.privateJwk), 'GW_BAD_REQUEST');
      await expectRefused(() => signSet({ ...receipt, txn: 'vorgang: x' }, gw.privateJwk), 'GW_BAD_REQUEST');
      await expectRefused(() => signSet({ ...receipt, issuer: 'gateway' }, gw.privateJwk), 'GW_BAD_REQUEST');
    });
  });

  describe('the published JWKS (/.well-known/jwks.json)', () => {
    it('holds only public members of every key, with public key operations', () => {
      const enc = encryptionKeys('participant-a', 'gw-enc');
      const set = publicJwks([gw.privateJwk, { ...enc.privateJwk, key_ops: ['unwrapKey', 'decrypt'] }, { ...gw.privateJwk, kid: 'ops', use: undefined, key_ops: ['sign'] }]);
      const text = JSON.stringify(set);
      for (const key of set.keys) for (const m of PRIVATE_JWK_MEMBERS) expect(key, `${key.kid} leaks ${m}`).to.not.have.property(m);
      expect(text).to.not.contain(gw.privateJwk.d!.slice(0, 40));
      expect(set.keys.map((k) => k.key_ops)).to.deep.equal([undefined, ['wrapKey', 'encrypt'], ['verify']]);
      expect(set.keys[0]).to.deep.equal({ kty: 'RSA', kid: 'gw-2024', use: 'sig', alg: 'PS512', n: gw.publicJwk.n, e: 'AQAB' });
    });

    it('refuses symmetric keys and duplicate kids', async () => {
      await expectRefused(() => publicJwks([{ kty: 'oct', k: 'c2VjcmV0', kid: 'hmac' }]), 'GW_KEY_UNSUITABLE');
      await expectRefused(() => publicJwks([gw.privateJwk, gw.publicJwk]), 'GW_CONFIG_INVALID');
    });
  });
});
