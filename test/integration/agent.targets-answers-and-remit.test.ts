import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { PullAgent } from '../../gateway/agent/agent.js';
import { createGatewayLogger } from '../../gateway/logging.js';
import { validateAgentConfig } from '../../gateway/agent/config.js';
import { readStatus } from '../../gateway/agent/status.js';
import { withTestClients, requiredAuthConfig, tokenFor, testTokenFor, DEMO_CLIENTS } from '../auth/oauth-fixture.js';
import { encryptionKeys } from '../crypto/support.js';
import { runCli, show } from '../support/cli.js';
import { quietLog, startTestGateway, waitFor } from '../support/gateway.js';
import { stringify } from 'yaml';
import { hundAbmeldung, hundAnmeldung, hundFreigabe } from '../support/xzsa-fixtures.js';

const HALLE = '15002000';
const MAILBOX = 'fv-15002000-hund'; // Halle keeps Hund (delegation none): its Fachverfahren's mailbox

/** A local Fachverfahren inbox: records what it accepted; `down()` stops listening, `up()` listens again on the same port. */
class LocalInbox {
  readonly received: Array<{ gatewayId: string; messageType: string; contentType: string; body: string }> = [];
  private server: Server | null = null;
  port = 0;
  async up(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.received.push({ gatewayId: String(req.headers['x-gateway-id']), messageType: String(req.headers['x-message-type']), contentType: String(req.headers['content-type']), body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(201).end();
      });
    });
    await new Promise<void>((ok) => server.listen(this.port, '127.0.0.1', () => ok()));
    const addr = server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : 0;
    this.server = server;
  }
  async down(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((ok) => s.close(() => ok()));
    s?.closeAllConnections();
  }
}

