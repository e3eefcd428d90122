import { expect } from 'chai';
import { connect, type Socket } from 'node:net';
import request from 'supertest';
import { serverTimeouts } from '../../gateway/server.js';
import { startTestGateway, testConfig } from '../support/gateway.js';

interface Dribble {
  /** Bytes written before the server cut the connection (or all of them). */
  sent: number;
  total: number;
  closedByServer: boolean;
  answer: string;
}

/** Writes `head` then `body` one byte every `everyMs`, stopping as soon as the server closes the socket. */
function dribble(port: number, head: string, body: string, everyMs: number): Promise<Dribble> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1');
    const bytes = Buffer.from(head + body, 'latin1');
    const fast = body.length > 0 ? Buffer.byteLength(head, 'latin1') : 0; // with a body: the head goes at once
    let sent = 0;
    let answer = '';
    let closed = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (closedByServer: boolean) => {
      if (timer) clearInterval(timer);
      socket.destroy();
      resolve({ sent, total: bytes.length, closedByServer, answer });
    };
    socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed = true;
      finish(sent < bytes.length);
    });
    socket.on('connect', () => {
      if (fast > 0) {
        socket.write(bytes.subarray(0, fast));
        sent = fast;
      }
      timer = setInterval(() => {
        if (closed) return;
        if (sent >= bytes.length) return finish(false);
        socket.write(bytes.subarray(sent, sent + 1));
        sent++;
      }, everyMs);
    });
  });
}

describe('slow clients are cut off by the header and request timeouts, others are served meanwhile', function () {
  this.timeout(90_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let port: number;

  before(async () => {
    const cfg = testConfig();
    cfg.server.headersTimeoutMs = 1000;
    cfg.server.requestTimeoutMs = 3000;
    gw = await startTestGateway(cfg);
    port = gw.port;
  });
  after(() => gw?.stop());

  it('derives a check interval that notices the timeout soon (a quarter of the header timeout)', () => {
    const t = serverTimeouts(testConfig().server);
    expect(t).to.deep.equal({ headersTimeout: 20_000, requestTimeout: 600_000, connectionsCheckingInterval: 5000 });
  });

  it('cuts off a client sending its headers byte by byte slower than headersTimeoutMs, while another client is served', async () => {
    // 400 header bytes at one per 100 ms would take 40 s; the header timeout is 1 s.
    const head = `GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${'s'.repeat(350)}\r\n\r\n`;
    const slow = dribble(port, head, '', 100);
    await new Promise((r) => setTimeout(r, 300));
    const meanwhile = await request(gw.url).get('/health');
    expect(meanwhile.status, 'served while the slow client is connected').to.equal(200);
    const r = await slow;
    expect(r.closedByServer, `sent ${r.sent} of ${r.total} bytes`).to.equal(true);
    expect(r.sent).to.be.below(r.total / 2);
    if (r.answer) expect(r.answer).to.match(/^HTTP\/1\.1 408/);
  });

  it('cuts off a client whose body arrives slower than requestTimeoutMs', async () => {
    const body = '<x/>'.padEnd(400, ' ');
    const head = `POST /api/v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/xml\r\nContent-Length: ${body.length}\r\n\r\n`;
    const r = await dribble(port, head, body, 100);
    expect(r.closedByServer, `sent ${r.sent} of ${r.total} bytes`).to.equal(true);
    expect(r.sent).to.be.below(r.total);
    expect((await request(gw.url).get('/health')).status).to.equal(200);
  });

  it('refuses a configuration whose header timeout exceeds the request timeout', async () => {
    const { validateConfig } = await import('../../gateway/config/load.js');
    const { CONNECTORS } = await import('../../connectors/index.js');
    const raw = { ...structuredClone(testConfig()), server: { headersTimeoutMs: 30_000, requestTimeoutMs: 10_000 } };
    let issues: Array<{ path?: string; message: string }> = [];
    try {
      validateConfig(raw, CONNECTORS);
    } catch (err) {
      issues = (err as { issues: typeof issues }).issues;
    }
    expect(issues.map((i) => `${i.path}: ${i.message}`)).to.deep.equal(['server.headersTimeoutMs: headersTimeoutMs must not exceed requestTimeoutMs']);
  });
});
