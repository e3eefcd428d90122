import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDemo, type DemoResult } from '../../gateway/demo/run.js';
import { AMQP_URL } from '../support/amqp.js';

/**
 * `zsa-gateway demo --cases 12` in-process: the gateway with the demo configuration and every
 * simulator, both services in all four pilot municipalities (12 cases = each pair twice).
 * Needs RabbitMQ (Landkreis Wittenberg's Fachverfahren reads AMQP). Asserts the final line,
 * and that each Fachverfahren simulator got its messages in its own format and could read them.
 */
describe('demo: a burst of cases reaches every final state, each Fachverfahren in its own format', function () {
  this.timeout(180_000);
  const lines: string[] = [];
  let dataDir = '';
  let result: DemoResult;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'zsa-demo-test-'));
    result = await runDemo({ cases: 12, seed: 11, port: 0, dataDir, stuckAfterMs: 90_000, amqpUrl: AMQP_URL, hops: true, out: (l) => lines.push(l), signal: new AbortController().signal });
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('ends with "demo: cases 12 completed 12 stuck 0", no simulator warning on the way', () => {
    expect(lines[lines.length - 1]).to.equal('demo: cases 12 completed 12 stuck 0');
    expect(lines.filter((l) => l.startsWith('!')), lines.join('\n')).to.deep.equal([]);
  });

  it('played both services in all four municipalities and prints a table row for each pair', () => {
    const pairs = new Set([...result.tracker.cases.values()].map((c) => `${c.municipality}/${c.service}`));
    expect([...pairs].sort()).to.deep.equal(['Halle (Saale)/hund', 'Halle (Saale)/wohngeld', 'LK Wittenberg/wohngeld', 'Magdeburg/hund', 'Magdeburg/wohngeld', 'Sülzetal/hund']);
    for (const p of pairs) {
      const [town, service] = p.split('/');
      expect(lines.some((l) => l.startsWith(town!) && l.includes(` ${service} `)), `table row ${p}`).to.equal(true);
    }
  });

  it('prints each hop as one line, and a delegated Hund case goes EfA → ZSA clerk → Fachverfahren → EfA', () => {
    const c = [...result.tracker.cases.values()].find((x) => x.municipality === 'Sülzetal')!;
    expect(c.hops.map((h) => `${h.from} → ${h.to}`)).to.deep.equal(['EfA Hund → gateway', 'EfA Hund → ZSA clerk', 'ZSA clerk → FV Sülzetal', 'FV Sülzetal → EfA Hund']);
    expect(lines.filter((l) => l.includes(c.vorgangId.slice(0, 8)))).to.have.length(4);
  });

  it('Magdeburg (hosted REST) got the drafts as REST JSON and the Wohngeld messages over HTTP and read them', () => {
    const got = result.received.magdeburg;
    expect(got.filter((r) => r.messageType === 'hund.steuerfestsetzung.0102' && r.format === 'REST JSON')).to.have.length(2);
    expect(got.filter((r) => r.messageType === 'wohngeld.weiterleitung.0205')).to.have.length(2);
    expect(got.every((r) => r.readable)).to.equal(true);
  });

  it('Halle (Saale) (pull mailbox) got the Hund applications in HSTX 2.3 and read them', () => {
    const hund = result.received.halle.filter((r) => r.messageType === 'hund.anmeldung.0101');
    expect(hund).to.have.length(2);
    expect(hund.every((r) => r.format === 'HSTX 2.3 XML' && r.readable)).to.equal(true);
    expect(result.received.halle.filter((r) => r.messageType === 'wohngeld.antrag.0201')).to.have.length(2);
  });

  it('Sülzetal (file drop) got each draft as an HST-ENTWURF CSV file from the filedrop connector, written completely', () => {
    const drafts = result.received.suelzetal.filter((r) => r.messageType === 'hund.steuerfestsetzung.0102');
    expect(drafts).to.have.length(2);
    expect(drafts.every((r) => r.format === 'HST CSV file' && r.readable)).to.equal(true);
    const inbox = join(result.dropDir, 'eingang');
    const files = readdirSync(inbox);
    expect(files.filter((f) => f.endsWith('.part'))).to.deep.equal([]);
    expect(files.filter((f) => f.endsWith('.csv'))).to.have.length(2);
    for (const f of files) expect(readFileSync(join(inbox, f), 'utf8')).to.match(/^SATZART;VORGANG_ID;NACHRICHT_ID;/);
    expect(readdirSync(join(result.dropDir, 'ausgang')).filter((f) => !f.startsWith('.'))).to.deep.equal([]); // every answer collected
  });

  it('Landkreis Wittenberg consumed its messages from RabbitMQ and read them', () => {
    expect(result.amqp).to.equal(true);
    const got = result.received.wittenberg;
    expect(got.filter((r) => r.messageType === 'wohngeld.weiterleitung.0205')).to.have.length(2);
    expect(got.every((r) => r.format.endsWith('via AMQP') && r.readable)).to.equal(true);
  });

  it('the citizen\'s service got each Hund Bescheid with its PDF attached (hash and size as named) and a payment plan that starts with the liability, on every path', () => {
    const hund = [...result.tracker.cases.values()].filter((c) => c.service === 'hund');
    expect(result.bescheide.map((b) => b.vorgangId).sort()).to.deep.equal(hund.map((c) => c.vorgangId).sort());
    const towns = new Set<string>();
    for (const b of result.bescheide) {
      const town = result.tracker.cases.get(b.vorgangId)!.municipality;
      towns.add(town);
      expect(b.problems, `${town} ${b.vorgangId}`).to.deep.equal([]);
      expect(b.version).to.equal('1.1');
      expect(b.pdf).to.include({ isPdf: true, hashMatches: true });
      expect(b.firstDue! >= b.festsetzungAb!, `${town}: first instalment ${b.firstDue} before the liability starts ${b.festsetzungAb}`).to.equal(true);
      expect(b.mandatsreferenz === undefined, 'a direct debit or an E-Payment reference, never both').to.equal(b.ePaymentReferenz !== undefined);
    }
    // delegated via REST JSON (Magdeburg) and HST-RUECK (Sülzetal), Halle's own decision via HSTX
    expect([...towns].sort()).to.deep.equal(['Halle (Saale)', 'Magdeburg', 'Sülzetal']);
    const magdeburg = hund.filter((c) => c.municipality === 'Magdeburg').map((c) => c.vorgangId);
    expect(result.answered.magdeburg.map((a) => a.vorgangId).sort()).to.deep.equal(magdeburg.sort());
    expect(result.answered.magdeburg.every((a) => a.mediaType === 'application/json' && a.attachment.endsWith('.pdf'))).to.equal(true);
  });

  it('a Nachforderung is counted once per incomplete application and answered within the same Vorgang', () => {
    const wohngeld = [...result.tracker.cases.values()].filter((c) => c.service === 'wohngeld' && c.municipality !== 'Halle (Saale)');
    expect(wohngeld.reduce((n, c) => n + c.nachforderungen, 0), 'seed 11 plays at least one incomplete application').to.be.greaterThan(0);
    for (const c of wohngeld) {
      const asked = c.hops.filter((h) => h.messageType === 'wohngeld.nachforderung.0203' && h.to.startsWith('EfA')).length;
      expect(c.nachforderungen, c.vorgangId).to.equal(asked);
      expect(c.hops.filter((h) => h.messageType === 'wohngeld.nachreichung.0204').length).to.equal(asked);
    }
  });
});

