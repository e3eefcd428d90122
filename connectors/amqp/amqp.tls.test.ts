import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as tcpConnect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, type Server, type TLSSocket } from 'node:tls';
import { LAYOUT } from '../../certs-dev/files.js';
import { generateDevPki } from '../../certs-dev/generate.js';
import { makeOutbound, testContext } from '../../test/conformance/outbound.js';
import type { Egress } from '../types.js';
import { amqpConfigSchema } from './config.js';
import { consumeReplies } from './consumer.js';
import { amqpConnector } from './index.js';
import { BROKER_URL, BrokerReader, cleanupAll, rejection, uniqueName, waitFor } from './amqp.fixture.js';

/**
 * amqps:// end to end without touching the shared broker's listeners: the shared RabbitMQ
 * has no TLS listener and enabling one means restarting it. A TLS terminator in this test
 * (requiring a client certificate from the test CA) forwards the decrypted bytes to the
 * broker's plain port, so what is checked is everything on our side of the wire: CA file,
 * client certificate and key, SNI servername, and the hostname check.
 */
describe('amqp091 over TLS (amqps://, through a TLS terminator in front of the real broker)', function () {
  this.timeout(180_000);
  const SNI = 'rabbit.zsa.test';
  const CLIENT = 'zsa-lsa';
  let dir: string;
  let proxy: Server;
  let port: number;
  const seen: Array<{ servername: string | false | null; clientCn: string | undefined; authorized: boolean }> = [];
  let reader: BrokerReader;
  let cleanup: Array<() => Promise<unknown>>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'zsa-amqps-'));
    await generateDevPki({ outDir: dir, participants: [{ id: CLIENT, kind: 'zsa', kennung: 'zsa:lsa' }], rsaBits: 2048, tlsRsaBits: 2048, serverHosts: [SNI] });
    const broker = new URL(BROKER_URL);
    proxy = createTlsServer(
      { cert: readFileSync(join(dir, LAYOUT.serverCert)), key: readFileSync(join(dir, LAYOUT.serverKey)), ca: readFileSync(join(dir, LAYOUT.chain)), requestCert: true, rejectUnauthorized: true },
      (socket: TLSSocket) => {
        const cert = socket.getPeerCertificate();
        seen.push({ servername: socket.servername, clientCn: typeof cert.subject?.CN === 'string' ? cert.subject.CN : undefined, authorized: socket.authorized });
        const upstream = tcpConnect(Number(broker.port || 5672), broker.hostname);
        socket.pipe(upstream).pipe(socket);
        const end = (): void => {
          socket.destroy();
          upstream.destroy();
        };
        socket.on('error', end);
        upstream.on('error', end);
        socket.on('close', end);
        upstream.on('close', end);
      },
    );
    proxy.on('tlsClientError', () => undefined); // refused handshakes are what some tests expect
    await new Promise<void>((ok) => proxy.listen(0, '127.0.0.1', ok));
    port = (proxy.address() as AddressInfo).port;
  });
  after(async () => {
    await new Promise<void>((ok) => (proxy ? proxy.close(() => ok()) : ok()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    reader = await BrokerReader.open();
    cleanup = [];
    seen.length = 0;
  });
  afterEach(async () => {
    await cleanupAll([...cleanup.reverse(), () => reader.close()]);
  });

  const files = () => ({ caFile: join(dir, LAYOUT.chain), certFile: join(dir, LAYOUT.clientCert(CLIENT)), keyFile: join(dir, LAYOUT.clientKey(CLIENT)) });
  const amqpsUrl = () => {
    const u = new URL(BROKER_URL);
    return `amqps://${u.username}:${u.password}@127.0.0.1:${port}${u.pathname === '/' ? '' : u.pathname}`;
  };

  function egress(tls: Record<string, unknown>): { egress: Egress; queue: string } {
    const exchange = uniqueName('x');
    const queue = uniqueName('q');
    const config = amqpConfigSchema.parse({ url: amqpsUrl(), exchange: { name: exchange }, queues: [{ name: queue, queueType: 'classic' }], tls, connectTimeoutMs: 20_000 });
    const e = amqpConnector.create(config, testContext(uniqueName('amqps')));
    cleanup.push(
      () => reader.withChannel((ch) => ch.deleteExchange(exchange)),
      () => reader.withChannel((ch) => ch.deleteQueue(queue)),
      () => e.close(),
    );
    return { egress: e, queue };
  }

  it('publishes over amqps with the CA file, the client certificate and the SNI servername', async () => {
    const { egress: e, queue } = egress({ ...files(), servername: SNI });
    await e.connect(new AbortController().signal);
    const msg = makeOutbound();
    await e.deliver(msg, new AbortController().signal);
    const [got] = await reader.drain(queue);
    expect(got!.properties.messageId).to.equal(msg.gatewayId);
    expect(seen).to.deep.include({ servername: SNI, clientCn: CLIENT, authorized: true });
  });

  it('refuses a broker whose certificate does not name the host (no servername given, url by IP address)', async () => {
    const { egress: e } = egress(files());
    const err = await rejection(e.connect(new AbortController().signal));
    expect(String(err)).to.match(/IP: 127\.0\.0\.1 is not in the cert's list|does not match|altnames/i);
    expect(e.health().status).to.equal('down');
  });

  it('without a client certificate the TLS terminator refuses the handshake and connect fails', async () => {
    const { egress: e } = egress({ caFile: files().caFile, servername: SNI });
    const err = await rejection(e.connect(new AbortController().signal));
    expect(err).to.be.instanceOf(Error);
    expect(seen.filter((s) => s.authorized)).to.deep.equal([]);
  });

  it('a missing CA file fails connect with the file named (read on every connect)', async () => {
    const { egress: e } = egress({ ...files(), caFile: join(dir, 'no-such-ca.pem'), servername: SNI });
    const err = await rejection(e.connect(new AbortController().signal));
    expect(String(err)).to.contain('no-such-ca.pem');
  });

  it('the reply consumer (ingress side) connects over amqps with the same options', async () => {
    const queue = uniqueName('replies');
    await reader.withChannel((ch) => ch.assertQueue(queue, { durable: true }));
    cleanup.push(() => reader.withChannel((ch) => ch.deleteQueue(queue)));
    const got: string[] = [];
    const consumer = consumeReplies(amqpsUrl(), queue, async (m) => void got.push(m.payload.toString('utf8')), { tls: { ...files(), servername: SNI } });
    cleanup.push(() => consumer.close());
    await consumer.consuming();
    await reader.withChannel(async (ch) => {
      ch.sendToQueue(queue, Buffer.from('<antwort/>'));
    });
    await waitFor('the reply through amqps', () => got.length === 1);
    expect(seen.some((s) => s.servername === SNI && s.clientCn === CLIENT)).to.equal(true);
  });
});
