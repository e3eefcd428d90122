import { expect } from 'chai';
import { createHash, randomUUID } from 'node:crypto';
import request from 'supertest';
import { requiredAuthConfig, tokenFor } from '../auth/oauth-fixture.js';
import { startTestGateway } from '../support/gateway.js';
import { hundAnmeldung } from '../support/xzsa-fixtures.js';

const MD = '15003000';
const vorgangOf = (xml: string) => /<xzsab:vorgangsID>([^<]+)</.exec(xml)![1]!;

/**
 * docs/security.md: "An unknown hash and another participant's hash get the same answer, so a
 * participant cannot find out whether someone else holds a document." An attachmentRef to an
 * unknown hash used to be refused while the multipart body was read, before the message was
 * even validated, while a hash someone else uploaded passed that stage and was refused only
 * by the remit check, after validation, routing and the idempotency check. Any message refused
 * (or answered) in between — a used Vorgang id, an invalid message, a repeat of an own message —
 * told the two apart: a confirm-the-file oracle for other tenants' documents.
 */
describe('auth: an attachmentRef gets the same answer for an unknown and a foreign hash, whatever else the message gets', function () {
  this.timeout(60_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let efa: string;
  const foreign = Buffer.from(`%PDF-1.4 synthetic Nachweis uploaded by Halle ${randomUUID()}\n`);
  const foreignSha = createHash('sha512').update(foreign).digest('hex');
  const unknownSha = createHash('sha512').update(`never uploaded ${randomUUID()}`).digest('hex');
  let opened: string;

  const send = (xml: string, sha: string) =>
    request(gw.url)
      .post('/api/v1/messages')
      .set('authorization', `Bearer ${efa}`)
      .attach('message', Buffer.from(xml), { filename: 'm.xml', contentType: 'application/xml' })
      .field('attachmentRef', JSON.stringify({ name: 'nachweis.pdf', mediaType: 'application/pdf', sha512: sha }));
  const answer = (r: request.Response) => ({ status: r.status, code: r.body.code, rule: r.body.rule ?? null, duplicate: r.body.duplicate ?? null });

  before(async () => {
    gw = await startTestGateway(requiredAuthConfig());
    efa = await tokenFor(gw.url, 'efa-hund-lsa');
    const up = await request(gw.url).post('/api/v1/attachments').set('authorization', `Bearer ${await tokenFor(gw.url, 'halle')}`).set('content-type', 'application/pdf').send(foreign);
    expect(up.status).to.equal(201);
    opened = hundAnmeldung({ ags: MD });
    const r = await request(gw.url).post('/api/v1/messages').set('authorization', `Bearer ${efa}`).set('content-type', 'application/xml').send(opened);
    expect(r.status, JSON.stringify(r.body)).to.equal(202);
  });
  after(() => gw?.stop());

  const same = async (what: string, xml: () => string) => {
    const u = answer(await send(xml(), unknownSha));
    const f = answer(await send(xml(), foreignSha));
    expect(u, `${what}: unknown vs foreign hash`).to.deep.equal(f);
    return u;
  };

  it('a message with a new Vorgang id: both refused with 403 attachment.uploader', async () => {
    const a = await same('new case', () => hundAnmeldung({ ags: MD }));
    expect(a).to.deep.include({ status: 403, code: 'GW_FORBIDDEN', rule: 'attachment.uploader' });
  });

  it('an opening message with a Vorgang id in use: both 409 GW_VORGANG_EXISTS', async () => {
    await same('used Vorgang id', () => hundAnmeldung({ ags: MD, vorgangId: vorgangOf(opened) }));
  });

  it('an invalid message: both refused the same way', async () => {
    await same('invalid message', () => hundAnmeldung({ ags: MD }).replace('<xzsab:vorgangsID>', '<xzsab:vorgangsID>x'));
  });

  it('a repeat of the caller\'s own message: both the same answer', async () => {
    await same('repeat', () => opened);
  });
});
