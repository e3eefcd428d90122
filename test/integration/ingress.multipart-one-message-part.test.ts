import { expect } from 'chai';
import request from 'supertest';
import { startTestGateway, testConfig } from '../support/gateway.js';
import { hundAnmeldung } from '../support/xzsa-fixtures.js';

const B = 'oneMessagePartBoundary51d2';
const part = (headers: string, body: string): Buffer => Buffer.from(`--${B}\r\n${headers}\r\n\r\n${body}\r\n`, 'utf8');
const end = Buffer.from(`--${B}--\r\n`);
const field = (xml: string) => part('Content-Disposition: form-data; name="message"', xml);
const file = (xml: string) => part('Content-Disposition: form-data; name="message"; filename="m.xml"\r\nContent-Type: application/xml', xml);

/**
 * A multipart submission carries exactly one `message` part. With two, the gateway took
 * whichever it finished reading last (a field at once, a file part when its stream ended),
 * while anything in front of it (a proxy, a virus scanner, an audit copy) may look at the
 * first: the message checked and the message stored could differ. Now refused.
 */
describe('multipart ingress: exactly one message part', function () {
  this.timeout(60_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  before(async () => {
    gw = await startTestGateway(testConfig());
  });
  after(() => gw?.stop());
  const send = (...parts: Buffer[]) => request(gw.url).post('/api/v1/messages').set('content-type', `multipart/form-data; boundary=${B}`).send(Buffer.concat([...parts, end]));
  const count = async () => (await gw.services.store.listMessages({ limit: 1000 })).length;

  for (const [name, parts] of [
    ['two fields', () => [field(hundAnmeldung()), field(hundAnmeldung())]],
    ['two file parts', () => [file(hundAnmeldung()), file(hundAnmeldung())]],
    ['a field and a file part', () => [field(hundAnmeldung()), file(hundAnmeldung())]],
    ['a file part and a field', () => [file(hundAnmeldung()), field(hundAnmeldung())]],
  ] as Array<[string, () => Buffer[]]>) {
    it(`refuses ${name} named "message" with 400 GW_BAD_REQUEST and stores nothing`, async () => {
      const before = await count();
      const res = await send(...parts());
      expect(res.status, res.text).to.equal(400);
      expect(res.body).to.include({ code: 'GW_BAD_REQUEST' });
      expect(await count()).to.equal(before);
    });
  }

  it('still takes one message part', async () => {
    expect((await send(file(hundAnmeldung()))).status).to.equal(202);
    expect((await send(field(hundAnmeldung()))).status).to.equal(202);
  });
});
