import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import request from 'supertest';
import { problemType, type ErrorCode } from '../../gateway/errors.js';
import type { AttachmentRef } from '../../gateway/model/index.js';
import type { StoredMessage } from '../../gateway/store/types.js';
import { startTestGateway, testConfig } from '../support/gateway.js';
import { nachweis, nachweisContent, wohngeldAntrag, type NachweisFixture } from '../support/xzsa-fixtures.js';

const MAX_ATTACHMENT_BYTES = 256 * 1024;
const MAX_ATTACHMENTS = 3;

const sha512 = (b: Buffer): string => createHash('sha512').update(b).digest('hex');

interface Part {
  name: string;
  content: Buffer;
  mediaType: string;
}

/** Evidence whose bytes are `nachweisContent(name)`, listed in the Antrag and sent as a part. */
function evidence(art: string, name: string, mediaType = 'application/pdf'): { listed: NachweisFixture; part: Part } {
  return { listed: nachweis(art, name, mediaType), part: { name, content: nachweisContent(name), mediaType } };
}

/** Every file under `dir`, relative, dot files (`.part`) included. */
function filesUnder(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => relative(dir, join(e.parentPath, e.name)))
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/**
 * Attachments travel with their message (issue 2, ingress): multipart parts streamed into
 * the content-addressed attachment store, or references to earlier uploads; each stored
 * once under its sha512; the size and count limits answer 413 and keep nothing.
 */
