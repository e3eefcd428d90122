import { expect } from 'chai';
import type { JWK } from 'jose';
import { decryptWith } from '../../gateway/crypto/jwe.js';
import { PrivateKeyRing } from '../../gateway/crypto/keyring.js';
import { GatewayError } from '../../gateway/errors.js';
import { RecipientEncryption } from '../../gateway/outbox/recipient-encryption.js';
import { makeOutbound } from '../conformance/outbound.js';
import { encryptionKeys } from '../crypto/support.js';

/** A key map whose `get` refuses one endpoint as revoked, as crypto/config-keys.ts's checked keys do. */
class Keys extends Map<string, JWK> {
  revoked = new Set<string>();
  override get(endpoint: string): JWK | undefined {
    if (this.revoked.has(endpoint)) throw new GatewayError('GW_KEY_UNSUITABLE', 'revoked');
    return super.get(endpoint);
  }
}

describe('RecipientEncryption: what a reader gets for stored content', function () {
  this.timeout(60_000);
  const halle = encryptionKeys('unit-recipient-halle');
  const xml = Buffer.from('<nachricht>Jürgen</nachricht>');
  let ring: PrivateKeyRing;
  let keys: Keys;
  let enc: RecipientEncryption;
  const open = async (body: Buffer) => decryptWith(body, ring);

  before(async () => {
    ring = await PrivateKeyRing.fromJwks([halle.privateJwk]);
  });
  beforeEach(() => {
    keys = new Keys([['fv-halle', halle.publicJwk]]);
    enc = new RecipientEncryption(keys);
  });

  it('seals a stored payload, form, lease and attachment to the reader\'s key with the stored media type as cty', async () => {
    const cases = [
      [await enc.payload('fv-halle', xml), 'application/xml'],
      [await enc.form('fv-halle', { body: xml, mediaType: 'text/csv; charset=utf-8' }), 'text/csv;charset=utf-8'], // a mapped CSV form: no space in cty
      [await enc.lease('fv-halle', { payload: xml, form: { mediaType: 'application/json' } }), 'application/json'],
      [await enc.lease('fv-halle', { payload: xml }), 'application/xml'],
      [await enc.attachment('fv-halle', xml), 'application/octet-stream'],
    ] as const;
    for (const [sealed, cty] of cases) {
      expect(sealed.contentType).to.equal('application/jose');
      const got = await open(sealed.body);
      expect(Buffer.from(got.payload).equals(xml)).to.equal(true);
      expect(got.header.cty).to.equal(cty);
    }
  });

  it('hands a reader without a key (or without an endpoint) the bytes as stored, and a stored pass-through JWE as it came', async () => {
    expect(await enc.payload('fv-magdeburg', xml)).to.deep.equal({ body: xml, contentType: 'application/xml' });
    expect(await enc.payload(undefined, xml)).to.deep.equal({ body: xml, contentType: 'application/xml' });
    const passThrough = (await enc.payload('fv-halle', xml)).body;
    const again = await enc.payload('fv-halle', passThrough);
    expect(again.body).to.equal(passThrough);
    expect(again.contentType).to.equal('application/jose');
  });

  it('checks the key at each use: a key revoked now refuses every read and delivery, never plaintext', async () => {
    await enc.payload('fv-halle', xml);
    keys.revoked.add('fv-halle');
    for (const attempt of [() => enc.payload('fv-halle', xml), () => enc.lease('fv-halle', { payload: xml }), () => enc.outbound(makeOutbound(), 'fv-halle')]) {
      await attempt().then(
        () => expect.fail('a revoked key must refuse'),
        (err: unknown) => expect(err).to.be.instanceOf(GatewayError).with.property('code', 'GW_KEY_UNSUITABLE'),
      );
    }
  });

  it('a push delivery carries the JWE and its own sha512; without a key the message is unchanged', async () => {
    const msg = makeOutbound();
    expect(await enc.outbound(msg, 'fv-magdeburg')).to.equal(msg);
    const sealed = await enc.outbound(msg, 'fv-halle');
    expect(sealed.contentType).to.equal('application/jose');
    expect(sealed.sha512).to.not.equal(msg.sha512);
    expect(Buffer.from((await open(sealed.payload)).payload).equals(msg.payload)).to.equal(true);
  });

  it('sealTo always gives a JWE, also for content declared application/jose (FIT-Connect never hands plaintext on)', async () => {
    const sealed = await enc.sealTo(halle.publicJwk, xml, 'application/jose');
    const got = await open(Buffer.from(sealed, 'ascii'));
    expect(Buffer.from(got.payload).equals(xml)).to.equal(true);
    expect(got.header.cty).to.equal('application/octet-stream');
    expect(() => enc.requireKey('fv-magdeburg', 'no key for this subscriber')).to.throw(GatewayError, 'no key for this subscriber');
  });
});