describe('demo: the same seed plays the same cases', function () {
  this.timeout(180_000);
  it('submits the same Vorgang ids in the same order in two runs with one seed', async () => {
    const run = async () => {
      const r = await runDemo({ cases: 6, seed: 23, port: 0, stuckAfterMs: 60_000, amqpUrl: AMQP_URL, hops: false, out: () => undefined, signal: new AbortController().signal });
      return [...r.tracker.cases.keys()];
    };
    const first = await run();
    expect(first).to.have.length(6);
    expect(await run()).to.deep.equal(first);
  });
});

describe('demo: stuck cases and a clean stop', function () {
  this.timeout(180_000);

  it('counts a case that has not reached its final state within --stuck-after as stuck, and names it', async () => {
    const lines: string[] = [];
    const r = await runDemo({ cases: 6, seed: 3, port: 0, stuckAfterMs: 1, amqpUrl: AMQP_URL, hops: false, out: (l) => lines.push(l), signal: new AbortController().signal });
    expect(r.stuck).to.be.greaterThan(0);
    expect(r.completed + r.stuck).to.equal(6);
    expect(lines[lines.length - 1]).to.equal(`demo: cases 6 completed ${r.completed} stuck ${r.stuck}`);
    expect(lines.filter((l) => l.startsWith('stuck: Vorgang '))).to.have.length(r.stuck);
  });

  it('a trickle stops cleanly on abort (Ctrl-C): it resolves, says how far it got and removes its temporary data folder', async () => {
    const lines: string[] = [];
    const stop = new AbortController();
    const done = runDemo({ seed: 5, rate: 4, port: 0, stuckAfterMs: 60_000, amqpUrl: AMQP_URL, out: (l) => {
      lines.push(l);
      if (l.includes('→ ZSA clerk') || l.includes('→ FV ')) stop.abort(); // once a case has moved
    }, signal: stop.signal });
    const r = await done;
    const dataLine = lines.find((l) => l.startsWith('zsa-gateway demo'))!;
    const dir = / data (\S+) \(temporary\)/.exec(dataLine)![1]!;
    expect(r.cases).to.be.greaterThan(0);
    expect(lines[lines.length - 1]).to.match(/^demo: stopped after \d+ cases?, completed \d+, still on their way \d+$/);
    expect(readdirSync(tmpdir())).to.not.include(dir.split('/').pop());
  });
});

