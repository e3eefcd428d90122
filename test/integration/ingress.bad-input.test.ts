import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { problemType, type ErrorCode } from '../../gateway/errors.js';
import { PACKAGE_ROOT } from '../../gateway/paths.js';
import { startTestGateway, testConfig } from '../support/gateway.js';
import { hundAnmeldung, hundFreigabe } from '../support/xzsa-fixtures.js';

const INVALID = join(PACKAGE_ROOT, 'schemas-xoev/xzsa/1.0/samples/invalid');

/** Invalid samples that need no special limits: the HTTP ingress must refuse each with its code. */
const samples = readdirSync(INVALID)
  .filter((f) => f.endsWith('.xml'))
  .map((f) => ({ file: f, expect: JSON.parse(readFileSync(join(INVALID, f.replace(/\.xml$/, '.expect.json')), 'utf8')) as { code: ErrorCode; limits?: unknown } }))
  .filter((s) => s.expect.limits === undefined);

describe('ingress: bad input gets a precise problem and the gateway serves the next message', function () {
  this.timeout(60_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  before(async () => {
    gw = await startTestGateway(testConfig());
  });
  after(() => gw?.stop());

  async function expectProblem(res: request.Response, code: ErrorCode) {
    expect(res.status, JSON.stringify(res.body)).to.not.be.within(200, 299);
    expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
    const body = JSON.parse(res.text) as { type: string; code: string; status: number; detail: string };
    expect(body.code).to.equal(code);
    expect(body.type).to.equal(problemType(code));
    expect(body.status).to.equal(res.status);
    expect(body.detail).to.be.a('string').and.not.be.empty;
    // the next good message is still accepted
    const ok = await request(gw.url).post('/api/v1/messages').set('content-type', 'application/xml').send(hundAnmeldung());
    expect(ok.status, JSON.stringify(ok.body)).to.equal(202);
    return body;
  }

  const postXml = (body: string | Buffer) => request(gw.url).post('/api/v1/messages').set('content-type', 'application/xml').send(Buffer.isBuffer(body) ? body : Buffer.from(body));

  it(`refuses each of the ${samples.length} invalid samples with its problem type`, async () => {
    expect(samples.length).to.be.greaterThan(15);
    for (const s of samples) {
      const res = await postXml(readFileSync(join(INVALID, s.file)));
      try {
        await expectProblem(res, s.expect.code);
      } catch (err) {
        throw new Error(`${s.file}: ${(err as Error).message}`);
      }
    }
  });

  it('names line, column and element path of an XSD error', async () => {
    const xml = hundAnmeldung().replace('<xzsa:rasse>Mischling</xzsa:rasse>', '<xzsa:rasse>Mischling</xzsa:rasse><xzsa:farbe>braun</xzsa:farbe>');
    const body = (await expectProblem(await postXml(xml), 'GW_XSD_INVALID')) as unknown as { errors: Array<{ line: number; column: number; path: string }> };
    expect(body.errors[0]!.line).to.be.a('number').greaterThan(1);
    expect(body.errors[0]!.path).to.contain('/hund.anmeldung.0101/hund');
  });

  it('refuses a body over the 20 MiB default limit with 413', async () => {
    const big = Buffer.alloc(21 * 1024 * 1024, 0x20);
    await expectProblem(await postXml(big), 'GW_PAYLOAD_TOO_LARGE');
  });

  it('refuses other content types with 415', async () => {
    await expectProblem(await request(gw.url).post('/api/v1/messages').set('content-type', 'text/plain').send('hello'), 'GW_UNSUPPORTED_MEDIA_TYPE');
  });

  it('refuses invalid UTF-8 as malformed XML', async () => {
    const xml = Buffer.from(hundAnmeldung());
    const at = xml.indexOf('Bello');
    xml[at] = 0xff;
    await expectProblem(await postXml(xml), 'GW_XML_MALFORMED');
  });

  it('refuses a message for a municipality that is not configured (no route)', async () => {
    const body = await expectProblem(await postXml(hundAnmeldung({ ags: '15089999' })), 'GW_ROUTE_NO_MATCH');
    expect(body.detail).to.contain('15089999');
  });

  it('refuses a follow-up message of an unknown Vorgang', async () => {
    await expectProblem(await postXml(hundFreigabe({ ags: '15003000' })), 'GW_VORGANG_UNKNOWN');
  });

  it('answers a resend with the original receipt and stores nothing new; a changed payload under the same UUID is a 409', async () => {
    const xml = hundAnmeldung();
    const first = await postXml(xml);
    expect(first.status).to.equal(202);
    const again = await postXml(xml);
    expect(again.status).to.equal(200);
    expect(again.body).to.include({ gatewayId: first.body.gatewayId, duplicate: true, receivedAt: first.body.receivedAt });
    const uuid = first.body.messageUuid as string;
    const list = await request(gw.url).get('/api/v1/messages?limit=1000');
    expect(list.body.items.filter((m: { messageUuid: string }) => m.messageUuid === uuid)).to.have.length(1);
    const changed = xml.replace('Bello', 'Rex');
    const body = await expectProblem(await postXml(changed), 'GW_DUPLICATE_CONFLICT');
    expect(body['gatewayId' as keyof typeof body]).to.equal(first.body.gatewayId);
  });

  it('refuses an attachment whose file name tries path traversal', async () => {
    // built by hand: form-data libraries strip path parts from file names before sending
    const boundary = 'zsaTestBoundary7d1f';
    const part = (headers: string, body: string) => `--${boundary}\r\n${headers}\r\n\r\n${body}\r\n`;
    const body =
      part('Content-Disposition: form-data; name="message"; filename="m.xml"\r\nContent-Type: application/xml', hundAnmeldung()) +
      part('Content-Disposition: form-data; name="attachment"; filename="../../etc/passwd"\r\nContent-Type: application/pdf', '%PDF-1.4 test') +
      `--${boundary}--\r\n`;
    const res = await request(gw.url).post('/api/v1/messages').set('content-type', `multipart/form-data; boundary=${boundary}`).send(body);
    await expectProblem(res, 'GW_ATTACHMENT_INVALID');
  });

  it('records every refusal in the rejection log', async () => {
    const res = await request(gw.url).get('/api/v1/rejections?limit=1000');
    const codes = new Set(res.body.items.map((r: { code: string }) => r.code));
    for (const c of ['GW_XML_DOCTYPE_FORBIDDEN', 'GW_XSD_INVALID', 'GW_ROUTE_NO_MATCH', 'GW_DUPLICATE_CONFLICT']) expect(codes).to.include(c);
    // a refusal after the header was read names sender and message
    const xsd = res.body.items.find((r: { code: string; author: string | null }) => r.code === 'GW_XSD_INVALID' && r.author !== null);
    expect(xsd, 'an XSD refusal with its author').to.include({ author: 'efa:hund-lsa', messageType: 'hund.anmeldung.0101' });
  });
});
