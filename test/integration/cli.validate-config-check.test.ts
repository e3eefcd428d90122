import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../gateway/paths.js';
import { freePort } from '../support/child-gateway.js';
import { runCli, show, type CliResult } from '../support/cli.js';

/**
 * The offline commands of `zsa-gateway`: `validate` (exit 0 valid, 1 invalid, with line and
 * element path) and `config-check` (every problem listed, exit ≠ 0), plus how every
 * online command fails when the gateway is not reachable (problem text, exit 2).
 */
const SAMPLES = join(PACKAGE_ROOT, 'schemas-xoev/xzsa/1.0/samples');
const sample = (kind: 'valid' | 'invalid', name: string) => join(SAMPLES, kind, `${name}.xml`);

interface SampleCase {
  file: string;
  kind: 'valid' | 'invalid';
  code?: string;
  path?: string;
}

/** Every sample whose expectation does not depend on non-default limits (those are server or validator settings). */
function sampleCases(): SampleCase[] {
  const out: SampleCase[] = [];
  for (const kind of ['valid', 'invalid'] as const) {
    for (const f of readdirSync(join(SAMPLES, kind)).filter((n) => n.endsWith('.xml')).sort()) {
      const expectFile = join(SAMPLES, kind, f.replace(/\.xml$/, '.expect.json'));
      let want: { code?: string; path?: string; limits?: unknown } = {};
      try {
        want = JSON.parse(readFileSync(expectFile, 'utf8')) as typeof want;
      } catch {
        // valid samples may come without expectation
      }
      if (want.limits !== undefined) continue;
      out.push({ file: join(SAMPLES, kind, f), kind, ...(want.code ? { code: want.code } : {}), ...(want.path ? { path: want.path } : {}) });
    }
  }
  return out;
}

interface JsonLine {
  file: string;
  valid: boolean;
  header?: { messageType: string; ags: string };
  problem?: { code: string; errors?: Array<{ path?: string; line?: number }> };
}