describe('demo: a delegation switched while the demo runs changes the paths, each Fachverfahren keeps its dialect', function () {
  this.timeout(180_000);

  it('Halle switched to e2e releases the ZSA draft in HSTX; Sülzetal and Magdeburg switched to none take the application as HST-IMPORT and REST JSON and answer the citizen themselves', async () => {
    const lines: string[] = [];
    const switchTo = async (url: string, ars: string, mode: string) => {
      const res = await fetch(`${url}/api/v1/admin/municipalities/${ars}/delegations/hund`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode, reason: 'demo test: switch while running' }) });
      expect(res.status, await res.text()).to.equal(200);
    };
    const r = await runDemo({
      cases: 12, seed: 8, port: 0, stuckAfterMs: 60_000, amqpUrl: AMQP_URL, hops: false, out: (l) => lines.push(l), signal: new AbortController().signal,
      beforeCases: async (url) => {
        await switchTo(url, '150020000000', 'e2e');
        await switchTo(url, '150830490490', 'none');
        await switchTo(url, '15003000', 'none');
      },
    });
    expect(lines[lines.length - 1]).to.equal('demo: cases 12 completed 12 stuck 0');
    expect(lines.filter((l) => l.startsWith('!')), lines.join('\n')).to.deep.equal([]);
    const hund = [...r.tracker.cases.values()].filter((c) => c.service === 'hund');
    const halle = hund.filter((c) => c.municipality === 'Halle (Saale)');
    expect(halle).to.have.length(2);
    for (const c of halle) expect(c.hops.map((h) => `${h.from} → ${h.to}`)).to.deep.equal(['EfA Hund → gateway', 'EfA Hund → ZSA clerk', 'ZSA clerk → FV Halle (Saale)', 'FV Halle (Saale) → EfA Hund']);
    expect(r.received.halle.filter((x) => x.messageType === 'hund.steuerfestsetzung.0102' && x.readable)).to.have.length(2);
    // not delegating: the application goes straight to the Fachverfahren, which sends its own Bescheid to the citizen
    for (const town of ['Sülzetal', 'Magdeburg']) {
      const own = hund.filter((c) => c.municipality === town);
      expect(own, town).to.have.length(2);
      for (const c of own) expect(c.hops.map((h) => `${h.from} → ${h.to}`), town).to.deep.equal(['EfA Hund → gateway', `EfA Hund → FV ${town}`, `FV ${town} → EfA Hund`]);
    }
    expect(r.received.suelzetal).to.deep.equal([1, 2].map(() => ({ messageType: 'hund.anmeldung.0101', format: 'HST CSV file', readable: true })));
    expect(r.received.magdeburg.filter((x) => x.messageType.startsWith('hund.'))).to.deep.equal([1, 2].map(() => ({ messageType: 'hund.anmeldung.0101', format: 'REST JSON', readable: true })));
    // every Hund case ends with a checked Bescheid (XZSA 1.1, PDF hash and size as named, pro rata, instalments, mandate)
    expect(r.bescheide.map((b) => b.vorgangId).sort()).to.deep.equal(hund.map((c) => c.vorgangId).sort());
    for (const b of r.bescheide) {
      expect(b.problems, b.vorgangId).to.deep.equal([]);
      expect(b.version).to.equal('1.1');
      expect(b.pdf).to.include({ isPdf: true, hashMatches: true });
    }
    // Magdeburg answered its own applications as REST JSON decisions with the PDF (Sülzetal's HST-RUECK: the Bescheide above)
    expect(r.answered.magdeburg.map((a) => a.vorgangId).sort()).to.deep.equal(hund.filter((c) => c.municipality === 'Magdeburg').map((c) => c.vorgangId).sort());
    expect(r.answered.magdeburg.every((a) => a.mediaType === 'application/json' && a.attachment.endsWith('.pdf'))).to.equal(true);
  });
});

describe('demo: without a broker', function () {
  this.timeout(180_000);

  it('says so and lets Landkreis Wittenberg pull a mailbox instead; every case still completes', async () => {
    const lines: string[] = [];
    const r = await runDemo({ cases: 6, seed: 2, port: 0, stuckAfterMs: 60_000, amqpUrl: 'amqp://127.0.0.1:1', hops: false, out: (l) => lines.push(l), signal: new AbortController().signal });
    expect(r.amqp).to.equal(false);
    expect(lines.some((l) => l.startsWith('note: no RabbitMQ at amqp://127.0.0.1:1'))).to.equal(true);
    expect(lines.some((l) => l.includes('LK Wittenberg') && l.includes('pull mailbox (AMQP fallback)'))).to.equal(true);
    expect(lines[lines.length - 1]).to.equal('demo: cases 6 completed 6 stuck 0');
    expect(r.received.wittenberg.length).to.be.greaterThan(0);
    expect(r.received.wittenberg.every((x) => x.readable && !x.format.includes('AMQP'))).to.equal(true);
  });
});
