import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import busboy from 'busboy';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { fetch } from 'undici';
import request from 'supertest';
import { PullAgent } from '../../gateway/agent/agent.js';
import { validateAgentConfig } from '../../gateway/agent/config.js';
import { readStatus } from '../../gateway/agent/status.js';
import { quietLog, startTestGateway, waitFor } from '../support/gateway.js';
import { DEMO_CLIENTS, requiredAuthConfig, testTokenFor, withTestClients } from '../auth/oauth-fixture.js';
import { listedNachweise, nachweis, uuidOf, vorgangOf, wohngeldAntrag, wohngeldPruefergebnis } from '../support/xzsa-fixtures.js';

const MAILBOX = 'zsa-wohngeld'; // Wohngeld applications go to the ZSA's queue (Magdeburg delegates the completeness check)
const EFA = 'efa-wohngeld-lsa';
const sha = (b: Buffer) => createHash('sha512').update(b).digest('hex');

interface Received {
  gatewayId: string;
  parts: Array<{ field: string; filename: string; mimeType: string; data: Buffer }>;
}

/**
 * The pull agent with a real gateway (auth required) and a local HTTP target that parses the
 * multipart form: a Wohngeld application with its evidence arrives complete, each attachment's
 * sha512 and size as referenced; an attachment a proxy on the way alters or cuts short is
 * refused — nothing handed on, nothing acknowledged — and the message arrives once the way is
 * clean again (a tampered file in the gateway's store is caught by its at-rest seal already); an
 * answer folder with a PDF reaches the Vorgang with its attachment.
 */
