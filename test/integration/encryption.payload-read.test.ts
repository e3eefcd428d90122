import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { decryptWith } from '../../gateway/crypto/jwe.js';
import { PrivateKeyRing } from '../../gateway/crypto/keyring.js';
import { requiredAuthConfig, tokenFor, type DemoClient } from '../auth/oauth-fixture.js';
import { encryptionKeys, expectRefused } from '../crypto/support.js';
import { startTestGateway } from '../support/gateway.js';
import { openSealedAnswer, rawBody } from '../support/sealed-answers.js';
import { hundAnmeldung, hundSteuerfestsetzung } from '../support/xzsa-fixtures.js';

const MD = '15003000';
const HAL = '15002000';
const uuidOf = (xml: string) => /<xzsab:nachrichtenUUID>([^<]+)</.exec(xml)![1]!;
const vorgangOf = (xml: string) => /<xzsab:vorgangsID>([^<]+)</.exec(xml)![1]!;

/**
 * `GET /api/v1/messages/{id}/payload` is end-to-end encrypted like mailbox fetches and
 * push deliveries: a caller whose participant has an encryption key gets a fresh JWE to
 * that key; a caller without one gets the XML (ADR 0014).
 */
describe('encryption: payload reads are sealed to the caller\'s encryption key', function () {
  this.timeout(120_000);
  const keyDir = mkdtempSync(join(tmpdir(), 'zsa-payload-keys-'));
  const md = encryptionKeys('payload-read-magdeburg');
  const other = encryptionKeys('payload-read-other');
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let draftXml: string;
  let draft: string;
  let hallesXml: string;
  let halles: string;

  async function read(as: DemoClient, id: string) {
    return request(gw.url)
      .get(`/api/v1/messages/${id}/payload`)
      .set('authorization', `Bearer ${await tokenFor(gw.url, as)}`)
      .buffer(true)
      .parse(rawBody);
  }
  async function submit(as: DemoClient, xml: string): Promise<string> {
    const res = await request(gw.url).post('/api/v1/messages').set('authorization', `Bearer ${await tokenFor(gw.url, as)}`).set('content-type', 'application/xml').send(xml);
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    return res.body.gatewayId as string;
  }

  before(async () => {
    const file = join(keyDir, 'magdeburg.jwk.json');
    writeFileSync(file, JSON.stringify(md.publicJwk));
    const cfg = requiredAuthConfig();
    cfg.participants = cfg.participants.map((p) => (p.id === 'magdeburg' ? { ...p, encryptionKey: file } : p));
    gw = await startTestGateway(cfg);
    const anmeldung = hundAnmeldung({ ags: MD });
    await submit('efa-hund-lsa', anmeldung);
    draftXml = hundSteuerfestsetzung({ ags: MD, vorgangId: vorgangOf(anmeldung), anmeldungUuid: uuidOf(anmeldung), author: 'zsa:lsa', reader: `ags:${MD}` });
    draft = await submit('zsa-lsa', draftXml);
    hallesXml = hundAnmeldung({ ags: HAL });
    halles = await submit('efa-hund-lsa', hallesXml);
  });
  after(async () => {
    await gw?.stop();
    rmSync(keyDir, { recursive: true, force: true });
  });

  it('a caller with a key gets a fresh JWE per read that only its key opens', async () => {
    const { jwe, opened, text } = await openSealedAnswer(await read('magdeburg', draft), md.privateJwk, 'xzsa');
    expect(text).to.equal(draftXml);
    expect(opened.header['cty']).to.equal('application/xml');
    const second = await read('magdeburg', draft);
    expect((second.body as Buffer).toString('ascii')).to.not.equal(jwe);
    const stranger = await PrivateKeyRing.fromJwks([{ ...other.privateJwk, kid: md.privateJwk.kid! }]);
    await expectRefused(() => decryptWith(jwe, stranger), 'GW_JWE_INVALID', 'jwe.decrypt');
  });

  it('a caller without a key gets the XML', async () => {
    const res = await read('halle', halles);
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.match(/^application\/xml/);
    expect((res.body as Buffer).toString('utf8')).to.equal(hallesXml);
  });

  it('an operator under a break-glass grant has no key of its own and gets the XML (documented in ADR 0014)', async () => {
    const grant = await request(gw.url)
      .post('/api/v1/admin/break-glass')
      .set('authorization', `Bearer ${await tokenFor(gw.url, 'admin')}`)
      .send({ reason: 'Ticket 4712: check the draft', messageId: draft, minutes: 5, grantee: 'betrieb' });
    expect(grant.status, JSON.stringify(grant.body)).to.equal(201);
    const res = await read('betrieb', draft);
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.match(/^application\/xml/);
    expect((res.body as Buffer).toString('utf8')).to.equal(draftXml);
  });
});
