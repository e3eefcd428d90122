import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { runCli, show, type CliResult } from '../support/cli.js';
import { startTestGateway, testConfig } from '../support/gateway.js';
import { hundAnmeldung, hundSteuerfestsetzung } from '../support/xzsa-fixtures.js';

const MAGDEBURG = '15003000'; // hund: e2e in the demo config
const HALLE = '15002000'; // hund: none

interface Explain {
  routed: boolean;
  code?: string;
  detail?: string;
  steps?: string[];
  decision?: { endpointId: string; steps: string[] };
}

/** `routes explain` and `delegation list|set` of the real CLI against an in-process demo gateway (pull mailboxes). */
describe('cli: routes explain and delegation switches', function () {
  this.timeout(60_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let tmp: string;
  let url: string;

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'zsa-cli-routes-'));
    gw = await startTestGateway(testConfig());
    url = gw.url;
  });
  after(async () => {
    await gw?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  const file = (xml: string) => {
    const f = join(tmp, `${randomUUID()}.xml`);
    writeFileSync(f, xml);
    return f;
  };
  const explain = (xml: string, json = false) => runCli(['routes', 'explain', file(xml), ...(json ? ['--json'] : []), '--url', url]);
  /** Submits over HTTP: the message only shows where routing sends it now. */
  async function post(xml: string): Promise<string> {
    const res = await request(url).post('/api/v1/messages').set('content-type', 'application/xml').send(xml);
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    return res.body.gatewayId as string;
  }

  describe('with the configured delegations', () => {
    const xml = { delegating: hundAnmeldung({ ags: MAGDEBURG }), direct: hundAnmeldung({ ags: HALLE }), unknownAgs: hundAnmeldung({ ags: '99999999' }) };
    /** Independent CLI runs, started together; each test reads its result. */
    const run: Record<string, CliResult> = {};
    before(async () => {
      const runs: Record<string, Promise<CliResult>> = {
        delegating: explain(xml.delegating),
        direct: explain(xml.direct),
        unroutable: explain(xml.unknownAgs),
        unroutableJson: explain(xml.unknownAgs, true),
        unknownVorgang: explain(hundSteuerfestsetzung({ ags: MAGDEBURG, author: 'zsa:lsa', reader: 'ags:15003000' }), true),
        invalid: explain(hundAnmeldung({ iban: 'kein iban' })),
        list: runCli(['delegation', 'list', '--url', url]),
        listJson: runCli(['delegation', 'list', '--json', '--url', url]),
      };
      for (const [k, p] of Object.entries(runs)) run[k] = await p;
    });

    it('explains a delegating municipality: the ZSA queue, with every step', () => {
      const r = run.delegating!;
      expect(r.code, show(r)).to.equal(0);
      expect(r.stdout.trim().split('\n')).to.deep.equal([
        `hund.anmeldung.0101 for AGS ${MAGDEBURG}, LeiKa 99102013104000`,
        '  - route "hund-anmeldung" handles hund.anmeldung.0101',
        '  - LeiKa 99102013104000 belongs to service "hund"',
        `  - Landeshauptstadt Magdeburg (${MAGDEBURG}) delegation of "hund": e2e (from configuration)`,
        '  - rule "when delegation is e2e or backoffice → zsa" applies',
        '  - target zsa is endpoint "zsa-hund"',
        '→ endpoint zsa-hund',
      ]);
    });

    it('explains a non-delegating municipality: straight to its Fachverfahren', () => {
      const r = run.direct!;
      expect(r.code, show(r)).to.equal(0);
      expect(r.stdout).to.contain(`Stadt Halle (Saale) (${HALLE}) delegation of "hund": none (from configuration)`);
      expect(r.stdout).to.contain('  - default rule → fachverfahren');
      expect(r.stdout.trim().split('\n').at(-1)).to.equal('→ endpoint fv-15002000-hund');
    });

    it('explains an unroutable message (unknown municipality) with exit 1, and stores nothing', async () => {
      const r = run.unroutable!;
      expect(r.code, show(r)).to.equal(1);
      expect(r.stdout).to.contain('  - LeiKa 99102013104000 belongs to service "hund"');
      expect(r.stdout.trim().split('\n').at(-1)).to.equal('→ not routable: AGS 99999999 is not a configured municipality');
      const json = run.unroutableJson!;
      expect(json.code, show(json)).to.equal(1);
      const body = JSON.parse(json.stdout) as Explain;
      expect(body).to.include({ routed: false, code: 'GW_ROUTE_NO_MATCH' });
      expect(body.steps?.at(-1)).to.equal('AGS 99999999 is not a configured municipality');
      expect(await gw.services.store.listMessages({ ags: '99999999' })).to.be.empty;
    });

    it('explains a follow-up message of an unknown Vorgang as not routable (exit 1)', () => {
      const r = run.unknownVorgang!;
      expect(r.code, show(r)).to.equal(1);
      expect(JSON.parse(r.stdout)).to.include({ routed: false, code: 'GW_VORGANG_UNKNOWN' });
    });

    it('explain of an invalid message exits 2 with the problem', () => {
      const r = run.invalid!;
      expect(r.code, show(r)).to.equal(2);
      expect(r.stderr).to.contain('(GW_XSD_INVALID)');
      expect(r.stderr).to.match(/^ {2}line \d+ \/hund\.anmeldung\.0101\/sepaMandat\/iban: /m);
    });

    it('delegation list shows every municipality with its configured modes', () => {
      const r = run.list!;
      expect(r.code, show(r)).to.equal(0);
      expect(r.stdout).to.match(new RegExp(`^${HALLE}  Stadt Halle \\(Saale\\)$`, 'm'));
      expect(r.stdout).to.match(/^ {4}hund +none +\(config\)$/m);
      expect(r.stdout).to.match(/^ {4}wohngeld +prozessschritt:vollstaendigkeitspruefung \(config\)$/m);
      const items = JSON.parse(run.listJson!.stdout) as Array<{ ags: string; delegations: Array<{ service: string; mode: string }> }>;
      expect(items.map((m) => m.ags)).to.deep.equal([MAGDEBURG, HALLE, '15001000', '15083490', '15091000']);
    });
  });

  // Runs after the suite above (mocha runs a suite's own tests before its child suites, so both are suites).
  describe('switching at runtime', () => {
    it('delegation set switches where the next message goes, records who and why, and can be switched back', async () => {
      const set = await runCli(['delegation', 'set', HALLE, 'hund', 'e2e', '--reason', 'Halle delegiert ab sofort', '--url', url], { env: { USER: 'tester' } });
      expect(set.code, show(set)).to.equal(0);
      expect(set.stdout).to.match(new RegExp(`^${HALLE}/hund: none → e2e \\(recorded \\d{4}-\\d\\d-\\d\\dT`));

      const [list, explained] = await Promise.all([runCli(['delegation', 'list', '--url', url]), explain(hundAnmeldung({ ags: HALLE }))]);
      expect(list.stdout.split(`${HALLE}  `)[1]).to.match(/^.*\n {4}hund +e2e +\(runtime\)$/m);
      expect(explained.stdout).to.contain('delegation of "hund": e2e (switched at runtime)');
      expect(explained.stdout.trim().split('\n').at(-1)).to.equal('→ endpoint zsa-hund');

      expect((await gw.services.store.getMessage(await post(hundAnmeldung({ ags: HALLE }))))?.endpointId).to.equal('zsa-hund');

      const history = await gw.services.store.delegationHistory(HALLE);
      expect(history.at(-1)).to.include({ service: 'hund', mode: 'e2e', previous: 'none', actor: 'cli:tester', reason: 'Halle delegiert ab sofort' });

      const back = await runCli(['delegation', 'set', '150020000000', 'hund', 'none', '--reason', 'zurück', '--url', url]); // Halle by its ARS
      expect(back.code, show(back)).to.equal(0);
      expect(back.stdout).to.contain(`${HALLE}/hund: e2e → none`);
      expect((await gw.services.store.getMessage(await post(hundAnmeldung({ ags: HALLE }))))?.endpointId).to.equal('fv-15002000-hund');
    });

    it('delegation set refuses an invalid mode, an unknown municipality and a missing reason, changing nothing', async () => {
      const before = await gw.services.store.delegationHistory();
      const [mode, ags, service, reason] = await Promise.all([
        runCli(['delegation', 'set', HALLE, 'hund', 'sometimes', '--reason', 'x', '--url', url]),
        runCli(['delegation', 'set', '99999999', 'hund', 'e2e', '--reason', 'x', '--url', url]),
        runCli(['delegation', 'set', HALLE, 'katze', 'e2e', '--reason', 'x', '--url', url]),
        runCli(['delegation', 'set', HALLE, 'hund', 'e2e', '--url', url]),
      ]);
      expect(mode.code, show(mode)).to.equal(2);
      expect(mode.stderr).to.contain('(GW_BAD_REQUEST): delegation "sometimes" is not none, e2e, backoffice or prozessschritt:<step>');
      expect(mode.stderr).to.match(/^ {2}\/mode: invalid delegation mode$/m);
      expect(ags.code, show(ags)).to.equal(2);
      expect(ags.stderr).to.contain('(GW_NOT_FOUND): no municipality with AGS 99999999 is configured');
      expect(service.code, show(service)).to.equal(2);
      expect(service.stderr).to.contain('(GW_NOT_FOUND): no service "katze" is configured');
      expect(reason.code, show(reason)).to.not.equal(0);
      expect(reason.stderr).to.contain("required option '--reason <text>' not specified");
      expect(await gw.services.store.delegationHistory()).to.deep.equal(before);
    });
  });
});
