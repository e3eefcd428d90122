import { expect } from 'chai';
import { rmSync } from 'node:fs';
import request from 'supertest';
import { problemType } from '../../gateway/errors.js';
import { createGatewayLogger } from '../../gateway/logging.js';
import { startGateway, type GatewayHandle } from '../../gateway/server.js';
import { testConfig } from '../support/gateway.js';
import { DEMO_CLIENTS } from './oauth-fixture.js';

/** Captures the gateway's log lines (with its real redaction config). */
export function captureLog(level = 'debug') {
  const lines: string[] = [];
  return { lines, log: createGatewayLogger({ level, destination: { write: (s: string) => void lines.push(s) } }) };
}

const form = (client_id: string, client_secret: string) => ({ grant_type: 'client_credentials', client_id, client_secret });

describe('POST /token abuse limits: lockout per client id and per address, 429 with Retry-After', function () {
  this.timeout(60_000);
  let gw: GatewayHandle;
  let dataDir: string;
  const captured = captureLog('info');

  before(async () => {
    const cfg = testConfig();
    cfg.auth.tokenRateLimit = { ...cfg.auth.tokenRateLimit, failuresPerClient: 3, failuresPerAddress: 9, lockoutSeconds: 120 };
    dataDir = cfg.store.dataDir;
    gw = await startGateway(cfg, { log: captured.log, port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await gw?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const token = (id: string, secret: string) => request(gw.url).post('/token').type('form').send(form(id, secret));

  function expectLockedOut(res: request.Response): void {
    expect(res.status, JSON.stringify(res.body)).to.equal(429);
    expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
    const retryAfter = Number(res.headers['retry-after']);
    expect(retryAfter).to.be.within(1, 120);
    expect(res.headers['cache-control']).to.equal('no-store');
    const body = JSON.parse(res.text) as Record<string, unknown>;
    expect(body).to.include({ code: 'GW_TOO_MANY_REQUESTS', status: 429, type: problemType('GW_TOO_MANY_REQUESTS'), error: 'temporarily_unavailable', retryAfterSeconds: retryAfter });
  }

  it('after failuresPerClient wrong secrets the client id is locked: even the right secret gets 429 with Retry-After', async () => {
    for (let i = 0; i < 3; i++) expect((await token('efa-hund-lsa', `wrong-${i}`)).status).to.equal(401);
    expectLockedOut(await token('efa-hund-lsa', DEMO_CLIENTS['efa-hund-lsa']));
    // another client from the same address is still served
    expect((await token('zsa-lsa', DEMO_CLIENTS['zsa-lsa'])).status).to.equal(200);
  });

  it('locks an unknown client id the same way (a lockout does not tell which ids exist)', async () => {
    for (let i = 0; i < 3; i++) expect((await token('no-such-client', `guess-${i}`)).status).to.equal(401);
    expectLockedOut(await token('no-such-client', 'guess-3'));
  });

  it('locks the address once it reached failuresPerAddress across client ids', async () => {
    for (const id of ['spray-1', 'spray-2', 'spray-3']) expect((await token(id, 'x')).status).to.equal(401);
    expectLockedOut(await token('magdeburg', DEMO_CLIENTS.magdeburg));
  });

  it('logs one line per lockout naming the key, and never a secret', () => {
    const lockouts = captured.lines.map((l) => JSON.parse(l) as { msg: string; key?: string }).filter((l) => l.msg.startsWith('token endpoint lockout'));
    expect(lockouts.map((l) => l.key)).to.deep.equal(['client:efa-hund-lsa', 'client:no-such-client', 'address:127.0.0.1']);
    const all = captured.lines.join('\n');
    for (const secret of [...Object.values(DEMO_CLIENTS), 'wrong-0', 'guess-2']) expect(all).not.to.include(secret);
  });
});

describe('POST /token answers in about the same time for unknown and known client ids', function () {
  this.timeout(120_000);
  let gw: GatewayHandle;
  let dataDir: string;

  before(async () => {
    const cfg = testConfig();
    dataDir = cfg.store.dataDir;
    gw = await startGateway(cfg, { log: captureLog('silent').log, port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await gw?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  async function timed(id: string): Promise<number> {
    const t0 = process.hrtime.bigint();
    const res = await request(gw.url).post('/token').type('form').send(form(id, 'not-the-secret'));
    expect(res.status).to.equal(401);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  }

  it('runs scrypt for unknown ids too (medians within a factor of 3; skipping the hash would be ~50x faster)', async () => {
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 5; i++) {
      known.push(await timed('efa-hund-lsa'));
      unknown.push(await timed(`unknown-${i}`));
    }
    const ratio = median(unknown) / median(known);
    expect(ratio, `unknown ${median(unknown).toFixed(1)} ms vs known ${median(known).toFixed(1)} ms`).to.be.within(1 / 3, 3);
  });
});
