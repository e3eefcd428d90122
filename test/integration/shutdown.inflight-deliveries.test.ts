import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import request from 'supertest';
import type { GatewayConfig } from '../../gateway/config/schema.js';
import { startGateway, type GatewayHandle } from '../../gateway/server.js';
import { createStore } from '../../gateway/store/index.js';
import type { StoredMessage } from '../../gateway/store/types.js';
import { quietLog, testConfig, waitFor } from '../support/gateway.js';
import { hundAnmeldung } from '../support/xzsa-fixtures.js';

const HALLE = '15002000'; // no delegation: a Hund Anmeldung goes straight to its Fachverfahren (fv-15002000-hund)
const MESSAGES = 5;
const PEER_DELAY_MS = 1500;

/**
 * A hosted Fachverfahren that holds every request `delayMs` before it answers 200. It
 * records each arrival and each answered request by X-Gateway-Id.
 */
class SlowPeer {
  delayMs = PEER_DELAY_MS;
  readonly arrived: string[] = [];
  readonly answered: string[] = [];
  private server: Server | null = null;
  private port = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const id = String(req.headers['x-gateway-id']);
      this.arrived.push(id);
      req.resume();
      req.on('end', () => {
        setTimeout(() => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok', () => this.answered.push(id)), this.delayMs);
      });
    });
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', ok));
    this.port = (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/inbox`;
  }

  count(id: string): number {
    return this.answered.filter((a) => a === id).length;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((ok) => s.close(() => ok()));
  }
}

/** Whether a TCP connection to the port is refused (nothing listens any more). */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

/** The messages as the closed gateway left them, read from its data folder. */
async function storedAfterClose(cfg: GatewayConfig, ids: string[]): Promise<StoredMessage[]> {
  const store = await createStore({ kind: 'sqlite', path: join(cfg.store.dataDir, 'gateway.db') });
  try {
    return await Promise.all(ids.map(async (id) => (await store.getMessage(id)) ?? Promise.reject(new Error(`message ${id} lost`))));
  } finally {
    await store.close();
  }
}

/**
 * Graceful shutdown (issue 2, delivery): close() stops taking requests, lets in-flight
 * deliveries finish within delivery.shutdownGraceMs, releases the rest without counting
 * an attempt, and a gateway started again on the same data folder delivers what was
 * released — at least once, none lost.
 */
describe('shutdown: in-flight deliveries finish within the grace period or are released', function () {
  this.timeout(90_000);
  const peer = new SlowPeer();
  const dataDirs: string[] = [];
  const open: GatewayHandle[] = [];

  const config = (shutdownGraceMs: number, dataDir?: string): GatewayConfig => {
    const cfg = testConfig({
      endpoints: { 'fv-15002000-hund': { connector: 'http', config: { url: peer.url, timeoutMs: 20_000 }, maxInFlight: MESSAGES } },
      delivery: { shutdownGraceMs, timeoutMs: 20_000 },
      ...(dataDir === undefined ? {} : { dataDir }),
    });
    if (!dataDirs.includes(cfg.store.dataDir)) dataDirs.push(cfg.store.dataDir);
    return cfg;
  };
  const start = async (cfg: GatewayConfig): Promise<GatewayHandle> => {
    const gw = await startGateway(cfg, { log: quietLog(), port: 0, host: '127.0.0.1' });
    open.push(gw);
    return gw;
  };
  const postAll = async (gw: GatewayHandle): Promise<string[]> =>
    Promise.all(
      Array.from({ length: MESSAGES }, async () => {
        const res = await request(gw.url).post('/api/v1/messages').set('content-type', 'application/xml').send(hundAnmeldung({ ags: HALLE }));
        expect(res.status, res.text).to.equal(202);
        return (res.body as { gatewayId: string }).gatewayId;
      }),
    );
  const allArrived = (ids: string[]) => waitFor('every delivery in flight at the peer', () => (ids.every((id) => peer.arrived.includes(id)) ? true : undefined));

  before(() => peer.start());
  beforeEach(() => {
    peer.arrived.length = 0;
    peer.answered.length = 0;
    peer.delayMs = PEER_DELAY_MS;
  });
  after(async () => {
    for (const gw of open) await gw.close();
    await peer.stop();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });

  it('with a long enough grace period the in-flight deliveries finish and are delivered; the port is closed; close() twice is fine', async () => {
    const cfg = config(30_000);
    const gw = await start(cfg);
    const ids = await postAll(gw);
    await allArrived(ids);
    expect(peer.answered, 'the peer still holds every request').to.deep.equal([]);

    await gw.close();
    expect(await refused(gw.port), 'new connections after close()').to.equal(true);
    await gw.close(); // idempotent: no error

    const after = await storedAfterClose(cfg, ids);
    expect(after.map((m) => m.state)).to.deep.equal(ids.map(() => 'delivered'));
    expect(after.map((m) => m.attempts)).to.deep.equal(ids.map(() => 0));
    for (const id of ids) expect(peer.count(id), `${id} answered once`).to.equal(1);
  });

  it('with a grace period shorter than the peer, deliveries are released uncounted and a restarted gateway delivers each, none lost', async () => {
    const cfg = config(100);
    const gw = await start(cfg);
    const ids = await postAll(gw);
    await allArrived(ids);

    await gw.close();
    await gw.close();
    expect(await refused(gw.port)).to.equal(true);
    const released = await storedAfterClose(cfg, ids);
    for (const m of released) {
      expect(m.state, `${m.id} after shutdown`).to.be.oneOf(['queued', 'retrying']);
      expect(m.attempts, `${m.id}: the interrupted attempt is not counted`).to.equal(0);
      expect(m.lastError ?? '').to.match(/shutting down/);
    }

    peer.delayMs = 0;
    const again = await start(config(30_000, cfg.store.dataDir));
    await waitFor('every released message delivered after the restart', async () => {
      const states = await Promise.all(ids.map(async (id) => (await again.services.store.getMessage(id))?.state));
      return states.every((s) => s === 'delivered') ? true : undefined;
    });
    await again.close();

    // At least once: each message reached the peer; a copy the peer answered after the
    // shutdown had given it up is delivered again (counted here, never lost).
    const copies = ids.map((id) => peer.count(id));
    expect(copies.every((n) => n >= 1 && n <= 2), `answers per message: ${copies.join(', ')}`).to.equal(true);
    const after = await storedAfterClose(cfg, ids);
    expect(after.map((m) => m.attempts)).to.deep.equal(ids.map(() => 0));
  });
});
