import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { JWK } from 'jose';
import request from 'supertest';
import { decryptWith, encryptFor } from '../../gateway/crypto/jwe.js';
import { PrivateKeyRing } from '../../gateway/crypto/keyring.js';
import type { GatewayConfig } from '../../gateway/config/schema.js';
import { encryptionKeys, expectRefused } from '../crypto/support.js';
import { startTestGateway, testConfig, waitFor } from '../support/gateway.js';
import { rawBody } from '../support/sealed-answers.js';
import { HttpPeer } from '../support/http-peer.js';
import { hundAnmeldung, LEIKA_HUND } from '../support/xzsa-fixtures.js';

/**
 * JWE end to end (ADR 0009) through a real gateway and a real HTTP peer standing in for
 * Halle's Fachverfahren Hundesteuer, with 4096-bit keys in FIT-Connect's profile.
 */
const HALLE = '15002000';
const FV = 'fv-15002000-hund';
const keyDir = mkdtempSync(join(tmpdir(), 'zsa-jwe-keys-'));
const keyFile = (name: string, jwk: JWK) => {
  const file = join(keyDir, `${name}.jwk.json`);
  writeFileSync(file, JSON.stringify(jwk));
  return file;
};

const gateway = encryptionKeys('e2e-gateway');
const fv = encryptionKeys('e2e-fv-halle');
const other = encryptionKeys('e2e-fv-magdeburg');

function config(peer: HttpPeer, o: { gatewayKeys: boolean }): GatewayConfig {
  const cfg = testConfig({ endpoints: { [FV]: { connector: 'http', config: { url: peer.url } } } });
  if (o.gatewayKeys) cfg.crypto.jwe = { keys: [keyFile('gateway', gateway.privateJwk)] };
  cfg.participants = cfg.participants.map((p) => (p.id === FV ? { ...p, encryptionKey: keyFile('fv-public', fv.publicJwk) } : p));
  cfg.routes.push({
    name: 'hund-verschluesselt',
    match: { messageType: 'hund.verschluesselt.0199' },
    passThrough: true,
    startsVorgang: true,
    targets: [{ to: 'fachverfahren' }],
  });
  return cfg;
}