describe('cli: validate and config-check (offline), and an unreachable gateway', function () {
  this.timeout(120_000);
  let tmp: string;
  const cases = sampleCases();
  /** Every CLI run of this file, started together in `before` (they are independent); the tests read the results. */
  const run: Record<string, CliResult> = {};
  let unreachableUrl = '';

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'zsa-cli-offline-'));
    const write = (name: string, text: string) => {
      const f = join(tmp, name);
      writeFileSync(f, text);
      return f;
    };
    unreachableUrl = `http://127.0.0.1:${await freePort()}`;
    const runs: Record<string, string[] | [string[], NodeJS.ProcessEnv]> = {
      mixed: ['validate', sample('valid', 'hund.anmeldung.0101'), sample('invalid', 'bad-iban-pattern'), sample('invalid', 'malformed-unclosed-tag'), sample('invalid', 'missing-ags'), sample('valid', 'wohngeld.antrag.0201')],
      jsonAll: ['validate', '--json', ...cases.map((c) => c.file)],
      jsonValid: ['validate', '--json', sample('valid', 'wohngeld.antrag.0201')],
      demo: ['config-check'],
      references: ['config-check', '--config', write('broken-references.yaml', BROKEN_REFERENCES)],
      schema: ['config-check', '-c', write('broken-schema.yaml', BROKEN_SCHEMA)],
      yaml: ['config-check', '--config', write('not-yaml.yaml', 'server:\n  port: 8080\nendpoints: [\n  bad: : yaml\n')],
      missing: ['config-check', '--config', join(tmp, 'absent.yaml')],
      list: ['messages', 'list', '--url', unreachableUrl],
      send: ['send', sample('valid', 'hund.anmeldung.0101'), '--url', unreachableUrl],
      delegations: [['delegation', 'list'], { ZSA_GATEWAY_URL: unreachableUrl }],
      replayNothing: ['replay', '--url', unreachableUrl],
    };
    await Promise.all(
      Object.entries(runs).map(async ([name, r]) => {
        const [args, env] = typeof r[0] === 'string' ? [r as string[], {}] : (r as [string[], NodeJS.ProcessEnv]);
        run[name] = await runCli(args, { env });
      }),
    );
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  /** The verdict line the CLI printed for one sample. */
  const lineOf = (r: CliResult, kind: 'valid' | 'invalid', name: string) => r.stdout.split('\n').find((l) => l.startsWith(`${sample(kind, name)}: `));
  /** The indented issue lines printed after the INVALID line of `name`. */
  const issuesOf = (r: CliResult, name: string) => r.stdout.split(/\n(?=\/)/).find((b) => b.includes(`/${name}.xml: `))?.split('\n').slice(1) ?? [];

  it('validate: a valid file is named with type, UUID, author, reader and AGS', () => {
    expect(lineOf(run.mixed!, 'valid', 'hund.anmeldung.0101'), show(run.mixed!)).to.match(/: valid hund\.anmeldung\.0101 3f2b8c1e-6d4a-4e1f-9a7b-0c5d2e8f1a01 \(efa:hund-lsa → zsa:lsa, AGS 15003000\)$/);
  });

  it('validate: an XSD error shows the line and element path of the finding', () => {
    expect(lineOf(run.mixed!, 'invalid', 'bad-iban-pattern')).to.contain(': INVALID GW_XSD_INVALID: ');
    const issues = issuesOf(run.mixed!, 'bad-iban-pattern');
    expect(issues.join('\n'), show(run.mixed!)).to.match(/^ {2}line \d+ \/hund\.anmeldung\.0101\/sepaMandat\/iban: .*pattern/m);
    expect(run.mixed!.stdout, 'no invented column 0').to.not.match(/line \d+:0 /);
  });

  it('validate: malformed XML shows line and column; a missing routing key shows its path', () => {
    expect(lineOf(run.mixed!, 'invalid', 'malformed-unclosed-tag')).to.contain(': INVALID GW_XML_MALFORMED: ');
    expect(issuesOf(run.mixed!, 'malformed-unclosed-tag').join('\n')).to.match(/^ {2}line \d+:\d+: Opening and ending tag mismatch/m);
    expect(lineOf(run.mixed!, 'invalid', 'missing-ags')).to.contain(': INVALID GW_ROUTING_KEY_MISSING: ');
    expect(issuesOf(run.mixed!, 'missing-ags').join('\n')).to.match(/^ {2}\/hund\.anmeldung\.0101\/nachrichtenkopf\/vorgang\/ags: /m);
  });

  it('validate: invalid files among valid ones make the exit code 1, and every file is reported in order', () => {
    expect(run.mixed!.code, show(run.mixed!)).to.equal(1);
    const verdicts = run.mixed!.stdout.split('\n').filter((l) => l.startsWith('/')).map((l) => (l.includes(': valid ') ? 'valid' : l.includes(': INVALID ') ? 'invalid' : l));
    expect(verdicts).to.deep.equal(['valid', 'invalid', 'invalid', 'invalid', 'valid']);
  });

  it('validate --json: one JSON line per sample, matching every sample expectation', () => {
    const r = run.jsonAll!;
    expect(cases.filter((c) => c.kind === 'invalid')).to.not.be.empty;
    expect(r.code, show(r)).to.equal(1);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as JsonLine);
    expect(lines.map((l) => l.file)).to.deep.equal(cases.map((c) => c.file));
    lines.forEach((l, i) => {
      const c = cases[i]!;
      expect(l.valid, c.file).to.equal(c.kind === 'valid');
      if (c.kind === 'valid') expect(l.header?.messageType, c.file).to.be.a('string');
      else {
        expect(l.problem?.code, c.file).to.equal(c.code);
        if (c.path) expect((l.problem?.errors ?? []).map((e) => e.path ?? '').join('\n'), c.file).to.contain(c.path);
      }
    });
  });

  it('validate --json on valid files only exits 0 with the parsed header', () => {
    const r = run.jsonValid!;
    expect(r.code, show(r)).to.equal(0);
    const line = JSON.parse(r.stdout) as JsonLine;
    expect(line).to.include({ valid: true });
    expect(line.header).to.include({ messageType: 'wohngeld.antrag.0201', ags: '15003000' });
  });

  it('config-check: the demo configuration is fine (exit 0, with counts)', () => {
    const r = run.demo!;
    expect(r.code, show(r)).to.equal(0);
    expect(r.stdout).to.match(/^ok: \d+ participants, \d+ endpoints, 5 municipalities, \d+ routes$/m); // Magdeburg, Halle, Dessau-Roßlau, Sülzetal, Landkreis Wittenberg
  });

  it('config-check: a configuration with broken references lists every problem with its path', () => {
    const r = run.references!;
    expect(r.code, show(r)).to.not.equal(0);
    expect(r.stderr).to.contain('GW_CONFIG_INVALID');
    for (const e of REFERENCE_PROBLEMS) expect(r.stderr, show(r)).to.contain(`  ${e}`);
    expect(r.stderr).to.contain(`configuration has ${REFERENCE_PROBLEMS.length} problem(s)`);
  });

  it('config-check: schema violations are all listed, not only the first', () => {
    const r = run.schema!;
    expect(r.code, show(r)).to.not.equal(0);
    for (const path of ['server.port', 'endpoints', 'municipalities.0.ags', 'routes']) expect(r.stderr, show(r)).to.match(new RegExp(`^ {2}${path.replace(/\./g, '\\.')}: `, 'm'));
    expect(r.stderr).to.match(/Unrecognized key.*"unexpected"/);
  });

  it('config-check: a YAML syntax error names the file and the line', () => {
    const r = run.yaml!;
    expect(r.code, show(r)).to.not.equal(0);
    expect(r.stderr).to.contain(`configuration file ${join(tmp, 'not-yaml.yaml')} is not valid YAML`);
    expect(r.stderr).to.match(/line \d+:\d+ .*not-yaml\.yaml: /);
  });

  it('config-check: a missing file is reported, not a stack trace', () => {
    const r = run.missing!;
    expect(r.code, show(r)).to.not.equal(0);
    expect(r.stderr).to.contain('cannot read configuration file');
    expect(r.stderr).to.not.contain('    at ');
  });

  it('every online command exits 2 with a clear message when the gateway is unreachable (--url or $ZSA_GATEWAY_URL)', () => {
    for (const r of [run.list!, run.send!, run.delegations!]) {
      expect(r.code, show(r)).to.equal(2);
      expect(r.stderr).to.contain(`error: cannot reach the gateway at ${unreachableUrl}`);
      expect(r.stdout).to.equal('');
    }
  });

  it('replay without an id or --all is refused with exit 2 before any request', () => {
    const r = run.replayNothing!;
    expect(r.code, show(r)).to.equal(2);
    expect(r.stderr).to.contain('GW_BAD_REQUEST: name a message id or use --all');
  });
});

