import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { createClientAsync, type Client } from 'soap';
import request from 'supertest';
import { requiredAuthConfig, tokenFor } from '../auth/oauth-fixture.js';
import { newMessage } from '../store/suite/fixtures.js';
import { AMQP_URL, declareTestQueue, deleteTestQueue, publishToQueue, queueDepth } from '../support/amqp.js';
import { startTestGateway, waitFor } from '../support/gateway.js';
import { hundAnmeldung, hundSteuerfestsetzung, uuidOf, vorgangOf } from '../support/xzsa-fixtures.js';

const MD = '15003000';
const ZSA = 'zsa:lsa-hund';
const MAGDEBURG = 'ags:15003000';
const XTA = 'https://xoev.de/transport/xta/core/3.1.1';
const WSA = 'http://www.w3.org/2005/08/addressing';
/** An endpoint no delivery worker serves: its outbox rows stay pending, like a receiver that is down. */
const HELD = 'held-receiver';

/**
 * Admission control (ADR 0036) where messages do not come over HTTP: an AMQP inbound channel, a
 * file inbox and XTA's sendMessage. The gateway is made busy by an outbox backlog over a tiny
 * `maxOutboxBacklog` (rows for an endpoint nobody delivers to). While busy, the AMQP channel does
 * not ack (the message is requeued and offered again), the file stays in the inbox, and
 * sendMessage answers a TechnicalProblemException saying the gateway is busy, storing nothing, not
 * even the attachment. Once the backlog is gone, each takes its message, exactly once.
 */
