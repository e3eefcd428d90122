import { expect } from 'chai';
import { Agent as HttpsAgent } from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClientAsync, ClientSSLSecurity, type Client } from 'soap';
import { Agent, request } from 'undici';
import { LAYOUT } from '../../certs-dev/files.js';
import { PKI_TIMEOUT_MS, testPki, type TestPki } from '../auth/pki-fixture.js';
import { requiredAuthConfig } from '../auth/oauth-fixture.js';
import { startTestGateway, waitFor } from '../support/gateway.js';
import { hundAnmeldung, hundSteuerfestsetzung } from '../support/xzsa-fixtures.js';

const XTA = 'https://xoev.de/transport/xta/core/3.1.1';
const WSA = 'http://www.w3.org/2005/08/addressing';
const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';
const ZSA = 'zsa:lsa-hund';
const MAGDEBURG = 'ags:15003000';
const LEASE_MS = 1000;

type Port = 'core.transport.base' | 'core.sender' | 'core.recipient';
interface Fault {
  code: string;
  exception: string;
  detail: string;
}

/**
 * The XTA 2 web service driven by node-soap's client against the WSDL the gateway serves, over real
 * HTTPS with client certificates (development PKI): send, list, get, close; a fetch not closed comes
 * back after its lease, a closed one never; faults are XTA's exception elements; the accounts are
 * bound to the certificate's participant (other accounts, other spellings, other boxes' ids); hostile
 * envelopes are answered with SOAP 1.2 faults and the gateway stays up.
 */
