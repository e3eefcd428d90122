import { expect } from 'chai';
import { createHash } from 'node:crypto';
import request from 'supertest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decryptWith } from '../../gateway/crypto/jwe.js';
import { PrivateKeyRing } from '../../gateway/crypto/keyring.js';
import { encryptionKeys } from '../crypto/support.js';
import { requiredAuthConfig, tokenFor } from '../auth/oauth-fixture.js';
import { startTestGateway } from '../support/gateway.js';
import { hundAnmeldung } from '../support/xzsa-fixtures.js';

/** Attachments are payload: only a participant owning one of the messages that carry it may fetch it. */
describe('auth: attachment downloads follow message ownership', function () {
  this.timeout(60_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  const pdf = Buffer.from('%PDF-1.4 synthetic Nachweis for an ownership test\n');
  const sha = createHash('sha512').update(pdf).digest('hex');

  const magdeburgKeys = encryptionKeys('attachment-magdeburg');

  before(async () => {
    const cfg = requiredAuthConfig();
    const keyFile = join(mkdtempSync(join(tmpdir(), 'zsa-att-keys-')), 'magdeburg.jwk.json');
    writeFileSync(keyFile, JSON.stringify(magdeburgKeys.publicJwk));
    cfg.participants = cfg.participants.map((p) => (p.id === 'magdeburg' ? { ...p, encryptionKey: keyFile } : p));
    gw = await startTestGateway(cfg);
    const efa = await tokenFor(gw.url, 'efa-hund-lsa');
    const res = await request(gw.url)
      .post('/api/v1/messages')
      .set('authorization', `Bearer ${efa}`)
      .attach('message', Buffer.from(hundAnmeldung({ ags: '15003000' })), { filename: 'm.xml', contentType: 'application/xml' })
      .attach('attachment', pdf, { filename: 'nachweis.pdf', contentType: 'application/pdf' });
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
  });
  after(() => gw?.stop());

  const get = async (client: Parameters<typeof tokenFor>[1]) =>
    request(gw.url).get(`/api/v1/attachments/${sha}`).set('authorization', `Bearer ${await tokenFor(gw.url, client)}`);

  it('lets the sender fetch it as sent, and the responsible municipality end-to-end encrypted to its key', async () => {
    const plain = await get('efa-hund-lsa');
    expect(plain.status).to.equal(200);
    expect(Buffer.from(plain.body as Buffer).equals(pdf)).to.equal(true);

    const sealed = await get('magdeburg');
    expect(sealed.status).to.equal(200);
    expect(sealed.headers['content-type']).to.match(/^application\/jose/);
    const opened = await decryptWith(String(sealed.text ?? Buffer.from(sealed.body as Buffer).toString('ascii')), await PrivateKeyRing.fromJwks([magdeburgKeys.privateJwk]));
    expect(Buffer.from(opened.payload).equals(pdf)).to.equal(true);
  });

  it('refuses another municipality with 403 attachment.own', async () => {
    const res = await get('halle');
    expect(res.status).to.equal(403);
    expect(res.body).to.include({ code: 'GW_FORBIDDEN', rule: 'attachment.own' });
  });
});
