import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { decryptWith } from '../../gateway/crypto/jwe.js';
import { PrivateKeyRing } from '../../gateway/crypto/keyring.js';
import { encryptionKeys } from '../crypto/support.js';
import { startTestGateway, testConfig, waitFor } from '../support/gateway.js';
import { openSealedAnswer, rawBody } from '../support/sealed-answers.js';
import { hundAnmeldung } from '../support/xzsa-fixtures.js';

/** A pull receiver with an encryption key gets its mailbox messages end-to-end encrypted, like push receivers. */
describe('encryption: mailbox fetch to a receiver with an encryption key', function () {
  this.timeout(120_000);
  const keyDir = mkdtempSync(join(tmpdir(), 'zsa-mailbox-keys-'));
  const fv = encryptionKeys('mailbox-fv-halle');
  const other = encryptionKeys('mailbox-other');
  let gw: Awaited<ReturnType<typeof startTestGateway>>;

  before(async () => {
    const file = join(keyDir, 'fv.jwk.json');
    writeFileSync(file, JSON.stringify(fv.publicJwk));
    const cfg = testConfig();
    cfg.participants = cfg.participants.map((p) => (p.id === 'fv-15002000-hund' ? { ...p, encryptionKey: file } : p));
    gw = await startTestGateway(cfg);
  });
  after(async () => {
    await gw?.stop();
    rmSync(keyDir, { recursive: true, force: true });
  });

  async function fetchFrom(mailbox: string, xml: string) {
    const sent = await request(gw.url).post('/api/v1/messages').set('content-type', 'application/xml').send(xml);
    expect(sent.status, JSON.stringify(sent.body)).to.equal(202);
    await waitFor('in mailbox', async () => ((await gw.services.store.getMessage(sent.body.gatewayId))?.state === 'in_mailbox' ? true : undefined));
    return request(gw.url).post(`/api/v1/mailboxes/${mailbox}/fetch`).buffer(true).parse(rawBody);
  }

  it('hands out a JWE that only the receiver\'s key opens', async () => {
    const xml = hundAnmeldung({ ags: '15002000' }); // Halle did not delegate Hund: its Fachverfahren mailbox
    const res = await fetchFrom('fv-15002000-hund', xml);
    const { jwe, text } = await openSealedAnswer(res, fv.privateJwk, 'Bello');
    expect(text).to.equal(xml);
    let refused: unknown = null;
    try {
      await decryptWith(jwe, await PrivateKeyRing.fromJwks([{ ...other.privateJwk, kid: fv.privateJwk.kid! }]));
    } catch (err) {
      refused = err;
    }
    expect((refused as { code?: string } | null)?.code).to.match(/^GW_JWE_/);
  });

  it('keeps plain XML for a receiver without a key', async () => {
    const xml = hundAnmeldung({ ags: '15003000' }); // Magdeburg delegated: the ZSA mailbox, no key configured
    const res = await fetchFrom('zsa-hund', xml);
    expect(res.headers['content-type']).to.match(/^application\/xml/);
    expect((res.body as Buffer).toString('utf8')).to.equal(xml);
  });
});