describe('pull agent: local targets, answers, JWE and remit (in-process gateway with auth)', function () {
  this.timeout(180_000);
  const dir = mkdtempSync(join(tmpdir(), 'zsa-agent-'));
  const fvKeys = encryptionKeys('agent-fv-halle-hund');
  const inbox = new LocalInbox();
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let agent: PullAgent;
  let efaToken: string;
  /** Every line the agent logged, at debug level. */
  const logLines: string[] = [];
  const outbox = join(dir, 'outbox');
  const commandOut = join(dir, 'command-out');
  const pwned = join(dir, 'pwned');

  const secretFile = (client: string, secret: string) => {
    const f = join(dir, `${client}.secret`);
    writeFileSync(f, `${secret}\n`, { mode: 0o600 });
    return f;
  };

  /** An agent configuration for this gateway; `over` replaces top-level parts. */
  const agentConfig = (name: string, over: Record<string, unknown> = {}) => {
    const stateDir = join(dir, `state-${name}`);
    return validateAgentConfig(
      {
        gateway: { url: gw.url, oauth: { clientId: MAILBOX, clientSecretFile: secretFile(MAILBOX, `test-${MAILBOX}-secret`) }, waitSeconds: 2 },
        decryptionKey: join(dir, 'fv.private.jwk.json'),
        stateDir,
        mailboxes: [
          {
            mailbox: MAILBOX,
            targets: [
              { kind: 'command', messageTypes: ['hund.abmeldung.0104'], program: process.execPath, args: [join(dir, 'record.mjs'), commandOut] },
              { kind: 'http', url: `http://127.0.0.1:${inbox.port}/inbox`, timeoutMs: 5000 },
            ],
          },
        ],
        answers: { folder: outbox, pollMs: 200, listenPort: 0 },
        backoff: { initialMs: 50, maxMs: 400 },
        ...over,
      },
      dir,
    );
  };

  const submit = async (xml: string) => {
    const res = await request(gw.url).post('/api/v1/messages').set('authorization', `Bearer ${efaToken}`).set('content-type', 'application/xml').send(xml);
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    return res.body as { gatewayId: string };
  };
  const stateOf = async (id: string) => (await gw.services.store.getMessage(id))?.state;

  before(async () => {
    writeFileSync(join(dir, 'fv.public.jwk.json'), JSON.stringify(fvKeys.publicJwk));
    writeFileSync(join(dir, 'fv.private.jwk.json'), JSON.stringify(fvKeys.privateJwk));
    // the command target: writes stdin and the ZSA_* variables it got into the file named by its one argument
    writeFileSync(
      join(dir, 'record.mjs'),
      "import { readFileSync, writeFileSync } from 'node:fs';\n" +
        "const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('ZSA_')));\n" +
        'writeFileSync(process.argv[2], JSON.stringify({ stdin: readFileSync(0, "utf8"), env, argv: process.argv.slice(2) }));\n',
    );
    const { mkdirSync } = await import('node:fs');
    mkdirSync(outbox);
    const cfg = await withTestClients(requiredAuthConfig(), [MAILBOX]);
    cfg.participants = cfg.participants.map((p) => (p.id === MAILBOX ? { ...p, encryptionKey: join(dir, 'fv.public.jwk.json') } : p));
    gw = await startTestGateway(cfg);
    efaToken = await tokenFor(gw.url, 'efa-hund-lsa');
    await inbox.up();
    agent = new PullAgent(agentConfig('halle'), { log: createGatewayLogger({ level: 'debug', destination: { write: (line: string) => void logLines.push(line) } }) });
    await agent.start();
  });
  after(async () => {
    await agent?.stop();
    await inbox.down();
    await gw?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens the JWE with the configured key, delivers the XML to the local HTTP target, then acknowledges', async () => {
    const xml = hundAnmeldung({ ags: HALLE });
    const { gatewayId } = await submit(xml);
    await waitFor('delivered at the gateway', async () => ((await stateOf(gatewayId)) === 'delivered' ? true : undefined));
    const got = inbox.received.filter((r) => r.gatewayId === gatewayId);
    expect(got).to.have.length(1);
    expect(got[0]!.body).to.equal(xml); // the gateway sent a JWE (its key is configured); the target got the opened XML
    expect(got[0]!.contentType).to.match(/^application\/xml/);
    expect(got[0]!.messageType).to.equal('hund.anmeldung.0101');
  });

  it('opens an attachment the gateway sealed to the participant\'s key and posts message and attachment as one multipart form', async () => {
    const xml = hundAnmeldung({ ags: HALLE });
    const pdf = Buffer.from('%PDF-1.4\n% Impfpass des Hundes (synthetisch)\n%%EOF\n');
    const res = await request(gw.url).post('/api/v1/messages').set('authorization', `Bearer ${efaToken}`)
      .attach('message', Buffer.from(xml), { filename: 'anmeldung.xml', contentType: 'application/xml' })
      .attach('attachment', pdf, { filename: 'impfpass.pdf', contentType: 'application/pdf' });
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    const { gatewayId } = res.body as { gatewayId: string };
    // what the gateway serves this participant is a JWE, not the PDF
    const sealed = await request(gw.url).get(`/api/v1/attachments/${createHash('sha512').update(pdf).digest('hex')}`).set('authorization', `Bearer ${await testTokenFor(gw.url, MAILBOX)}`);
    expect(sealed.headers['content-type']).to.match(/^application\/jose/);
    await waitFor('delivered at the gateway', async () => ((await stateOf(gatewayId)) === 'delivered' ? true : undefined));
    const got = inbox.received.filter((r) => r.gatewayId === gatewayId);
    expect(got).to.have.length(1);
    expect(got[0]!.contentType).to.match(/^multipart\/form-data; boundary=/);
    expect(got[0]!.body).to.contain(xml).and.contain('% Impfpass des Hundes (synthetisch)').and.contain('filename="impfpass.pdf"');
  });

  it('does not acknowledge while the local target is down, and delivers once it is back', async () => {
    await inbox.down();
    const failedBefore = agent.status.status.failed;
    const { gatewayId } = await submit(hundAnmeldung({ ags: HALLE }));
    await waitFor('a refused local delivery', () => (agent.status.status.failed >= failedBefore + 2 ? true : undefined));
    expect(await stateOf(gatewayId)).to.equal('in_mailbox'); // fetched and leased, never acknowledged
    expect(inbox.received.some((r) => r.gatewayId === gatewayId)).to.equal(false);
    await inbox.up();
    await waitFor('delivered after the target came back', async () => ((await stateOf(gatewayId)) === 'delivered' ? true : undefined));
    expect(inbox.received.filter((r) => r.gatewayId === gatewayId)).to.have.length(1);
  });

  it('runs the command target without a shell: hostile message text reaches stdin unchanged and runs nothing', async () => {
    const hostile = `Tom's "dog" $(touch ${pwned}) \`touch ${pwned}\` ; touch ${pwned} && echo '$HOME'`;
    const xml = hundAbmeldung({ ags: HALLE, bemerkung: hostile });
    const { gatewayId } = await submit(xml);
    await waitFor('delivered at the gateway', async () => ((await stateOf(gatewayId)) === 'delivered' ? true : undefined));
    const seen = JSON.parse(readFileSync(commandOut, 'utf8')) as { stdin: string; env: Record<string, string>; argv: string[] };
    expect(seen.stdin).to.equal(xml);
    expect(seen.stdin).to.contain(`$(touch ${pwned})`);
    expect(seen.argv).to.deep.equal([commandOut]); // nothing of the message became an argument
    expect(seen.env['ZSA_GATEWAY_ID']).to.equal(gatewayId);
    expect(seen.env['ZSA_MESSAGE_TYPE']).to.equal('hund.abmeldung.0104');
    expect(existsSync(pwned), 'a shell ran the message text').to.equal(false);
  });

  it('sends answers from the outbox folder and the local endpoint; they appear in the Vorgang; refused ones go to failed/', async () => {
    const vorgangId = crypto.randomUUID();
    const { gatewayId } = await submit(hundAnmeldung({ ags: HALLE, vorgangId }));
    await waitFor('delivered', async () => ((await stateOf(gatewayId)) === 'delivered' ? true : undefined));
    const answer = (n: number) => hundFreigabe({ ags: HALLE, vorgangId, author: `fv:${HALLE}-hund`, reader: 'efa:hund-lsa', bemerkung: `Antwort ${n}` });
    // as a Fachverfahren writes a file: .part, then rename
    writeFileSync(join(outbox, '.bescheid-1.xml.part'), answer(1));
    renameSync(join(outbox, '.bescheid-1.xml.part'), join(outbox, 'bescheid-1.xml'));
    writeFileSync(join(outbox, 'broken.xml'), '<x>');
    const posted = await fetch(`http://127.0.0.1:${agent.answerPort}/answers`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: answer(2) });
    expect(posted.status).to.equal(202);
    const { file } = (await posted.json()) as { file: string };
    await waitFor('both answers sent', () => (existsSync(join(outbox, 'sent', 'bescheid-1.xml')) && existsSync(join(outbox, 'sent', file)) ? true : undefined));
    await waitFor('the broken answer refused', () => (existsSync(join(outbox, 'failed', 'broken.xml')) ? true : undefined));
    const problem = JSON.parse(readFileSync(join(outbox, 'failed', 'broken.xml.problem.json'), 'utf8')) as { code: string; status: number };
    expect(problem).to.include({ code: 'GW_XML_MALFORMED', status: 400 });
    expect(readdirSync(outbox).filter((n) => !['sent', 'failed'].includes(n))).to.deep.equal([]);
    const token = await testTokenFor(gw.url, MAILBOX);
    const res = await request(gw.url).get(`/api/v1/vorgaenge/${vorgangId}`).set('authorization', `Bearer ${token}`);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    const types = (res.body as { messages: Array<{ messageType: string; author: string }> }).messages.map((m) => `${m.messageType} ${m.author}`);
    expect(types.filter((t) => t === `hund.freigabe.0103 fv:${HALLE}-hund`)).to.have.length(2);
    expect(readStatus(join(dir, 'state-halle'))!.answersFailed).to.equal(1);
  });

  it('stops with a clear error when the gateway refuses the mailbox to this participant (Magdeburg polling Halle)', async () => {
    const other = new PullAgent(
      agentConfig('magdeburg', { gateway: { url: gw.url, oauth: { clientId: 'magdeburg', clientSecretFile: secretFile('magdeburg', DEMO_CLIENTS.magdeburg) }, waitSeconds: 1 }, answers: undefined }),
      { log: quietLog() },
    );
    await other.start();
    const end = await other.done;
    expect(end.reason).to.equal('refused');
    expect(end.reason === 'refused' && end.message).to.contain(`mailbox "${MAILBOX}"`).and.to.contain('403 GW_FORBIDDEN');
    const status = readStatus(join(dir, 'state-magdeburg'))!;
    expect(status.mailboxes[MAILBOX]!.state).to.equal('stopped');
    expect(status.delivered).to.equal(0);
  });

  it('logs ids and outcomes, never message content (names, the dog, the free text)', () => {
    const all = logLines.join('');
    expect(all).to.contain('accepted by the local target'); // the agent did log its deliveries
    for (const content of ['Erika', 'Testfrau', 'Bello', 'Musterweg', 'touch', 'Antwort 1', 'Amtsmuster']) expect(all, content).to.not.contain(content);
  });

  it('the CLI: `agent` exits 3 with the refusal, `agent status` shows it, a bad configuration exits 2 listing every problem', async () => {
    const file = join(dir, 'magdeburg-agent.yaml');
    writeFileSync(
      file,
      stringify({
        gateway: { url: gw.url, oauth: { clientId: 'magdeburg', clientSecretFile: secretFile('magdeburg', DEMO_CLIENTS.magdeburg) }, waitSeconds: 1 },
        stateDir: './state-magdeburg-cli',
        mailboxes: [{ mailbox: MAILBOX, targets: [{ kind: 'http', url: 'http://127.0.0.1:9/unused' }] }],
      }),
    );
    const run = await runCli(['agent', '--config', file], { timeoutMs: 120_000 });
    expect(run.code, show(run)).to.equal(3);
    expect(run.stderr).to.contain(`mailbox "${MAILBOX}"`).and.to.contain('403 GW_FORBIDDEN');
    const status = await runCli(['agent', 'status', '--config', file], { timeoutMs: 120_000 });
    expect(status.code, show(status)).to.equal(0);
    expect(status.stdout).to.contain('agent: not running').and.to.contain(`mailbox ${MAILBOX}: stopped`).and.to.contain('delivered 0');
    const bad = join(dir, 'bad-agent.yaml');
    writeFileSync(bad, stringify({ gateway: { url: 'http://gateway.example.org' }, stateDir: 's', mailboxes: [{ mailbox: 'Halle', targets: [{ kind: 'folder', dir: './nowhere' }] }] }));
    const refused = await runCli(['agent', '--config', bad], { timeoutMs: 120_000 });
    expect(refused.code, show(refused)).to.equal(2);
    for (const where of ['mailboxes.0.mailbox:', 'gateway.url:', 'gateway:', 'mailboxes.0.targets.0.dir:']) expect(refused.stderr, where).to.contain(where);
  });
});
