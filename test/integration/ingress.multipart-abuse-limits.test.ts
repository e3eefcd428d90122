import { expect } from 'chai';
import request from 'supertest';
import { problemType } from '../../gateway/errors.js';
import type { StoredMessage } from '../../gateway/store/types.js';
import { startTestGateway, testConfig } from '../support/gateway.js';
import { hundAnmeldung } from '../support/xzsa-fixtures.js';

const MAX_MESSAGE_BYTES = 64 * 1024;
const B = 'abuseLimitsBoundary7c1e';

/** One raw multipart part; headers written verbatim as UTF-8 bytes (no client library cleaning the file name). */
const part = (headers: string, body: string | Buffer): Buffer =>
  Buffer.concat([Buffer.from(`--${B}\r\n${headers}\r\n\r\n`, 'utf8'), Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'), Buffer.from('\r\n')]);
const end = Buffer.from(`--${B}--\r\n`);
const messageField = (xml: string) => part('Content-Disposition: form-data; name="message"', xml);
const attachment = (filenameParam: string) => part(`Content-Disposition: form-data; name="attachment"; ${filenameParam}\r\nContent-Type: application/pdf`, '%PDF-1.4 synthetic');

describe('multipart ingress: message part over the limit, attachment file names as UTF-8 without bidi or control characters', function () {
  this.timeout(60_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;

  before(async () => {
    const cfg = testConfig();
    cfg.server.maxMessageBytes = MAX_MESSAGE_BYTES;
    gw = await startTestGateway(cfg);
  });
  after(() => gw?.stop());

  const send = (...parts: Buffer[]) => request(gw.url).post('/api/v1/messages').set('content-type', `multipart/form-data; boundary=${B}`).send(Buffer.concat([...parts, end]));
  const count = async () => (await gw.services.store.listMessages({ limit: 1000 })).length;

  it('refuses a `message` field over maxMessageBytes with 413 instead of accepting its truncated head', async () => {
    // A valid message followed by whitespace: cut at the limit it would still be a valid message.
    const xml = hundAnmeldung() + ' '.repeat(MAX_MESSAGE_BYTES);
    const before = await count();
    const res = await send(messageField(xml));
    expect(res.status, res.text).to.equal(413);
    expect(JSON.parse(res.text)).to.include({ code: 'GW_PAYLOAD_TOO_LARGE', type: problemType('GW_PAYLOAD_TOO_LARGE') });
    expect(await count(), 'nothing stored').to.equal(before);
    // control: the same message without the padding is accepted as a field
    expect((await send(messageField(hundAnmeldung()))).status).to.equal(202);
  });

  it('decodes file names as UTF-8 (raw and RFC 5987) and keeps them exactly', async () => {
    const name = 'Mietvertrag-Überprüfung-Straße.pdf';
    for (const param of [`filename="${name}"`, `filename*=UTF-8''${encodeURIComponent(name)}`]) {
      const res = await send(messageField(hundAnmeldung()), attachment(param));
      expect(res.status, res.text).to.equal(202);
      const m = (await gw.services.store.getMessage((res.body as { gatewayId: string }).gatewayId)) as StoredMessage;
      expect(m.attachments.map((a) => a.name)).to.deep.equal([name]);
    }
  });

  const hostileNames: Record<string, string> = {
    'right-to-left override (U+202E)': 'rechnung\u202Efdp.exe',
    'left-to-right embedding (U+202A)': 'a\u202Ab.pdf',
    'first strong isolate (U+2068)': 'a\u2068b.pdf',
    'pop directional isolate (U+2069)': 'a\u2069b.pdf',
    'right-to-left mark (U+200F)': 'a\u200Fb.pdf',
    'arabic letter mark (U+061C)': 'a\u061Cb.pdf',
    'C1 control (U+0085 next line)': 'a\u0085b.pdf',
    'C1 control (U+009B CSI)': 'a\u009B31mb.pdf',
  };
  for (const [what, name] of Object.entries(hostileNames)) {
    it(`refuses a file name with a ${what}, naming the part and rule but not the name`, async () => {
      for (const param of [`filename="${name}"`, `filename*=UTF-8''${encodeURIComponent(name)}`]) {
        const res = await send(messageField(hundAnmeldung()), attachment(param));
        expect(res.status, res.text).to.equal(400);
        const p = JSON.parse(res.text) as { code: string; errors: Array<{ path: string; rule: string }> };
        expect(p.code).to.equal('GW_ATTACHMENT_INVALID');
        expect(p.errors).to.deep.include({ message: 'the file name holds control characters or Unicode direction overrides', path: 'attachment[0].filename', layer: 'attachment', rule: 'attachment.filename-characters' });
        expect(res.text).not.to.include(name.slice(0, 4));
      }
    });
  }

  it('refuses a bidi override in an attachmentRef name the same way', async () => {
    const res = await send(messageField(hundAnmeldung()), part('Content-Disposition: form-data; name="attachmentRef"', JSON.stringify({ name: 'x\u202Egpj.exe', sha512: 'a'.repeat(128) })));
    expect(res.status).to.equal(400);
    expect(JSON.parse(res.text)).to.include({ code: 'GW_ATTACHMENT_INVALID' });
  });
});
