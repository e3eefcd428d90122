import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { startTestGateway, testConfig, waitFor } from '../support/gateway.js';
import { runCli } from '../support/cli.js';
import { hundAnmeldung } from '../support/xzsa-fixtures.js';
import { seedScenario } from './scenario.js';

/** `zsa-gateway report figures|usage` against a running gateway (auth.mode off: local admin) and `proof get|verify`. */
describe('cli: report figures and usage, proof get and verify', function () {
  this.timeout(120_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let dir: string;
  let id: string;

  before(async () => {
    const cfg = testConfig();
    gw = await startTestGateway(cfg);
    seedScenario(join(cfg.store.dataDir, 'gateway.db'));
    dir = mkdtempSync(join(tmpdir(), 'zsa-proof-cli-'));
    const r = await request(gw.url).post('/api/v1/messages').set('content-type', 'application/xml').send(hundAnmeldung({ ags: '15003000' }));
    id = r.body.gatewayId ?? r.body.id;
    await waitFor('in the mailbox', async () => ((await gw.services.store.getMessage(id))?.state === 'in_mailbox' ? true : undefined));
  });
  after(async () => {
    await gw?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('report usage --month 2026-11 --csv prints the CSV', async () => {
    const r = await runCli(['report', 'usage', '--month', '2026-11', '--csv', '--ags', '150030000000', '--url', gw.url]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal('period,ags,municipality,service,cases_opened,messages,payload_bytes,attachment_bytes,bytes\r\n2026-11,15003000,Landeshauptstadt Magdeburg,hund,4,12,12000,2000,14000\r\n');
  });

  it('report figures --month 2026-11 prints the figures in German; a bad month is refused', async () => {
    const r = await runCli(['report', 'figures', '--month', '2026-11', '--ags', '15003000', '--url', gw.url]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.include('Vorgänge: eröffnet 4, abgeschlossen 4, unvollständig geschlossen 0, offen 1');
    expect(r.stdout).to.match(/release +Median \/ p90 \(Anzahl\): 1 h 00 min \/ 2 h 00 min \(4\)/);
    const bad = await runCli(['report', 'figures', '--month', '2026-13', '--url', gw.url]);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.include('GW_BAD_REQUEST');
  });

  it('proof get writes the bundle; proof verify says VALID (exit 0), INVALID after tampering (exit 1), and exit 2 for an unreadable file', async () => {
    const file = join(dir, 'proof.json');
    const got = await runCli(['proof', 'get', id, '--out', file, '--url', gw.url]);
    expect(got.code, got.stderr).to.equal(0);
    const jwks = join(dir, 'jwks.json');
    writeFileSync(jwks, JSON.stringify((await request(gw.url).get('/.well-known/jwks.json')).body));
    const ok = await runCli(['proof', 'verify', file, '--jwks', jwks]);
    expect(ok.code, ok.stdout + ok.stderr).to.equal(0);
    expect(ok.stdout).to.include(`VALID: proof of message:${id}`);
    const bundle = JSON.parse(readFileSync(file, 'utf8'));
    bundle.messages[0].state = 'acknowledged';
    const bad = join(dir, 'tampered.json');
    writeFileSync(bad, JSON.stringify(bundle));
    const no = await runCli(['proof', 'verify', bad]);
    expect(no.code).to.equal(1);
    expect(no.stdout).to.include('FAIL manifest').and.include('FAIL history').and.include('INVALID');
    writeFileSync(join(dir, 'junk.json'), '{not json');
    const junk = await runCli(['proof', 'verify', join(dir, 'junk.json')]);
    expect(junk.code).to.equal(2);
    expect(junk.stderr).to.include('GW_PROOF_INVALID');
  });
});
