import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { NotConnectedError, PermanentError, RetryableError } from '../errors.js';
import type { Egress } from '../types.js';
import { makeOutbound, testContext } from '../../test/conformance/outbound.js';
import { EXCERPT_BYTES } from './answer.js';
import { httpConfigSchema, type HttpConfig } from './config.js';
import { httpConnector } from './index.js';
import { Inbox } from './http.fixture.js';

const never = new AbortController().signal;

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(Error);
    return err as Error;
  }
  throw new Error('expected a rejection');
}

/** A port nothing listens on: bound once to get it, then released. */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('http delivery against a real node:http server', function () {
  this.timeout(60_000);
  let inbox: Inbox;
  let egresses: Egress[];

  beforeEach(async () => {
    inbox = new Inbox();
    await inbox.start();
    egresses = [];
  });
  afterEach(async () => {
    try {
      await Promise.all(egresses.map((e) => e.close()));
    } finally {
      await inbox.stop();
    }
  });

  async function connected(overrides: Partial<Record<keyof HttpConfig, unknown>> = {}): Promise<Egress> {
    const egress = httpConnector.create(httpConfigSchema.parse({ url: inbox.url, ...overrides }), testContext('http-delivery'));
    egresses.push(egress);
    await egress.connect(never);
    return egress;
  }

  it('sends the XML with the routing headers, a sha-512 Repr-Digest and Idempotency-Key = gateway id', async () => {
    const egress = await connected({ headers: { Authorization: 'Bearer test-token' } });
    const msg = makeOutbound({ attempt: 2 });
    const receipt = await egress.deliver(msg, never);
    expect(receipt.detail).to.contain('202');
    const [req] = inbox.requests;
    expect(req!.method).to.equal('POST');
    expect(req!.url).to.equal('/inbox/hund?tenant=15003000');
    expect(req!.body.equals(msg.payload)).to.equal(true);
    expect(req!.headers).to.include({
      'content-type': 'application/xml',
      'x-gateway-id': msg.gatewayId,
      'x-message-uuid': msg.messageUuid,
      'x-message-type': msg.messageType,
      'x-vorgang-id': msg.vorgangId,
      'x-author': msg.author,
      'x-reader': msg.reader,
      'x-attempt': '2',
      'idempotency-key': msg.gatewayId,
      authorization: 'Bearer test-token',
    });
    const digest = createHash('sha512').update(req!.body).digest('base64');
    expect(req!.headers['repr-digest']).to.equal(`sha-512=:${digest}:`);
  });

  const cases: Array<[number, 'retryable' | 'permanent']> = [
    [408, 'retryable'],
    [429, 'retryable'],
    [500, 'retryable'],
    [502, 'retryable'],
    [503, 'retryable'],
    [301, 'permanent'],
    [400, 'permanent'],
    [403, 'permanent'],
    [404, 'permanent'],
    [409, 'permanent'],
    [422, 'permanent'],
  ];
  for (const [status, kind] of cases) {
    it(`answer ${status} is ${kind}, and the connector sends exactly one request`, async () => {
      const egress = await connected();
      inbox.mode = { kind: 'answer', status, body: `status ${status} from the test inbox` };
      const err = await rejection(egress.deliver(makeOutbound(), never));
      expect(err).to.be.instanceOf(kind === 'retryable' ? RetryableError : PermanentError);
      expect(err.message).to.contain(String(status));
      expect(inbox.requests).to.have.length(1);
    });
  }

  it('honours Retry-After in seconds', async () => {
    const egress = await connected();
    inbox.mode = { kind: 'answer', status: 503, headers: { 'retry-after': '120' } };
    const err = await rejection(egress.deliver(makeOutbound(), never));
    expect(err).to.be.instanceOf(RetryableError);
    expect((err as RetryableError).retryAfterMs).to.equal(120_000);
  });

  it('honours Retry-After as an HTTP date', async () => {
    const egress = await connected();
    const at = new Date(Date.now() + 3_600_000).toUTCString();
    inbox.mode = { kind: 'answer', status: 429, headers: { 'retry-after': at } };
    const err = (await rejection(egress.deliver(makeOutbound(), never))) as RetryableError;
    expect(err).to.be.instanceOf(RetryableError);
    // an hour ahead, minus however long this machine took: anything from half an hour up
    expect(err.retryAfterMs).to.be.within(1_800_000, 3_600_000);
  });

  it('keeps the kind of a refusal (problem type, title, code), never the text the peer quoted back', async () => {
    const egress = await connected();
    const problem = JSON.stringify({ type: 'urn:fv:invalid', title: 'Pflichtfeld fehlt', code: 'FV-0422', detail: 'Geburtsdatum von Erika Quellwert fehlt', status: 422 });
    inbox.mode = { kind: 'answer', status: 422, body: problem };
    const err = await rejection(egress.deliver(makeOutbound(), never));
    expect(err).to.be.instanceOf(PermanentError);
    expect(err.message).to.contain('422').and.contain('urn:fv:invalid').and.contain('Pflichtfeld fehlt').and.contain('FV-0422');
    expect(err.message).to.not.contain('Quellwert');
    expect(egress.health().status, 'a refusing peer is reachable').to.equal('up');
  });

  it('of a long or non-JSON refusal only the size is kept, capped at the excerpt limit', async () => {
    const egress = await connected();
    inbox.mode = { kind: 'answer', status: 400, body: `Halterin Erika Quellwert unbekannt${' '.repeat(20_000)}` };
    const err = await rejection(egress.deliver(makeOutbound(), never));
    expect(err.message).to.contain('400').and.contain(`${EXCERPT_BYTES}+ bytes`);
    expect(err.message).to.not.contain('Quellwert');
  });

  it('a peer that does not answer in time gives RetryableError', async () => {
    const egress = await connected({ timeoutMs: 300 });
    inbox.mode = { kind: 'hang' };
    const err = await rejection(egress.deliver(makeOutbound(), never));
    expect(err).to.be.instanceOf(RetryableError);
    expect(err.message).to.contain('300 ms');
    expect(egress.health().status).to.equal('down');
  });

  it('connection refused is retryable (counted), not NotConnectedError; health goes down, then up again', async () => {
    const port = await freePort();
    const egress = httpConnector.create(httpConfigSchema.parse({ url: `http://127.0.0.1:${port}/inbox` }), testContext('http-refused'));
    egresses.push(egress);
    await egress.connect(never);
    const err = await rejection(egress.deliver(makeOutbound(), never));
    expect(err).to.be.instanceOf(RetryableError);
    expect(err).to.not.be.instanceOf(NotConnectedError);
    expect(err.message).to.contain('ECONNREFUSED');
    expect(egress.health().status).to.equal('down');
    const ok = await connected();
    await ok.deliver(makeOutbound(), never);
    expect(ok.health().status).to.equal('up');
  });

  it('successStatuses narrows what counts as delivered', async () => {
    const egress = await connected({ successStatuses: [202] });
    await egress.deliver(makeOutbound(), never);
    inbox.mode = { kind: 'accept', status: 200 };
    expect(await rejection(egress.deliver(makeOutbound(), never))).to.be.instanceOf(PermanentError);
  });

  it('PUT is used when configured', async () => {
    const egress = await connected({ method: 'PUT' });
    await egress.deliver(makeOutbound(), never);
    expect(inbox.requests[0]!.method).to.equal('PUT');
  });
});
