import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { StoredMessage, Transition } from '../../gateway/store/types.js';
import { runCli, show } from '../support/cli.js';
import { startTestGateway, testConfig, waitFor } from '../support/gateway.js';
import { HttpPeer } from '../support/http-peer.js';
import { hundAnmeldung, nachweis, nachweisContent, wohngeldAntrag } from '../support/xzsa-fixtures.js';

const HALLE = '15002000'; // hund not delegated → fv-15002000-hund (HTTP peer here)
const DESSAU = '15001000'; // hund delegated (backoffice) → zsa-hund (same HTTP peer here)

/**
 * `send`, `messages list|show` and `replay` of the real CLI against an in-process gateway
 * whose Fachverfahren and ZSA queue endpoints are a local HTTP server; the server answers
 * 400 to make messages dead.
 */
describe('cli: send, messages list/show, replay', function () {
  this.timeout(90_000);
  const peer = new HttpPeer();
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let tmp: string;
  let url: string;

  before(async () => {
    await peer.start();
    tmp = mkdtempSync(join(tmpdir(), 'zsa-cli-msg-'));
    const http = { connector: 'http', config: { url: peer.url } };
    gw = await startTestGateway(testConfig({ endpoints: { 'fv-15002000-hund': http, 'zsa-hund': http }, delivery: { maxAttempts: 2 } }));
    url = gw.url;
  });
  after(async () => {
    await gw?.stop();
    await peer.stop();
    rmSync(tmp, { recursive: true, force: true });
  });
  beforeEach(() => {
    peer.respond = () => 200;
  });

  const file = (name: string, content: string | Buffer) => {
    const f = join(tmp, name);
    writeFileSync(f, content);
    return f;
  };
  const inState = (id: string, state: string) =>
    waitFor(`message ${id} ${state}`, async () => {
      const m = await gw.services.store.getMessage(id);
      return m?.state === state ? m : undefined;
    });
  const vorgangOf = (xml: string) => /<xzsab:vorgangsID>([^<]+)</.exec(xml)![1]!;
  /** Submits over HTTP where the CLI's `send` is not what a test is about (each CLI start costs a process). */
  async function post(xml: string): Promise<string> {
    const res = await request(url).post('/api/v1/messages').set('content-type', 'application/xml').send(xml);
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    return res.body.gatewayId as string;
  }

  it('send: prints the receipt, stores the exact file; sending it again answers the same message as duplicate', async () => {
    const xml = hundAnmeldung({ ags: HALLE });
    const f = file('anmeldung.xml', xml);
    const first = await runCli(['send', f, '--url', url]);
    expect(first.code, show(first)).to.equal(0);
    const receipt = JSON.parse(first.stdout) as { gatewayId: string; state: string; duplicate: boolean; sha512: string };
    expect(receipt.duplicate).to.equal(false);
    expect(receipt.sha512).to.equal(createHash('sha512').update(readFileSync(f)).digest('hex'));
    expect((await gw.services.store.getPayload(receipt.gatewayId))?.equals(readFileSync(f))).to.equal(true);
    await inState(receipt.gatewayId, 'delivered');

    const again = await runCli(['send', f, '--url', url]);
    expect(again.code, show(again)).to.equal(0);
    expect(JSON.parse(again.stdout)).to.include({ gatewayId: receipt.gatewayId, duplicate: true, state: 'delivered' });
  });

  it('send --attachment: the stored message carries each file with its name, type, size and sha512', async () => {
    const pdf = nachweisContent('mietvertrag.pdf');
    const scan = randomBytes(70_000);
    const xml = wohngeldAntrag({ ags: '15003000', nachweise: [nachweis('01', 'mietvertrag.pdf')] });
    const r = await runCli(['send', file('antrag.xml', xml), '--attachment', file('mietvertrag.pdf', pdf), file('scan.png', scan), '--url', url]);
    expect(r.code, show(r)).to.equal(0);
    const id = (JSON.parse(r.stdout) as { gatewayId: string }).gatewayId;
    const m = await gw.services.store.getMessage(id);
    const sha = (b: Buffer) => createHash('sha512').update(b).digest('hex');
    // Order is the ingress's business (attachments.multipart-refs-limits.test.ts); here: each file, intact.
    expect(m?.attachments).to.have.deep.members([
      { name: 'mietvertrag.pdf', mediaType: 'application/pdf', sha512: sha(pdf), size: pdf.length },
      { name: 'scan.png', mediaType: 'image/png', sha512: sha(scan), size: scan.length },
    ]);
    const stored = await request(url)
      .get(`/api/v1/attachments/${sha(scan)}`)
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(stored.status).to.equal(200);
    expect(Buffer.compare(stored.body as Buffer, scan)).to.equal(0);
  });

  it('send of an invalid message exits 2 and prints the problem with line and path', async () => {
    const r = await runCli(['send', file('bad.xml', hundAnmeldung({ ags: HALLE, iban: 'DE02 1203' })), '--url', url]);
    expect(r.code, show(r)).to.equal(2);
    expect(r.stderr).to.match(/^error: The message does not conform to its XML schema \(GW_XSD_INVALID\): /m);
    expect(r.stderr).to.match(/^ {2}line \d+ \/hund\.anmeldung\.0101\/sepaMandat\/iban: /m);
  });

  it('messages list filters by state, endpoint and Vorgang; show prints the history', async () => {
    const xml = hundAnmeldung({ ags: HALLE });
    const id = await post(xml);
    await inState(id, 'delivered');

    const [byVorgang, delivered, dead, text, shown, json] = await Promise.all([
      runCli(['messages', 'list', '--vorgang', vorgangOf(xml), '--json', '--url', url]),
      runCli(['messages', 'list', '--state', 'delivered', '--endpoint', 'fv-15002000-hund', '--json', '--url', url]),
      runCli(['messages', 'list', '--state', 'dead', '--json', '--url', url]),
      runCli(['messages', 'list', '--state', 'delivered', '--limit', '1', '--url', url]),
      runCli(['messages', 'show', id, '--url', url]),
      runCli(['messages', 'show', id, '--json', '--url', url]),
    ]);
    expect(byVorgang.code, show(byVorgang)).to.equal(0);
    expect((JSON.parse(byVorgang.stdout) as StoredMessage[]).map((m) => m.id)).to.deep.equal([id]);

    const items = JSON.parse(delivered.stdout) as StoredMessage[];
    expect(items.map((m) => m.id)).to.include(id);
    expect(items.every((m) => m.state === 'delivered' && m.endpointId === 'fv-15002000-hund')).to.equal(true);
    expect((JSON.parse(dead.stdout) as StoredMessage[]).map((m) => m.id)).to.not.include(id);
    const lines = text.stdout.trim().split('\n');
    expect(lines, show(text)).to.have.length(1);
    expect(lines[0]).to.match(new RegExp(`^${id} +delivered +hund\\.anmeldung\\.0101 +${HALLE} +fv-15002000-hund `));

    expect(shown.code, show(shown)).to.equal(0);
    expect(shown.stdout).to.contain(`hund.anmeldung.0101  ${id}`);
    expect(shown.stdout).to.match(/state +delivered/);
    expect(shown.stdout).to.contain('route      hund-anmeldung → endpoint fv-15002000-hund');
    const history = shown.stdout.split('  history\n')[1]!.trim().split('\n').map((l) => /→ (\S+)/.exec(l)![1]);
    expect(history).to.deep.equal(['received', 'validated', 'routed', 'queued', 'delivered']);

    expect((JSON.parse(json.stdout) as { history: Transition[] }).history.map((t) => t.to)).to.deep.equal(history);
  });

  it('messages show of an unknown id and list with a bad state exit 2 with the problem', async () => {
    const [unknown, badState, badLimit] = await Promise.all([
      runCli(['messages', 'show', 'no-such-id', '--url', url]),
      runCli(['messages', 'list', '--state', 'lost', '--url', url]),
      runCli(['messages', 'list', '--limit', '5000', '--url', url]),
    ]);
    expect(unknown.code, show(unknown)).to.equal(2);
    expect(unknown.stderr).to.contain('(GW_NOT_FOUND): no message no-such-id');
    expect(badState.code, show(badState)).to.equal(2);
    expect(badState.stderr).to.contain('query.state must be one of received, validated'); // the API contract's check (ADR 0026)
    expect(badState.stderr).to.match(/^ {2}query\.state: /m);
    expect(badLimit.code, show(badLimit)).to.equal(2);
    expect(badLimit.stderr).to.match(/^ {2}query\.limit: /m);
  });

  it('replay <id> sends a dead message again; a message that is not dead is refused', async () => {
    peer.respond = () => 400;
    const id = await post(hundAnmeldung({ ags: HALLE }));
    await inState(id, 'dead');
    const listed = await runCli(['messages', 'list', '--state', 'dead', '--url', url]);
    expect(listed.stdout).to.match(new RegExp(`^${id} +dead `, 'm'));

    peer.respond = () => 200;
    const r = await runCli(['replay', id, '--url', url]);
    expect(r.code, show(r)).to.equal(0);
    expect(r.stdout.trim()).to.equal(`replayed 1: ${id}`);
    await inState(id, 'delivered');

    const refused = await runCli(['replay', id, '--url', url]);
    expect(refused.code, show(refused)).to.equal(2);
    expect(refused.stderr).to.contain(`(GW_STATE_CONFLICT): message ${id} is delivered; only dead messages can be replayed`);
  });

  it('replay --all --endpoint replays only that endpoint\'s dead messages; replay --all the rest', async () => {
    peer.respond = () => 400;
    const halle = [await post(hundAnmeldung({ ags: HALLE })), await post(hundAnmeldung({ ags: HALLE }))];
    const dessau = await post(hundAnmeldung({ ags: DESSAU }));
    for (const id of [...halle, dessau]) await inState(id, 'dead');
    expect((await gw.services.store.getMessage(dessau))?.endpointId).to.equal('zsa-hund');

    peer.respond = () => 200;
    const one = await runCli(['replay', '--all', '--endpoint', 'fv-15002000-hund', '--url', url]);
    expect(one.code, show(one)).to.equal(0);
    expect(one.stdout).to.match(/^replayed 2: /);
    expect(one.stdout.trim().split(': ')[1]!.split(' ')).to.have.members(halle);
    for (const id of halle) await inState(id, 'delivered');
    expect((await gw.services.store.getMessage(dessau))?.state).to.equal('dead');

    const rest = await runCli(['replay', '--all', '--url', url]);
    expect(rest.code, show(rest)).to.equal(0);
    expect(rest.stdout.trim()).to.equal(`replayed 1: ${dessau}`);
    await inState(dessau, 'delivered');

    const none = await runCli(['replay', '--all', '--url', url]);
    expect(none.stdout.trim()).to.equal('replayed 0');
  });
});
