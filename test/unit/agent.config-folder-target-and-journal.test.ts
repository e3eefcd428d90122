import { expect } from 'chai';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { agentConfigSchema, validateAgentConfig } from '../../gateway/agent/config.js';
import { agentDocWithReference } from '../../gateway/agent/reference.js';
import { AcceptJournal } from '../../gateway/agent/journal.js';
import { deliverLocally, LocalRefusal, targetFor, type LocalMessage } from '../../gateway/agent/targets.js';
import { configProblems } from '../support/demo-config.js';

describe('pull agent: configuration, folder target, accept journal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zsa-agent-unit-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const msg = (over: Partial<LocalMessage> = {}): LocalMessage => ({
    gatewayId: randomUUID(), messageUuid: randomUUID(), messageType: 'hund.anmeldung.0101', vorgangId: randomUUID(), mailbox: 'fv-15002000-hund',
    contentType: 'application/xml', payload: Buffer.from('<synthetisch/>'), attachments: [], ...over,
  });

  it('lists every problem of a configuration at once: schema, transport, auth, files and folders', () => {
    const issues = configProblems(() =>
      validateAgentConfig(
        {
          gateway: { url: 'http://gateway.example.org', clientCert: { cert: 'missing.crt', key: 'missing.key' } },
          stateDir: 'state',
          mailboxes: [
            { mailbox: 'FV-Halle', targets: [{ kind: 'folder', dir: 'no-such-dir' }] },
            { mailbox: 'fv-15002000-hund', targets: [{ kind: 'smtp' }] },
            { mailbox: 'fv-15002000-hund', targets: [{ kind: 'command', program: './no-such-program', args: [] }] },
          ],
          answers: { listenPort: 8099 },
        },
        dir,
      ),
    );
    const at = issues.map((i) => i.path);
    expect(at).to.include.members([
      'mailboxes.0.mailbox', 'mailboxes.1.targets.0.kind', 'answers.listenPort', // schema
      'gateway.url', 'gateway.clientCert', 'gateway.clientCert.cert', 'gateway.clientCert.key', // transport, files
      'mailboxes.0.targets.0.dir', 'mailboxes.2.mailbox', 'mailboxes.2.targets.0.program',
    ]);
  });

  it('refuses a configuration without credentials unless it says anonymous, and plain http to anything but loopback', () => {
    const base = { stateDir: 'state', mailboxes: [{ mailbox: 'fv-15002000-hund', targets: [{ kind: 'http', url: 'http://127.0.0.1:9/in' }] }] };
    expect(configProblems(() => validateAgentConfig({ ...base, gateway: { url: 'https://gw.example.org' } }, dir)).map((i) => i.path)).to.deep.equal(['gateway']);
    expect(configProblems(() => validateAgentConfig({ ...base, gateway: { url: 'http://127.0.0.2:8080', anonymous: true } }, dir)).map((i) => i.path)).to.deep.equal(['gateway.url']);
    const ok = validateAgentConfig({ ...base, gateway: { url: 'http://127.0.0.1:8080', anonymous: true } }, dir);
    expect(ok.stateDir).to.equal(join(dir, 'state')); // relative to the configuration's folder
    expect(ok.gateway.waitSeconds).to.equal(25);
  });

  it('picks the first target whose message types match, a target without types takes the rest', () => {
    const targets = [
      { kind: 'folder' as const, dir: '/a', messageTypes: ['hund.abmeldung.0104'] },
      { kind: 'folder' as const, dir: '/b' },
    ];
    expect(targetFor(targets, 'hund.abmeldung.0104')).to.equal(targets[0]);
    expect(targetFor(targets, 'hund.anmeldung.0101')).to.equal(targets[1]);
    expect(targetFor([targets[0]!], 'hund.anmeldung.0101')).to.equal(undefined);
  });

  it('writes into the folder under the message\'s name, leaving no .part file; a missing folder is a refusal', async () => {
    const drop = join(dir, 'drop');
    mkdirSync(drop);
    const m = msg({ payload: Buffer.from('<a>ä</a>') });
    const detail = await deliverLocally({ kind: 'folder', dir: drop }, m, new AbortController().signal);
    expect(readdirSync(drop)).to.deep.equal([`hund.anmeldung.0101-${m.gatewayId}-${m.messageUuid}.xml`]);
    expect(detail).to.contain(m.gatewayId);
    expect(readFileSync(join(drop, `hund.anmeldung.0101-${m.gatewayId}-${m.messageUuid}.xml`), 'utf8')).to.equal('<a>ä</a>');
    let refused: unknown;
    await deliverLocally({ kind: 'folder', dir: join(dir, 'gone') }, m, new AbortController().signal).catch((err: unknown) => (refused = err));
    expect(refused).to.be.instanceOf(LocalRefusal);
    expect((refused as Error).message).to.contain('ENOENT');
  });

  it('a command that exits non-zero is a refusal', async () => {
    let refused: unknown;
    await deliverLocally({ kind: 'command', program: process.execPath, args: ['-e', 'process.exit(7)'], timeoutMs: 20_000 }, msg(), new AbortController().signal).catch((err: unknown) => (refused = err));
    expect(refused).to.be.instanceOf(LocalRefusal);
    expect((refused as Error).message).to.contain('exit 7');
  });

  it('the journal keeps accepted ids across a reopen, skips a torn last line and is case-blind', () => {
    const state = join(dir, 'journal');
    mkdirSync(state);
    const a = randomUUID();
    const b = randomUUID();
    const j1 = new AcceptJournal(state);
    j1.add(a);
    j1.close();
    appendFileSync(join(state, 'accepted.journal'), b.slice(0, 20)); // a crash in the middle of an append
    const j2 = new AcceptJournal(state);
    expect(j2.has(a.toUpperCase())).to.equal(true);
    expect(j2.has(b)).to.equal(false);
    j2.add(b);
    j2.close();
    expect(new AcceptJournal(state).has(b)).to.equal(true);
  });

  it('the journal keeps the newest ids when it compacts', () => {
    const state = join(dir, 'journal-small');
    mkdirSync(state);
    const ids = Array.from({ length: 9 }, () => randomUUID());
    const j = new AcceptJournal(state, 4);
    ids.forEach((id) => j.add(id));
    j.close();
    const reopened = new AcceptJournal(state, 4);
    expect(ids.map((id) => reopened.has(id))).to.deep.equal([false, false, false, false, true, true, true, true, true]);
    expect(readFileSync(join(state, 'accepted.journal'), 'utf8').trim().split('\n')).to.have.length(5);
  });

  it('docs/agent.md carries the reference generated from the schema, and its example configurations match the schema', () => {
    const doc = readFileSync(new URL('../../docs/agent.md', import.meta.url), 'utf8');
    expect(doc, 'run `npx tsx gateway/agent/reference.ts`').to.equal(agentDocWithReference(doc));
    const examples = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(examples).to.have.length(2);
    for (const y of examples) {
      const parsed = agentConfigSchema.safeParse(parseYaml(y));
      expect(parsed.success, JSON.stringify(parsed.error?.issues)).to.equal(true);
    }
  });
});