const BROKEN_REFERENCES = `participants:
  - { id: zsa, kind: zsa, kennung: "zsa:x", name: ZSA, endpoint: no-such-endpoint }
endpoints:
  - { id: q, connector: mailbox, config: { mailbox: q } }
  - { id: q, connector: mailbox, config: { mailbox: q2 } }
  - { id: pigeon, connector: carrier-pigeon }
services:
  - { id: hund, name: Hund, leika: ["99102013104000"], zsaEndpoint: missing-queue }
municipalities:
  - { ags: "15003000", name: M, participant: nobody, delegations: { katze: e2e }, fachverfahren: { hund: gone } }
routes:
  - { name: r, match: { messageType: hund.anmeldung.0101 }, startsVorgang: true, targets: [{ to: "endpoint:nirgendwo" }] }
`;
const REFERENCE_PROBLEMS = [
  'endpoints.1: duplicate endpoints id "q"',
  'endpoints.2.connector: unknown connector "carrier-pigeon"',
  'participants.0.endpoint: unknown endpoint "no-such-endpoint"',
  'services.0.zsaEndpoint: unknown endpoint "missing-queue"',
  'municipalities.0.participant: unknown participant "nobody"',
  'municipalities.0.delegations.katze: unknown service "katze"',
  'municipalities.0.fachverfahren.hund: unknown endpoint "gone"',
  'routes.0.targets.0.to: unknown endpoint "nirgendwo"',
];
const BROKEN_SCHEMA = 'server: { port: 99999 }\nendpoints: []\nservices: []\nmunicipalities: [{ ags: "123", name: X }]\nroutes: []\nunexpected: 1\n';