describe('admission: inbound channels and XTA sendMessage defer while the gateway is busy, then take every message', function () {
  this.timeout(120_000);
  const queue = `zsa-test.admission.${randomUUID().slice(0, 8)}`;
  const inbox = mkdtempSync(join(tmpdir(), 'zsa-admission-inbox-'));
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let efa: string;

  before(async () => {
    await declareTestQueue(queue);
    const cfg = requiredAuthConfig();
    // refreshMs long: the test reads the backlog itself (admission.refresh) at the points it decides
    cfg.ingress.admission = { ...cfg.ingress.admission, maxOutboxBacklog: 1, refreshMs: 3_600_000, retryAfterSeconds: 3 };
    cfg.ingress.connectors = [
      { id: 'zsa-workers', connector: 'amqp091', authors: ['zsa-lsa'], config: { url: AMQP_URL, queue, prefetch: 1, requeueDelayMs: 50 } },
      { id: 'zsa-inbox', connector: 'filedrop', authors: ['zsa-lsa'], config: { dir: inbox, inbox: { pollIntervalMs: 50, retryBaseMs: 20, retryMaxMs: 100 } } },
    ];
    cfg.xta = { ...cfg.xta, enabled: true, basePath: '/xta', instance: 'zsa-gateway-test', accounts: [{ identifier: ZSA, participant: 'zsa-lsa', mailbox: 'zsa-hund' }, { identifier: MAGDEBURG, participant: 'magdeburg' }] };
    gw = await startTestGateway(cfg);
    efa = `Bearer ${await tokenFor(gw.url, 'efa-hund-lsa')}`;
  });
  after(async () => {
    await gw?.stop();
    await deleteTestQueue(queue);
    rmSync(inbox, { recursive: true, force: true });
  });

  const store = () => gw.services.store;
  const refusals = () => gw.admission.state().refused['outbox-backlog'];

  /** A stored application of Magdeburg's Hund service (its Vorgang takes the ZSA's draft), sent while the gateway takes messages. */
  async function application(): Promise<string> {
    const xml = hundAnmeldung({ ags: MD });
    const r = await request(gw.url).post('/api/v1/messages').set('authorization', efa).set('content-type', 'application/xml').send(xml);
    expect(r.status, r.text).to.equal(202);
    return hundSteuerfestsetzung({ ags: MD, vorgangId: vorgangOf(xml), anmeldungUuid: uuidOf(xml), author: 'zsa:lsa', reader: `ags:${MD}` });
  }

  /** Two messages wait for HELD: over `maxOutboxBacklog` (1), so admission refuses from the next read of the backlog on. */
  async function busy(): Promise<void> {
    for (let i = 0; i < 2; i++) await store().accept(newMessage({ endpointId: HELD }));
    await gw.admission.refresh();
    expect(gw.admission.overloaded()).to.equal(true);
  }

  /** HELD's messages give up (dead is not pending): the backlog is gone and admission takes again. */
  async function relieve(): Promise<void> {
    for (const item of await store().claimDue({ owner: 'admission-test', leaseMs: 60_000, capacity: { [HELD]: 100 } })) await store().markDead(item, 'receiver gone (test)', false);
    await waitFor('admission taking again', async () => {
      await gw.admission.refresh();
      return gw.admission.overloaded() ? undefined : true;
    });
  }

  const storedDraft = (draft: string) => store().getMessageByUuid('zsa:lsa', uuidOf(draft));

  it('AMQP channel: while busy the message is not acked but requeued and offered again; afterwards it is stored once and leaves the queue', async () => {
    const draft = await application();
    await busy();
    const before = refusals();
    const rejections = (await store().listRejections(1000)).length;
    await publishToQueue(queue, [draft], 'application/xml');
    // refused at least twice: the broker got it back (nack with requeue) and delivered it again
    await waitFor('the channel refused twice', () => (refusals() >= before + 2 ? true : undefined));
    expect(await storedDraft(draft)).to.equal(null);
    expect((await store().listRejections(1000)).length, 'a busy refusal is no verdict: not in the rejection log').to.equal(rejections);
    await relieve();
    const stored = await waitFor('the draft stored', async () => (await storedDraft(draft)) ?? undefined);
    expect(stored.vorgangId).to.equal(vorgangOf(draft));
    await waitFor('the queue empty', async () => ((await queueDepth(queue)) === 0 ? true : undefined));
    expect((await store().listMessages({ author: 'zsa:lsa', limit: 1000 })).filter((m) => m.messageUuid === uuidOf(draft))).to.have.length(1);
  });

  it('file inbox: while busy the file stays in the inbox; afterwards it is stored and moved to processed', async () => {
    const draft = await application();
    await busy();
    const before = refusals();
    const name = `entwurf-${randomUUID()}.xml`;
    writeFileSync(join(inbox, `${name}.part`), draft); // the inbox takes *.xml: rename once complete
    renameSync(join(inbox, `${name}.part`), join(inbox, name));
    await waitFor('the inbox refused twice', () => (refusals() >= before + 2 ? true : undefined));
    expect(existsSync(join(inbox, name)), 'left in the inbox').to.equal(true);
    expect(existsSync(join(inbox, 'processed', name)) || existsSync(join(inbox, 'rejected', name))).to.equal(false);
    expect(await storedDraft(draft)).to.equal(null);
    await relieve();
    await waitFor('the draft stored', async () => (await storedDraft(draft)) ?? undefined);
    await waitFor('the file moved to processed', () => (existsSync(join(inbox, 'processed', name)) && !existsSync(join(inbox, name)) ? true : undefined));
  });

  describe('XTA sendMessage', () => {
    let client: Client;
    before(async () => {
      const bearer = `Bearer ${await tokenFor(gw.url, 'zsa-lsa')}`;
      client = await createClientAsync(`${gw.url}/xta?wsdl`, { forceSoap12Headers: true, wsdl_headers: { authorization: bearer } });
      client.addHttpHeader('Authorization', bearer);
    });

    /** sendMessage of `xml` with one PDF attachment, as the ZSA's account to Magdeburg. */
    function send(xml: string, pdf: Buffer): Promise<unknown> {
      client.clearSoapHeaders();
      client.addSoapHeader({ Action: 'https://xoev.de/transport/xta/core/core.sender/sendMessage' }, 'Action', 'wsa', WSA);
      client.addSoapHeader({ MessageID: `urn:uuid:${randomUUID()}` }, 'MessageID', 'wsa', WSA);
      client.addSoapHeader({ Party: { Identifier: ZSA } }, 'Party', 'xta', XTA);
      const metaData = {
        XTAMessageID: { attributes: { id: 'mid' }, $value: `urn:de:xta:messageid:fv-test:${randomUUID()}` },
        Reader: { attributes: { id: 'reader' }, Identifier: MAGDEBURG },
        Originators: { Author: { attributes: { id: 'author' }, Identifier: ZSA } },
        Qualifier: { attributes: { id: 'q' }, Service: 'urn:zsa-gateway:service:hund', BusinessScenario: { Undefined: 'hund' }, MessageType: { attributes: { messageSchema: 'urn:zsa-gateway:xzsa:1.0' }, $value: 'hund.steuerfestsetzung.0102' } },
        MessageSize: xml.length,
        DeliveryAttributes: { Origin: { attributes: { id: 'origin' }, $value: new Date().toISOString() } },
        ServiceQuality: { attributes: { id: 'sq' }, Undefined: 'test' },
      };
      client.addSoapHeader({ MessageMetaData: metaData }, 'MessageMetaData', 'xta', XTA);
      const body = {
        Message: { attributes: { id: 'msg', contentType: 'application/xml', filename: 'nachricht.xml' }, $value: Buffer.from(xml).toString('base64') },
        Attachment: [{ attributes: { id: 'att0', contentType: 'application/pdf', filename: 'entwurf.pdf', size: pdf.length }, $value: pdf.toString('base64') }],
      };
      return (client as unknown as { sendMessageAsync(b: unknown): Promise<unknown> }).sendMessageAsync(body);
    }

    it('while busy answers a TechnicalProblemException saying busy with Retry-After and stores nothing, not even the attachment; afterwards the same call is stored', async () => {
      const draft = await application();
      const pdf = Buffer.from(`%PDF-1.4\n% Entwurf ${randomUUID()}\n%%EOF\n`);
      const sha512 = createHash('sha512').update(pdf).digest('hex');
      await busy();
      let caught: unknown;
      await send(draft, pdf).catch((err: unknown) => (caught = err));
      const err = caught as { response?: { status?: number; headers?: Record<string, string> }; root?: { Envelope?: { Body?: { Fault?: { Code?: { Value?: string }; Detail?: Record<string, { ErrorCode?: { code?: string }; Detail?: string }> } } } } };
      const fault = err?.root?.Envelope?.Body?.Fault;
      expect(fault, `a SOAP fault, not ${String(caught)}`).to.not.equal(undefined);
      const [exception, detail] = Object.entries(fault!.Detail ?? {})[0]!;
      expect(exception).to.equal('TechnicalProblemException');
      expect(detail.ErrorCode?.code).to.equal('GW_OVERLOADED');
      expect(detail.Detail).to.match(/busy/).and.match(/after 3 s/);
      expect(fault!.Code?.Value).to.match(/Receiver$/);
      expect(err.response?.headers?.['retry-after']).to.equal('3');
      expect(await storedDraft(draft)).to.equal(null);
      expect(await gw.services.attachments.has(sha512), 'no attachment file written while busy').to.equal(false);

      await relieve();
      await send(draft, pdf);
      const stored = await storedDraft(draft);
      expect(stored, 'stored before the answer').to.not.equal(null);
      expect(stored!.attachments.map((a) => a.sha512)).to.deep.equal([sha512]);
      expect(await gw.services.attachments.has(sha512)).to.equal(true);
    });
  });
});