describe('attachments: multipart upload, references, deduplication and limits', function () {
  this.timeout(60_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let attachmentDir: string;
  let dataDir: string;
  before(async () => {
    const cfg = testConfig();
    cfg.server.maxAttachmentBytes = MAX_ATTACHMENT_BYTES;
    cfg.server.maxAttachments = MAX_ATTACHMENTS;
    dataDir = cfg.store.dataDir;
    attachmentDir = join(dataDir, 'attachments');
    gw = await startTestGateway(cfg);
  });
  after(async () => {
    await gw?.stop();
    rmSync(dataDir, { recursive: true, force: true }); // also when the gateway did not start
  });

  const post = (xml: string, parts: Part[], refs: object[] = []) => {
    let req = request(gw.url).post('/api/v1/messages').field('message', xml);
    for (const r of refs) req = req.field('attachmentRef', JSON.stringify(r));
    for (const p of parts) req = req.attach('attachment', p.content, { filename: p.name, contentType: p.mediaType });
    return req;
  };
  const accepted = async (res: request.Response): Promise<StoredMessage> => {
    expect(res.status, res.text).to.equal(202);
    const id = (res.body as { gatewayId: string }).gatewayId;
    const m = await gw.services.store.getMessage(id);
    expect(m, `message ${id} stored`).to.not.equal(null);
    return m!;
  };
  const refOf = (p: Part): AttachmentRef => ({ name: p.name, mediaType: p.mediaType, sha512: sha512(p.content), size: p.content.length });
  const download = (sha: string) =>
    request(gw.url)
      .get(`/api/v1/attachments/${sha}`)
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
  const expectProblem = (res: request.Response, status: number, code: ErrorCode): void => {
    expect(res.status, res.text).to.equal(status);
    const body = JSON.parse(res.text) as { code: string; type: string };
    expect(body.code).to.equal(code);
    expect(body.type).to.equal(problemType(code));
  };

  it('stores each part once under its sha512, lists it with the message and serves the exact bytes', async () => {
    const items = [evidence('01', 'mietvertrag.pdf'), evidence('03', 'lohnabrechnung-2025-02.pdf'), evidence('06', 'heizkosten.png', 'image/png')];
    const parts = items.map((i) => i.part);
    const m = await accepted(await post(wohngeldAntrag({ ags: '15003000', nachweise: items.map((i) => i.listed) }), parts));
    expect(m.messageType).to.equal('wohngeld.antrag.0201');
    expect(m.attachments).to.deep.equal(parts.map(refOf));
    for (const p of parts) {
      const got = await download(sha512(p.content));
      expect(got.status).to.equal(200);
      expect(Buffer.compare(got.body as Buffer, p.content), `bytes of ${p.name}`).to.equal(0);
    }
    expect(filesUnder(attachmentDir)).to.include.members(parts.map((p) => join(sha512(p.content).slice(0, 2), sha512(p.content))));
    expect(filesUnder(attachmentDir).filter((f) => f.endsWith('.part'))).to.deep.equal([]);
  });

  it('the same attachment sent with another message is stored once and listed with both', async () => {
    const shared = { name: 'mietvertrag-shared.pdf', content: randomBytes(40_000), mediaType: 'application/pdf' };
    const before = filesUnder(attachmentDir);
    const first = await accepted(await post(wohngeldAntrag({ ags: '15003000' }), [shared]));
    const second = await accepted(await post(wohngeldAntrag({ ags: '15002000' }), [{ ...shared, name: 'kopie.pdf' }]));
    const added = filesUnder(attachmentDir).filter((f) => !before.includes(f));
    expect(added).to.deep.equal([join(sha512(shared.content).slice(0, 2), sha512(shared.content))]);
    expect(first.attachments.map((a) => a.sha512)).to.deep.equal([sha512(shared.content)]);
    expect(second.attachments).to.deep.equal([{ ...refOf(shared), name: 'kopie.pdf' }]);
  });

  it('an attachment uploaded first can be referenced by attachmentRef', async () => {
    const scan = randomBytes(100_000);
    const up = await request(gw.url).post('/api/v1/attachments').set('content-type', 'application/octet-stream').send(scan);
    expect(up.status, up.text).to.equal(201);
    expect(up.body).to.include({ sha512: sha512(scan), size: scan.length });
    const m = await accepted(await post(wohngeldAntrag({ ags: '15003000' }), [], [{ name: 'scan.tiff', mediaType: 'image/tiff', sha512: sha512(scan) }]));
    expect(m.attachments).to.deep.equal([{ name: 'scan.tiff', mediaType: 'image/tiff', sha512: sha512(scan), size: scan.length }]);
  });

  it('a reference to an unknown sha512 is refused with GW_ATTACHMENT_INVALID and stores no message', async () => {
    const unknown = sha512(randomBytes(64));
    const before = await gw.services.store.listMessages({ limit: 1000 });
    const res = await post(wohngeldAntrag({ ags: '15003000' }), [], [{ name: 'fehlt.pdf', mediaType: 'application/pdf', sha512: unknown }]);
    expectProblem(res, 400, 'GW_ATTACHMENT_INVALID');
    expect(await gw.services.store.listMessages({ limit: 1000 })).to.have.length(before.length);
  });

  it('an attachment over maxAttachmentBytes answers 413 and leaves no file behind', async () => {
    const before = filesUnder(attachmentDir);
    const big = { name: 'zu-gross.pdf', content: randomBytes(MAX_ATTACHMENT_BYTES + 1), mediaType: 'application/pdf' };
    expectProblem(await post(wohngeldAntrag({ ags: '15003000' }), [big]), 413, 'GW_PAYLOAD_TOO_LARGE');
    const up = await request(gw.url).post('/api/v1/attachments').set('content-type', 'application/pdf').send(big.content);
    expectProblem(up, 413, 'GW_PAYLOAD_TOO_LARGE');
    expect(filesUnder(attachmentDir)).to.deep.equal(before);
    // exactly at the limit is fine
    const atLimit = { ...big, name: 'grenzwertig.pdf', content: big.content.subarray(0, MAX_ATTACHMENT_BYTES) };
    const m = await accepted(await post(wohngeldAntrag({ ags: '15003000' }), [atLimit]));
    expect(m.attachments).to.deep.equal([refOf(atLimit)]);
  });

  it(`more than maxAttachments (${MAX_ATTACHMENTS}) answers 413, whether parts, references or both`, async () => {
    const parts = Array.from({ length: MAX_ATTACHMENTS + 1 }, (_, i) => ({ name: `anlage-${i}.pdf`, content: randomBytes(1000), mediaType: 'application/pdf' }));
    expectProblem(await post(wohngeldAntrag({ ags: '15003000' }), parts), 413, 'GW_PAYLOAD_TOO_LARGE');
    const stored = await accepted(await post(wohngeldAntrag({ ags: '15003000' }), parts.slice(0, MAX_ATTACHMENTS)));
    expect(stored.attachments).to.have.length(MAX_ATTACHMENTS);
    const refs = parts.slice(0, MAX_ATTACHMENTS).map((p) => ({ name: p.name, mediaType: p.mediaType, sha512: sha512(p.content) }));
    expectProblem(await post(wohngeldAntrag({ ags: '15003000' }), [parts[MAX_ATTACHMENTS]!], refs), 413, 'GW_PAYLOAD_TOO_LARGE');
  });
});