describe('xta: the XTA 2 web service over mTLS with a real SOAP client', function () {
  this.timeout(180_000);
  let pki: TestPki;
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let cfg: ReturnType<typeof requiredAuthConfig>;
  const clients = new Map<string, Client>();

  before(async function () {
    this.timeout(PKI_TIMEOUT_MS);
    pki = await testPki();
    cfg = requiredAuthConfig();
    cfg.server.tls = { certFile: join(pki.dir, LAYOUT.serverCert), keyFile: join(pki.dir, LAYOUT.serverKey), caFile: join(pki.dir, LAYOUT.chain), crlFile: join(pki.dir, LAYOUT.crl), clientAuth: 'required' };
    cfg.server.maxMessageBytes = 64 * 1024;
    cfg.server.maxAttachmentBytes = 64 * 1024;
    cfg.mailbox.leaseMs = LEASE_MS;
    cfg.xta = {
      enabled: true,
      basePath: '/xta',
      instance: 'zsa-gateway-test',
      accounts: [
        { identifier: ZSA, participant: 'zsa-lsa', mailbox: 'zsa-hund' },
        { identifier: MAGDEBURG, participant: 'magdeburg' },
      ],
    };
    gw = await startTestGateway(cfg);
  });
  after(() => gw?.stop());

  const tls = (id: string) => ({ ca: readFileSync(join(pki.dir, LAYOUT.root)), cert: readFileSync(join(pki.dir, LAYOUT.clientCert(id))), key: readFileSync(join(pki.dir, LAYOUT.clientKey(id))) });

  /** A node-soap client built from the served WSDL, presenting `id`'s client certificate. */
  async function client(id: string): Promise<Client> {
    const known = clients.get(id);
    if (known) return known;
    const t = tls(id);
    const c = await createClientAsync(`${gw.url}/xta?wsdl`, { forceSoap12Headers: true, wsdl_options: { httpsAgent: new HttpsAgent(t) } });
    c.setSecurity(new ClientSSLSecurity(t.key, t.cert, t.ca));
    clients.set(id, c);
    return c;
  }

  /** Calls `op` as `id` with the Party header `account`, the WS-Addressing headers XTA requires and optional MessageMetaData. */
  async function call(id: string, account: string, port: Port, op: string, args: unknown, metaData?: unknown, options?: Record<string, unknown>): Promise<{ result: unknown; header: Record<string, unknown>; sentId: string }> {
    const c = await client(id);
    const sentId = `urn:uuid:${crypto.randomUUID()}`;
    c.clearSoapHeaders();
    c.addSoapHeader({ Action: `https://xoev.de/transport/xta/core/${port}/${op}` }, 'Action', 'wsa', WSA);
    c.addSoapHeader({ MessageID: sentId }, 'MessageID', 'wsa', WSA);
    c.addSoapHeader({ Party: { Identifier: account } }, 'Party', 'xta', XTA);
    if (metaData !== undefined) c.addSoapHeader({ MessageMetaData: metaData }, 'MessageMetaData', 'xta', XTA);
    const fn = (c as unknown as Record<string, (a: unknown, o?: unknown) => Promise<[unknown, string, Record<string, unknown> | undefined]>>)[`${op}Async`]!;
    const [result, , header] = await fn.call(c, args, options);
    // an empty body (the WSDL's EmptyBody) leaves node-soap's result as the whole envelope
    const envelope = result as { Header?: Record<string, unknown>; Body?: unknown } | null;
    if (envelope && typeof envelope === 'object' && 'Body' in envelope && envelope.Body === null) return { result: null, header: envelope.Header ?? {}, sentId };
    return { result, header: header ?? {}, sentId };
  }

  /** The XTA exception of a call that must fail. */
  async function fault(p: Promise<unknown>): Promise<Fault> {
    try {
      await p;
    } catch (err) {
      const f = (err as { root?: { Envelope?: { Body?: { Fault?: { Code?: { Value?: string }; Detail?: Record<string, { ErrorCode?: { code?: string }; Detail?: string }> } } } } }).root?.Envelope?.Body?.Fault;
      expect(f, `a SOAP fault, not ${String(err)}`).to.not.equal(undefined);
      const [exception, body] = Object.entries(f!.Detail ?? {})[0] ?? ['', {}];
      return { code: f!.Code?.Value ?? '', exception, detail: `${body.ErrorCode?.code ?? ''} ${body.Detail ?? ''}` };
    }
    expect.fail('the call succeeded');
  }

  const xtaIdOf = (gatewayId: string) => `urn:de:xta:messageid:zsa-gateway-test:${gatewayId}`;
  /** The XTA ids getStatusList lists; `newEntry` absent leaves NewEntry out (the standard then selects only messages never fetched). */
  const listed = async (id: string, account: string, newEntry?: boolean): Promise<string[]> => {
    const { result } = await call(id, account, 'core.recipient', 'getStatusList', { OtherCriteria: { ...(newEntry !== undefined && { NewEntry: newEntry }), MaxMessages: 50 } });
    const md = (result as { MessageMetaData?: unknown } | null)?.MessageMetaData;
    return (Array.isArray(md) ? md : md ? [md] : []).map((m: { XTAMessageID: { $value?: string } | string }) => (typeof m.XTAMessageID === 'string' ? m.XTAMessageID : m.XTAMessageID.$value ?? '').toLowerCase());
  };
  const state = async (gatewayId: string) => (await gw.services.store.getMessage(gatewayId))?.state;
  const content = (result: unknown) => Buffer.from(String((result as { Message: { $value: string } }).Message.$value), 'base64').toString('utf8');

  const anmeldung = hundAnmeldung({ ags: '15003000' });
  const vorgangId = /<xzsab:vorgangsID>([^<]+)</.exec(anmeldung)![1]!;
  const anmeldungUuid = /<xzsab:nachrichtenUUID>([^<]+)</.exec(anmeldung)![1]!;
  let anmeldungId: string;

  it('serves the WSDL with the addresses of its three ports', async () => {
    const res = await request(`${gw.url}/xta?wsdl`, { dispatcher: new Agent({ connect: tls('magdeburg') }) });
    const wsdl = await res.body.text();
    expect(res.statusCode).to.equal(200);
    for (const port of ['transport-base', 'sender', 'recipient']) expect(wsdl).to.contain(`location="${gw.url}/xta/${port}"`);
    expect(wsdl).to.contain(`targetNamespace="${XTA}"`).and.contain('http://schemas.xmlsoap.org/wsdl/soap12/');
  });

  it('checkAccountActive answers for the caller\'s own account', async () => {
    const { result, header, sentId } = await call('zsa-lsa', ZSA, 'core.transport.base', 'checkAccountActive', {});
    expect(result).to.equal(null);
    // WS-Addressing: the WSDL's output action, related to the request's message id
    expect(header).to.include({ Action: 'https://xoev.de/transport/xta/core/core.transport.base/checkAccountActiveResponse', RelatesTo: sentId });
  });

  it('lists, gets and — without close — gives the message again after its lease; close makes it delivered, and it is never listed again', async () => {
    anmeldungId = (await gw.services.pipeline.submit(Buffer.from(anmeldung), [], { remote: 'test' })).receipt.gatewayId;
    await waitFor('anmeldung in the ZSA box', async () => ((await state(anmeldungId)) === 'in_mailbox' ? true : undefined));
    const xtaId = xtaIdOf(anmeldungId);
    expect(await listed('zsa-lsa', ZSA)).to.include(xtaId);

    const first = await call('zsa-lsa', ZSA, 'core.recipient', 'getMessage', { XTAMessageID: { attributes: { id: 'f1' }, $value: xtaId } });
    expect(content(first.result)).to.equal(anmeldung);
    const meta = first.header['MessageMetaData'] as { Originators: { Author: { Identifier: unknown } }; Qualifier: { MessageType: { $value: string } } };
    expect(meta.Qualifier.MessageType.$value).to.equal('hund.anmeldung.0101');
    expect(await state(anmeldungId)).to.equal('in_mailbox'); // fetched is not collected
    expect(await listed('zsa-lsa', ZSA), 'hidden while its fetch runs').to.not.include(xtaId);

    // not closed: back after the lease — listed with NewEntry false; NewEntry true or absent lists only messages never fetched
    await waitFor('the unclosed message listed again', async () => ((await listed('zsa-lsa', ZSA, false)).includes(xtaId) ? true : undefined));
    expect(await listed('zsa-lsa', ZSA), 'NewEntry absent: fetched before, so not new').to.not.include(xtaId);
    expect(await listed('zsa-lsa', ZSA, true), 'NewEntry true: not new').to.not.include(xtaId);
    const second = await call('zsa-lsa', ZSA, 'core.recipient', 'getMessage', { XTAMessageID: { attributes: { id: 'f2' }, $value: xtaId.toUpperCase() } });
    expect(content(second.result)).to.equal(anmeldung);
    await call('zsa-lsa', ZSA, 'core.recipient', 'close', { XTAMessageID: { attributes: { id: 'c1' }, $value: xtaId } });
    expect(await state(anmeldungId)).to.equal('delivered');
    // a repeated close (its answer got lost) is no error
    await call('zsa-lsa', ZSA, 'core.recipient', 'close', { XTAMessageID: { attributes: { id: 'c2' }, $value: xtaId } });

    await new Promise((r) => setTimeout(r, LEASE_MS * 2));
    expect(await listed('zsa-lsa', ZSA, false), 'closed: never again').to.not.include(xtaId);
    expect((await fault(call('zsa-lsa', ZSA, 'core.recipient', 'getMessage', { XTAMessageID: { attributes: { id: 'f3' }, $value: xtaId } }))).exception).to.equal('InvalidMessageIDException');
  });

  const metaData = (author: string, reader: string, service = 'urn:zsa-gateway:service:hund') => ({
    XTAMessageID: { attributes: { id: 'mid' }, $value: `urn:de:xta:messageid:fv-test:${crypto.randomUUID()}` },
    Reader: { attributes: { id: 'reader' }, Identifier: reader },
    Originators: { Author: { attributes: { id: 'author' }, Identifier: author } },
    Qualifier: { attributes: { id: 'q' }, Service: service, BusinessScenario: { Undefined: 'hund' }, MessageType: { attributes: { messageSchema: 'urn:zsa-gateway:xzsa:1.0' }, $value: 'hund.steuerfestsetzung.0102' } },
    MessageSize: 1000,
    DeliveryAttributes: { Origin: { attributes: { id: 'origin' }, $value: new Date().toISOString() } },
    ServiceQuality: { attributes: { id: 'sq' }, Undefined: 'test' },
  });
  const container = (xml: string, attachments: Array<{ name: string; content: Buffer }> = []) => ({
    Message: { attributes: { id: 'msg', contentType: 'application/xml', filename: 'nachricht.xml' }, $value: Buffer.from(xml).toString('base64') },
    ...(attachments.length > 0 ? { Attachment: attachments.map((a, i) => ({ attributes: { id: `att${i}`, contentType: 'application/pdf', filename: a.name, size: a.content.length }, $value: a.content.toString('base64') })) } : {}),
  });

  it('sendMessage stores through the pipeline before it answers; the reader finds it in its box', async () => {
    const msgId = createdId(await call('zsa-lsa', ZSA, 'core.sender', 'createMessageID', {}));
    expect(msgId).to.match(/^urn:de:xta:messageid:zsa-gateway-test:[0-9a-f-]{36}$/);
    const draft = hundSteuerfestsetzung({ ags: '15003000', vorgangId, anmeldungUuid, author: 'zsa:lsa', reader: 'ags:15003000' });
    const draftUuid = /<xzsab:nachrichtenUUID>([^<]+)</.exec(draft)![1]!;
    const pdf = Buffer.from('%PDF-1.4\n% Bescheidentwurf (Test)\n%%EOF\n');
    await call('zsa-lsa', ZSA, 'core.sender', 'sendMessage', container(draft, [{ name: 'entwurf.pdf', content: pdf }]), metaData(ZSA, MAGDEBURG));
    // answered means stored: the message exists now, under the author's UUID
    const stored = (await gw.services.store.listMessages({ author: 'zsa:lsa', limit: 50 })).find((m) => m.messageUuid === draftUuid);
    expect(stored, 'stored before the answer').to.not.equal(undefined);
    await waitFor('draft in Magdeburg\'s box', async () => ((await listed('magdeburg', MAGDEBURG)).includes(xtaIdOf(stored!.id)) ? true : undefined));
    const got = await call('magdeburg', MAGDEBURG, 'core.recipient', 'getMessage', { XTAMessageID: { attributes: { id: 'g' }, $value: xtaIdOf(stored!.id) } });
    expect(content(got.result)).to.equal(draft);
    // the attachment travels with it, in the body
    const att = (got.result as { Attachment: { attributes?: Record<string, string>; $value: string } | Array<{ $value: string }> }).Attachment;
    const first = Array.isArray(att) ? att[0]! : att;
    expect(Buffer.from(first.$value, 'base64').equals(pdf)).to.equal(true);
    expect(stored!.attachments.map((a) => a.name)).to.deep.equal(['entwurf.pdf']);
    await call('magdeburg', MAGDEBURG, 'core.recipient', 'close', { XTAMessageID: { attributes: { id: 'c' }, $value: xtaIdOf(stored!.id) } });
    expect(await state(stored!.id)).to.equal('delivered');
  });

  it('sendMessage over MTOM (the WSDL\'s OptimizedMimeSerialization): message and attachment as binary parts named by xop:Include', async () => {
    const draft = hundSteuerfestsetzung({ ags: '15003000', vorgangId, anmeldungUuid, author: 'zsa:lsa', reader: 'ags:15003000', jahresbetrag: '96.00' });
    const draftUuid = /<xzsab:nachrichtenUUID>([^<]+)</.exec(draft)![1]!;
    const pdf = Buffer.from('%PDF-1.4\n% MTOM-Anlage (Test)\n%%EOF\n');
    const include = (cid: string) => `<xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" href="cid:${cid}"/>`;
    const body = {
      Message: { attributes: { id: 'msg', contentType: 'application/xml', filename: 'nachricht.xml' }, $xml: include('message-part') },
      Attachment: [{ attributes: { id: 'att', contentType: 'application/pdf', filename: 'anlage.pdf' }, $xml: include('attachment-part') }],
    };
    const attachments = [
      { mimetype: 'application/xml', contentId: 'message-part', name: 'nachricht.xml', body: Buffer.from(draft) },
      { mimetype: 'application/pdf', contentId: 'attachment-part', name: 'anlage.pdf', body: pdf },
    ];
    await call('zsa-lsa', ZSA, 'core.sender', 'sendMessage', body, metaData(ZSA, MAGDEBURG), { forceMTOM: true, attachments });
    const stored = (await gw.services.store.listMessages({ author: 'zsa:lsa', limit: 50 })).find((m) => m.messageUuid === draftUuid);
    expect(stored, 'stored from the MTOM package').to.not.equal(undefined);
    expect(stored!.attachments.map((a) => [a.name, a.size])).to.deep.equal([['anlage.pdf', pdf.length]]);
  });

  const createdId = (r: { result: unknown }) => (typeof r.result === 'string' ? r.result : (r.result as { $value: string }).$value);

  describe('faults are XTA\'s exceptions', () => {
    it('unknown account → PermissionDeniedException', async () => {
      const f = await fault(call('zsa-lsa', 'xta:nobody', 'core.transport.base', 'checkAccountActive', {}));
      expect(f).to.include({ code: 'soap:Sender', exception: 'PermissionDeniedException' });
    });

    it('unknown service: lookupService says not available; sendMessage → ParameterIsNotValidException', async () => {
      const { result } = await call('zsa-lsa', ZSA, 'core.sender', 'lookupService', {
        LookupService: [
          { Reader: { Identifier: MAGDEBURG }, Service: 'urn:zsa-gateway:service:hund' },
          { Reader: { Identifier: MAGDEBURG }, Service: 'urn:zsa-gateway:service:nope' },
          { Reader: { Identifier: 'ags:99999999' } },
        ],
      });
      const answers = (result as { LookupServiceResult: Array<{ IsServiceAvailableValue: { ServiceIsAvailable: boolean | string } }> }).LookupServiceResult.map((r) => String(r.IsServiceAvailableValue.ServiceIsAvailable));
      expect(answers).to.deep.equal(['true', 'false', 'false']);
      const draft = hundSteuerfestsetzung({ ags: '15003000', vorgangId, anmeldungUuid, author: 'zsa:lsa', reader: 'ags:15003000' });
      const f = await fault(call('zsa-lsa', ZSA, 'core.sender', 'sendMessage', container(draft), metaData(ZSA, MAGDEBURG, 'urn:zsa-gateway:service:nope')));
      expect(f.exception).to.equal('ParameterIsNotValidException');
      expect(f.detail).to.contain('GW_XTA_UNKNOWN_SERVICE');
    });

    it('a message its schema refuses → MessageSchemaViolationException, without its content in the fault', async () => {
      const bad = hundSteuerfestsetzung({ ags: '15003000', vorgangId, anmeldungUuid, author: 'zsa:lsa', reader: 'ags:15003000' }).replace('<xzsa:jahresbetrag>96.00</xzsa:jahresbetrag>', '<xzsa:jahresbetrag>Erika Testfrau</xzsa:jahresbetrag>');
      const f = await fault(call('zsa-lsa', ZSA, 'core.sender', 'sendMessage', container(bad), metaData(ZSA, MAGDEBURG)));
      expect(f.exception).to.equal('MessageSchemaViolationException');
      expect(f.detail).to.not.contain('Erika');
    });

    it('sendMessageSync → SyncAsyncException; getTransportReport → NotImplementedException', async () => {
      const draft = hundSteuerfestsetzung({ ags: '15003000', vorgangId, anmeldungUuid, author: 'zsa:lsa', reader: 'ags:15003000' });
      expect((await fault(call('zsa-lsa', ZSA, 'core.sender', 'sendMessageSync', container(draft), metaData(ZSA, MAGDEBURG)))).exception).to.equal('SyncAsyncException');
      expect((await fault(call('zsa-lsa', ZSA, 'core.transport.base', 'getTransportReport', { attributes: { id: 'r' }, $value: xtaIdOf(anmeldungId) }))).exception).to.equal('NotImplementedException');
    });
  });

  describe('an attacker with a valid certificate', () => {
    it('cannot use another participant\'s account, in any spelling', async () => {
      for (const other of [ZSA, 'ZSA:LSA-HUND', ' zsa:lsa-hund ', 'zsa:lsa-hund\u200b', 'Zsa:lsa-hund']) {
        const f = await fault(call('magdeburg', other, 'core.recipient', 'getStatusList', { OtherCriteria: { MaxMessages: 5 } }));
        expect(f.exception, JSON.stringify(other)).to.equal('PermissionDeniedException');
      }
    });

    it('cannot get or close another box\'s message by its id', async () => {
      const id = (await gw.services.pipeline.submit(Buffer.from(hundAnmeldung({ ags: '15003000' })), [], { remote: 'test' })).receipt.gatewayId;
      await waitFor('in the ZSA box', async () => ((await state(id)) === 'in_mailbox' ? true : undefined));
      const xtaId = xtaIdOf(id);
      expect((await fault(call('magdeburg', MAGDEBURG, 'core.recipient', 'getMessage', { XTAMessageID: { attributes: { id: 'x' }, $value: xtaId } }))).exception).to.equal('InvalidMessageIDException');
      // the owner fetches it; the attacker still cannot close it
      await call('zsa-lsa', ZSA, 'core.recipient', 'getMessage', { XTAMessageID: { attributes: { id: 'y' }, $value: xtaId } });
      expect((await fault(call('magdeburg', MAGDEBURG, 'core.recipient', 'close', { XTAMessageID: { attributes: { id: 'z' }, $value: xtaId } }))).exception).to.equal('InvalidMessageIDException');
      expect(await state(id)).to.equal('in_mailbox');
    });

    it('the ZSA no longer sees a municipality\'s items once it took the service back (current delegation)', async () => {
      const id = (await gw.services.pipeline.submit(Buffer.from(hundAnmeldung({ ags: '15003000' })), [], { remote: 'test' })).receipt.gatewayId;
      await waitFor('in the ZSA box', async () => ((await state(id)) === 'in_mailbox' ? true : undefined));
      expect(await listed('zsa-lsa', ZSA)).to.include(xtaIdOf(id));
      await gw.services.store.setDelegation({ ags: '15003000', service: 'hund', mode: 'none', actor: 'test', reason: 'test: taken back' }, 'e2e');
      try {
        expect(await listed('zsa-lsa', ZSA)).to.not.include(xtaIdOf(id));
        expect((await fault(call('zsa-lsa', ZSA, 'core.recipient', 'getMessage', { XTAMessageID: { attributes: { id: 'w' }, $value: xtaIdOf(id) } }))).exception).to.equal('InvalidMessageIDException');
      } finally {
        await gw.services.store.setDelegation({ ags: '15003000', service: 'hund', mode: 'e2e', actor: 'test', reason: 'test: restored' }, 'e2e');
      }
    });

    it('cannot send as another participant: neither as the transport order\'s author nor as the message\'s', async () => {
      const asMagdeburg = hundSteuerfestsetzung({ ags: '15003000', vorgangId, anmeldungUuid, author: 'zsa:lsa', reader: 'ags:15003000' });
      expect((await fault(call('zsa-lsa', ZSA, 'core.sender', 'sendMessage', container(asMagdeburg), metaData(MAGDEBURG, MAGDEBURG)))).exception).to.equal('PermissionDeniedException');
      const forged = hundSteuerfestsetzung({ ags: '15003000', vorgangId, anmeldungUuid, author: 'ags:15003000', reader: 'zsa:lsa' });
      const f = await fault(call('zsa-lsa', ZSA, 'core.sender', 'sendMessage', container(forged), metaData(ZSA, 'zsa:lsa')));
      expect(f.exception).to.equal('PermissionDeniedException');
      expect(f.detail).to.contain('GW_FORBIDDEN');
    });
  });

  describe('hostile requests are answered with SOAP 1.2 faults, never a crash', () => {
    const raw = async (body: string | Buffer, contentType = 'application/soap+xml; charset=utf-8') => {
      const res = await request(`${gw.url}/xta/recipient`, { method: 'POST', body, headers: { 'content-type': contentType }, dispatcher: new Agent({ connect: tls('magdeburg') }) });
      return { status: res.statusCode, type: String(res.headers['content-type']), text: await res.body.text() };
    };
    const envelope = (inner: string) => `<s:Envelope xmlns:s="${SOAP12}" xmlns:a="${WSA}"><s:Header><a:Action>https://xoev.de/transport/xta/core/core.recipient/getStatusList</a:Action></s:Header><s:Body>${inner}</s:Body></s:Envelope>`;

    for (const [name, body, type, status, code, why] of [
      ['malformed XML', '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>', undefined, 400, 'soap:Sender'],
      ['a SOAP 1.1 envelope', '<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body/></e:Envelope>', undefined, 400, 'soap:VersionMismatch'],
      ['SOAP 1.1 content type', envelope(''), 'text/xml; charset=utf-8', 400, 'soap:VersionMismatch'],
      ['an external entity (XXE)', `<!DOCTYPE s:Envelope [<!ENTITY x SYSTEM "file:///etc/passwd">]>${envelope('<m>&x;</m>')}`, undefined, 400, 'soap:Sender'],
      ['entity expansion', `<!DOCTYPE s [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>${envelope('<m>&b;</m>')}`, undefined, 400, 'soap:Sender'],
      ['no root Envelope', '<x/>', undefined, 400, 'soap:Sender'],
      ['no action', `<s:Envelope xmlns:s="${SOAP12}"><s:Body/></s:Envelope>`, undefined, 400, 'soap:Sender'],
      ['an oversized body', envelope(`<m>${'A'.repeat(512 * 1024)}</m>`), undefined, 413, 'soap:Sender'],
      ['an MTOM package without a boundary', envelope(''), 'multipart/related; type="application/xop+xml"', 400, 'soap:Sender'],
      [
        'an xop:Include naming no part of the MTOM package',
        `--b1\r\nContent-Type: application/xop+xml; type="application/soap+xml"\r\nContent-ID: <root>\r\n\r\n${envelope('<x:MessageSelector xmlns:x="https://xoev.de/transport/xta/core/3.1.1"><x:XTAMessageIDs><x:XTAMessageID id="i"><xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" href="cid:missing"/></x:XTAMessageID></x:XTAMessageIDs></x:MessageSelector>')}\r\n--b1--\r\n`,
        'multipart/related; type="application/xop+xml"; start="<root>"; boundary=b1',
        400,
        'soap:Sender',
        'names no part',
      ],
    ] as Array<[string, string, string | undefined, number, string, string?]>) {
      it(name, async () => {
        const res = await raw(body, type);
        if (why !== undefined) expect(res.text).to.contain(why);
        expect(res.status, res.text).to.equal(status);
        expect(res.type).to.contain('application/soap+xml');
        expect(res.text).to.contain(`<soap:Value>${code}</soap:Value>`);
        expect(res.text).to.not.contain('root:');
      });
    }

    it('an action the port does not offer → NotImplementedException; the gateway is still up', async () => {
      const res = await raw(envelope('').replace('core.recipient/getStatusList', 'core.sender/sendMessage'));
      expect(res.status).to.equal(400);
      expect(res.text).to.contain('NotImplementedException');
      const health = await request(`${gw.url}/health`, { dispatcher: new Agent({ connect: tls('magdeburg') }) });
      expect(health.statusCode).to.equal(200);
      await health.body.dump();
    });
  });

  /** Stops the gateway (its data stays) and starts it again on the same data with `leaseMs`; SOAP clients are built anew for the new address. */
  async function restart(leaseMs: number): Promise<void> {
    await gw.close();
    cfg.mailbox.leaseMs = leaseMs;
    gw = await startTestGateway(cfg);
    clients.clear();
  }

  it('close after a gateway restart within the lease collects the message; another box cannot close it, a stale fetch cannot either', async () => {
    await restart(120_000); // a lease that outlives the restart below
    const id = (await gw.services.pipeline.submit(Buffer.from(hundAnmeldung({ ags: '15003000' })), [], { remote: 'test' })).receipt.gatewayId;
    await waitFor('in the ZSA box', async () => ((await state(id)) === 'in_mailbox' ? true : undefined));
    const xtaId = xtaIdOf(id);
    await call('zsa-lsa', ZSA, 'core.recipient', 'getMessage', { XTAMessageID: { attributes: { id: 'r1' }, $value: xtaId } });

    await restart(120_000);
    expect(await state(id)).to.equal('in_mailbox');
    expect((await fault(call('magdeburg', MAGDEBURG, 'core.recipient', 'close', { XTAMessageID: { attributes: { id: 'r2' }, $value: xtaId } }))).exception).to.equal('InvalidMessageIDException');
    await call('zsa-lsa', ZSA, 'core.recipient', 'close', { XTAMessageID: { attributes: { id: 'r3' }, $value: xtaId.toUpperCase() } });
    expect(await state(id)).to.equal('delivered');
    await call('zsa-lsa', ZSA, 'core.recipient', 'close', { XTAMessageID: { attributes: { id: 'r4' }, $value: xtaId } }); // repeated: no error

    // a fetch whose lease ran out and was taken over by the REST mailbox API: its close is refused, the message stays
    const other = (await gw.services.pipeline.submit(Buffer.from(hundAnmeldung({ ags: '15003000' })), [], { remote: 'test' })).receipt.gatewayId;
    await waitFor('in the ZSA box', async () => ((await state(other)) === 'in_mailbox' ? true : undefined));
    await restart(LEASE_MS);
    await call('zsa-lsa', ZSA, 'core.recipient', 'getMessage', { XTAMessageID: { attributes: { id: 'r5' }, $value: xtaIdOf(other) } });
    const taken = await waitFor('the REST fetch after the XTA lease ended', async () => {
      const item = (await gw.services.store.mailboxList('zsa-hund', 500)).find((i) => i.messageId === other);
      return item === undefined ? undefined : ((await gw.services.store.mailboxFetch('zsa-hund', 60_000, item.id)) ?? undefined);
    });
    expect((await fault(call('zsa-lsa', ZSA, 'core.recipient', 'close', { XTAMessageID: { attributes: { id: 'r6' }, $value: xtaIdOf(other) } }))).exception).to.equal('InvalidMessageIDException');
    expect(await state(other)).to.equal('in_mailbox');
    await gw.services.store.mailboxAck('zsa-hund', taken.item.id, taken.leaseToken, 'test');
  });
});