describe('encryption: JWE inbound, re-encrypted per delivery, pass-through', function () {
  this.timeout(120_000);
  const peer = new HttpPeer();
  let fvRing: PrivateKeyRing;
  let otherRing: PrivateKeyRing;
  let otherUnderFvKid: PrivateKeyRing;

  before(async () => {
    await peer.start();
    fvRing = await PrivateKeyRing.fromJwks([fv.privateJwk]);
    otherRing = await PrivateKeyRing.fromJwks([other.privateJwk]);
    otherUnderFvKid = await PrivateKeyRing.fromJwks([{ ...other.privateJwk, kid: fv.privateJwk.kid! }]);
  });
  after(() => peer.stop());
  beforeEach(() => (peer.received.length = 0));

  const delivered = (n: number) => waitFor(`${n} deliveries`, () => (peer.accepted().length >= n ? peer.accepted() : undefined));

  describe('a gateway with its own decryption key', () => {
    let gw: Awaited<ReturnType<typeof startTestGateway>>;
    before(async () => (gw = await startTestGateway(config(peer, { gatewayKeys: true }))));
    after(() => gw?.stop());

    it('decrypts an inbound JWE, validates and routes the XML, and delivers a JWE only the receiving participant can open', async () => {
      const xml = hundAnmeldung({ ags: HALLE });
      const jwe = await encryptFor(Buffer.from(xml), gateway.publicJwk, { cty: 'application/xml' });
      const res = await request(gw.url).post('/api/v1/messages').set('content-type', 'application/jose').send(jwe);
      expect(res.status, JSON.stringify(res.body)).to.equal(202);
      const m = await gw.services.store.getMessage(res.body.gatewayId as string);
      expect(m!.endpointId).to.equal(FV);
      expect(m!.messageType).to.equal('hund.anmeldung.0101');

      const [got] = await delivered(1);
      expect(got!.headers['content-type']).to.match(/^application\/jose/);
      const body = got!.body.toString('ascii');
      expect(body).to.not.equal(jwe); // re-encrypted, not forwarded
      const opened = await decryptWith(body, fvRing);
      expect(Buffer.from(opened.payload).toString()).to.equal(xml);
      expect(opened.header.cty).to.equal('application/xml');
      await expectRefused(() => decryptWith(body, otherRing), 'GW_JWE_KEY_UNKNOWN');
      await expectRefused(() => decryptWith(body, otherUnderFvKid), 'GW_JWE_INVALID');
    });

    it('refuses a JWE to a key it does not hold (GW_JWE_KEY_UNKNOWN) and a tampered one (GW_JWE_INVALID)', async () => {
      const xml = Buffer.from(hundAnmeldung({ ags: HALLE }));
      const toOther = await encryptFor(xml, other.publicJwk);
      const r1 = await request(gw.url).post('/api/v1/messages').set('content-type', 'application/jose').send(toOther);
      expect(r1.status).to.equal(422);
      expect(r1.body.code).to.equal('GW_JWE_KEY_UNKNOWN');
      const parts = (await encryptFor(xml, gateway.publicJwk)).split('.');
      parts[3] = `${parts[3]!.slice(0, -2)}${parts[3]!.endsWith('AA') ? 'BA' : 'AA'}`;
      const r2 = await request(gw.url).post('/api/v1/messages').set('content-type', 'application/jose').send(parts.join('.'));
      expect(r2.status).to.equal(400);
      expect(r2.body.code).to.equal('GW_JWE_INVALID');
    });
  });

  describe('the embedded default: no decryption key', () => {
    let gw: Awaited<ReturnType<typeof startTestGateway>>;
    before(async () => (gw = await startTestGateway(config(peer, { gatewayKeys: false }))));
    after(() => gw?.stop());

    const passThroughHeaders = (o: Record<string, string> = {}) => ({
      'x-message-uuid': randomUUID(),
      'x-message-type': 'hund.verschluesselt.0199',
      'x-author': 'efa:hund-lsa',
      'x-reader': 'fv:15002000-hund',
      'x-vorgang-id': `vg-${randomUUID()}`,
      'x-leika': LEIKA_HUND,
      'x-ags': HALLE,
      ...o,
    });

    it('refuses a JWE body with a clear GW_JWE_KEY_UNKNOWN', async () => {
      const jwe = await encryptFor(Buffer.from(hundAnmeldung({ ags: HALLE })), gateway.publicJwk);
      const res = await request(gw.url).post('/api/v1/messages').set('content-type', 'application/jose').send(jwe);
      expect(res.status).to.equal(422);
      expect(res.body.code).to.equal('GW_JWE_KEY_UNKNOWN');
      expect(res.body.detail).to.contain('crypto.jwe.keys');
    });

    it('pass-through: routes on the headers, never decrypts, and the peer gets the identical JWE', async () => {
      const jwe = await encryptFor(Buffer.from('<geheim>nur für Halle</geheim>'), fv.publicJwk, { cty: 'application/xml' });
      const res = await request(gw.url).post('/api/v1/messages').set('content-type', 'application/jose').set(passThroughHeaders()).send(jwe);
      expect(res.status, JSON.stringify(res.body)).to.equal(202);
      const m = await gw.services.store.getMessage(res.body.gatewayId as string);
      expect(m!.payloadFormat).to.equal('jwe');
      expect(m!.routeName).to.equal('hund-verschluesselt');
      const [got] = await delivered(1);
      expect(got!.headers['content-type']).to.match(/^application\/jose/);
      expect(got!.body.toString('ascii')).to.equal(jwe);
      expect(Buffer.from((await decryptWith(got!.body, fvRing)).payload).toString()).to.equal('<geheim>nur für Halle</geheim>');
      // a payload read answers the stored JWE as what it is
      const read = await request(gw.url).get(`/api/v1/messages/${res.body.gatewayId as string}/payload`).buffer(true).parse(rawBody);
      expect(read.headers['content-type']).to.match(/^application\/jose/);
      expect((read.body as Buffer).toString('ascii')).to.equal(jwe);
    });

    it('pass-through: a missing routing header is GW_ROUTING_KEY_MISSING, a malformed one GW_HEADER_INVALID, a normal route refuses', async () => {
      const jwe = await encryptFor(Buffer.from('<x/>'), fv.publicJwk);
      const post = (h: Record<string, string>) => request(gw.url).post('/api/v1/messages').set('content-type', 'application/jose').set(h).send(jwe);
      const { 'x-leika': _l, ...noLeika } = passThroughHeaders();
      const r1 = await post(noLeika);
      expect(r1.status).to.equal(422);
      expect(r1.body.code).to.equal('GW_ROUTING_KEY_MISSING');
      const r2 = await post(passThroughHeaders({ 'x-ags': '15002' }));
      expect(r2.body.code).to.equal('GW_HEADER_INVALID');
      const r3 = await post(passThroughHeaders({ 'x-message-type': 'hund.anmeldung.0101' }));
      expect(r3.status).to.equal(400);
      expect(r3.body.code).to.equal('GW_BAD_REQUEST');
      const r4 = await request(gw.url).post('/api/v1/messages').set('content-type', 'application/jose').set(passThroughHeaders()).send('<not-a-jwe/>');
      expect(r4.body.code).to.equal('GW_JWE_INVALID');
      expect(peer.received).to.have.length(0);
    });
  });
});