describe('pull agent: attachments arrive complete and checked, or not at all (real gateway, a mangling proxy, a local HTTP target)', function () {
  this.timeout(180_000);
  const dir = mkdtempSync(join(tmpdir(), 'zsa-agent-att-'));
  const outbox = join(dir, 'outbox');
  const received: Received[] = [];
  let target: Server;
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let agent: PullAgent | undefined;
  let efaToken: string;
  let targetPort = 0;
  /** A proxy between agent and gateway that alters the attachments named here (a mangling middlebox, a cut transfer). */
  let proxy: Server;
  let proxyUrl = '';
  const mangle = new Map<string, (body: Buffer) => Buffer>();
  const forward = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k, v]) => typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k))) as Record<string, string>;
    const up = await fetch(gw.url + (req.url ?? '/'), { method: req.method ?? 'GET', headers, ...(chunks.length > 0 && { body: Buffer.concat(chunks) }) });
    let body: Buffer = Buffer.from(await up.arrayBuffer());
    const sha512 = /^\/api\/v1\/attachments\/([0-9a-f]{128})$/.exec(req.url ?? '')?.[1];
    const change = sha512 === undefined ? undefined : mangle.get(sha512);
    if (change) body = change(body);
    const out: Record<string, string> = {};
    up.headers.forEach((v, k) => {
      if (!['content-length', 'transfer-encoding', 'connection', 'keep-alive'].includes(k)) out[k] = v;
    });
    res.writeHead(up.status, out).end(body);
  };

  const startAgent = async () => {
    writeFileSync(join(dir, 'zsa.secret'), `${DEMO_CLIENTS['zsa-lsa']}\n`, { mode: 0o600 });
    const cfg = validateAgentConfig(
      {
        gateway: { url: proxyUrl, oauth: { clientId: 'zsa-lsa', clientSecretFile: join(dir, 'zsa.secret') }, waitSeconds: 1 },
        stateDir: join(dir, 'state'),
        mailboxes: [{ mailbox: MAILBOX, targets: [{ kind: 'http', url: `http://127.0.0.1:${targetPort}/inbox`, timeoutMs: 5000 }] }],
        answers: { folder: outbox, pollMs: 200 },
        backoff: { initialMs: 50, maxMs: 300 },
        log: { level: 'silent' },
      },
      dir,
    );
    agent = new PullAgent(cfg, { log: quietLog() });
    await agent.start();
  };

  /** Submits a Wohngeld application as the EfA service with the evidence it lists attached (multipart). */
  const submitAntrag = async (files: string[]) => {
    const xml = wohngeldAntrag({ nachweise: files.map((f) => nachweis('01', f)) });
    let req = request(gw.url).post('/api/v1/messages').set('authorization', `Bearer ${efaToken}`).attach('message', Buffer.from(xml), { filename: 'antrag.xml', contentType: 'application/xml' });
    for (const a of listedNachweise(xml)) req = req.attach('attachment', a.content, { filename: a.name, contentType: a.mediaType });
    const res = await req;
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    return { xml, gatewayId: (res.body as { gatewayId: string }).gatewayId, attachments: listedNachweise(xml) };
  };
  const stateOf = async (id: string) => (await gw.services.store.getMessage(id))?.state;

  before(async () => {
    mkdirSync(outbox);
    target = createServer((req, res) => {
      const parts: Received['parts'] = [];
      const bb = busboy({ headers: req.headers });
      bb.on('file', (field, stream, info) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => parts.push({ field, filename: info.filename ?? "", mimeType: info.mimeType, data: Buffer.concat(chunks) }));
      });
      bb.on('close', () => {
        received.push({ gatewayId: String(req.headers['x-gateway-id']), parts });
        res.writeHead(201).end();
      });
      req.pipe(bb);
    });
    await new Promise<void>((ok) => target.listen(0, '127.0.0.1', () => ok()));
    targetPort = (target.address() as { port: number }).port;
    proxy = createServer((req, res) => void forward(req, res).catch(() => res.destroy()));
    await new Promise<void>((ok) => proxy.listen(0, '127.0.0.1', () => ok()));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
    const cfg = await withTestClients(requiredAuthConfig(), [EFA]);
    cfg.mailbox.leaseMs = 4000; // a refused message comes again soon
    gw = await startTestGateway(cfg);
    efaToken = await testTokenFor(gw.url, EFA);
  });
  after(async () => {
    await agent?.stop();
    await gw?.stop();
    await new Promise<void>((ok) => target.close(() => ok()));
    await new Promise<void>((ok) => proxy.close(() => ok()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('a tampered or short attachment is refused: nothing handed on, not acknowledged; repaired, the message arrives', async () => {
    const tampered = await submitAntrag(['mietvertrag-manipuliert.pdf']);
    const short = await submitAntrag(['lohnabrechnung-gekuerzt.pdf']);
    await waitFor('both in the ZSA queue', async () => ((await stateOf(tampered.gatewayId)) === 'in_mailbox' && (await stateOf(short.gatewayId)) === 'in_mailbox' ? true : undefined));
    const [t, s] = [tampered.attachments[0]!, short.attachments[0]!];
    mangle.set(sha(t.content), (b) => {
      const flipped = Buffer.from(b);
      flipped.writeUInt8(flipped.readUInt8(12) ^ 0x20, 12); // same size, other bytes
      return flipped;
    });
    mangle.set(sha(s.content), (b) => b.subarray(0, b.length - 7)); // cut short

    await startAgent();
    await waitFor('both refused at least once', () => ((readStatus(join(dir, 'state'))?.failed ?? 0) >= 2 ? true : undefined));
    expect(received.map((r) => r.gatewayId)).to.not.include.members([tampered.gatewayId]);
    expect(received.map((r) => r.gatewayId)).to.not.include(short.gatewayId);
    expect(await stateOf(tampered.gatewayId)).to.equal('in_mailbox');
    expect(await stateOf(short.gatewayId)).to.equal('in_mailbox');
    const errors = JSON.stringify(readStatus(join(dir, 'state'))?.errors ?? []);
    expect(errors, errors).to.match(/sha512 is not the one of its reference|its reference says/);
    expect(errors, 'no content in the status').to.not.contain('synthetic attachment');

    mangle.clear();
    await waitFor('both delivered once repaired', async () => ((await stateOf(tampered.gatewayId)) === 'delivered' && (await stateOf(short.gatewayId)) === 'delivered' ? true : undefined), 60_000);
  });

  it('a Wohngeld application with its evidence arrives complete: message, manifest and every attachment with the referenced sha512 and size', async () => {
    const antrag = await submitAntrag(['mietvertrag.pdf', 'lohnabrechnung-2025-02.pdf', 'kontoauszug.pdf']);
    await waitFor('acknowledged', async () => ((await stateOf(antrag.gatewayId)) === 'delivered' ? true : undefined));
    const got = received.filter((r) => r.gatewayId === antrag.gatewayId);
    expect(got).to.have.length(1);
    const parts = got[0]!.parts;
    expect(parts.map((p) => p.field)).to.deep.equal(['manifest', 'message', 'attachment', 'attachment', 'attachment']);
    expect(parts[1]!.data.toString('utf8')).to.equal(antrag.xml);
    const manifest = JSON.parse(parts[0]!.data.toString('utf8')) as { gatewayId: string; attachments: Array<{ name: string; sha512: string; size: number }> };
    expect(manifest.gatewayId).to.equal(antrag.gatewayId);
    expect(manifest.attachments.map((a) => a.name)).to.deep.equal(antrag.attachments.map((a) => a.name));
    for (const [i, a] of antrag.attachments.entries()) {
      const part = parts[2 + i]!;
      expect(part.filename).to.equal(a.name);
      expect(part.mimeType).to.equal(a.mediaType);
      expect(part.data.equals(a.content), a.name).to.equal(true);
      expect(manifest.attachments[i]).to.include({ sha512: sha(a.content), size: a.content.length });
    }
  });

  it('an answer folder with a PDF reaches the Vorgang with its attachment; a folder whose manifest hash does not match goes to failed/', async () => {
    const antrag = await submitAntrag(['mietvertrag-2.pdf']);
    await waitFor('acknowledged', async () => ((await stateOf(antrag.gatewayId)) === 'delivered' ? true : undefined));
    const pdf = Buffer.from('%PDF-1.4\n% Pruefvermerk (synthetisch)\n%%EOF\n');
    const answer = wohngeldPruefergebnis({ vorgangId: vorgangOf(antrag.xml), antragUuid: uuidOf(antrag.xml) });
    const writeFolder = (name: string, manifest: unknown) => {
      const part = join(outbox, `.${name}.part`);
      mkdirSync(part);
      writeFileSync(join(part, 'pruefergebnis.xml'), answer);
      writeFileSync(join(part, 'pruefergebnis.pdf'), pdf);
      writeFileSync(join(part, 'manifest.json'), JSON.stringify(manifest));
      renameSync(part, join(outbox, name));
    };
    writeFolder('bad-hash', { message: 'pruefergebnis.xml', attachments: [{ file: 'pruefergebnis.pdf', mediaType: 'application/pdf', sha512: sha(Buffer.from('other')) }] });
    writeFolder('escape', { message: '../outside.xml' });
    await waitFor('both refused into failed/', () => {
      try {
        return readFileSync(join(outbox, 'failed', 'bad-hash.problem.json'), 'utf8') && readFileSync(join(outbox, 'failed', 'escape.problem.json'), 'utf8') ? true : undefined;
      } catch {
        return undefined;
      }
    });
    expect(JSON.parse(readFileSync(join(outbox, 'failed', 'bad-hash.problem.json'), 'utf8'))).to.include({ code: 'AGENT_MANIFEST_INVALID' });
    expect(JSON.parse(readFileSync(join(outbox, 'failed', 'escape.problem.json'), 'utf8')).detail).to.contain('message');

    writeFolder('pruefergebnis-1', { message: 'pruefergebnis.xml', attachments: [{ file: 'pruefergebnis.pdf', name: 'Pruefvermerk.pdf', mediaType: 'application/pdf', sha512: sha(pdf) }] });
    const inCase = await waitFor('the answer in the Vorgang', async () => (await gw.services.store.vorgang(vorgangOf(antrag.xml))).find((m) => m.messageType === 'wohngeld.pruefergebnis.0202'));
    expect(inCase.author).to.equal('zsa:lsa');
    expect(inCase.attachments).to.deep.equal([{ name: 'Pruefvermerk.pdf', mediaType: 'application/pdf', sha512: sha(pdf), size: pdf.length }]);
    await waitFor('moved to sent/', () => {
      try {
        return readFileSync(join(outbox, 'sent', 'pruefergebnis-1', 'manifest.json')) ? true : undefined;
      } catch {
        return undefined;
      }
    });
  });
});
