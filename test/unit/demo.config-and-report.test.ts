import { expect } from 'chai';
import { CONNECTORS } from '../../connectors/index.js';
import { DEMO_CONFIG_PATH, loadConfigFile } from '../../gateway/config/load.js';
import { demoConfig } from '../../gateway/demo/config.js';
import { HUND_FORM_ID, WOHNGELD_FORM_ID } from '../../gateway/demo/forms.js';
import { finalLine, median, tableRows } from '../../gateway/demo/report.js';
import type { CaseRecord } from '../../gateway/demo/tracker.js';

describe('demo: its configuration is derived from demo.yaml, which stays mailbox-only', () => {
  const cfg = demoConfig({ dataDir: '/tmp/zsa-demo-unit', port: 0, magdeburgUrl: 'http://127.0.0.1:9', suelzetalDropDir: '/tmp/zsa-demo-unit/drop', amqp: { url: 'amqp://127.0.0.1', exchange: 'x', queue: 'q' } });

  it('npm start\'s demo.yaml keeps every endpoint a mailbox', () => {
    const plain = loadConfigFile(DEMO_CONFIG_PATH, CONNECTORS, {});
    expect([...new Set(plain.endpoints.map((e) => e.connector))]).to.deep.equal(['mailbox']);
  });

  it('swaps only the Fachverfahren endpoints of Magdeburg (http), Sülzetal (filedrop) and Wittenberg (amqp091)', () => {
    const swapped = cfg.endpoints.filter((e) => e.connector !== 'mailbox').map((e) => `${e.id}:${e.connector}`);
    expect(swapped).to.deep.equal(['fv-15003000-hund:http', 'fv-15003000-wohngeld:http', 'fv-15083490-hund:filedrop', 'fv-15091000-wohngeld:amqp091']);
  });

  it('puts each dialect as a copy of its route, restricted to the AGS, in front of the route it copies', () => {
    const names = cfg.routes.map((r) => r.name);
    const halle = cfg.routes.find((r) => r.name === 'hund-anmeldung-15002000')!;
    expect(halle.match.ags).to.deep.equal(['15002000']);
    expect(halle.targets.find((t) => t.to === 'fachverfahren')!.mapping).to.equal('xzsa-to-fv-legacy-xml');
    expect(halle.targets.find((t) => t.to === 'zsa')!.mapping).to.equal(undefined);
    expect(names.indexOf('hund-anmeldung-15002000')).to.be.lessThan(names.indexOf('hund-anmeldung'));
    expect(cfg.routes.find((r) => r.name === 'hund-steuerfestsetzung-15083490')!.targets[0]!.mapping).to.equal('xzsa-steuerfestsetzung-to-fv-csv');
    const magdeburg = cfg.routes.find((r) => r.name === 'hund-steuerfestsetzung-15003000')!;
    expect([magdeburg.match.ags, magdeburg.targets[0]!.mapping]).to.deep.equal([['15003000'], 'xzsa-steuerfestsetzung-to-fv-rest-json']);
    expect(names.indexOf('hund-steuerfestsetzung-15003000')).to.be.lessThan(names.indexOf('hund-steuerfestsetzung'));
    const original = cfg.routes.find((r) => r.name === 'hund-anmeldung')!;
    expect(original.targets.every((t) => t.mapping === undefined)).to.equal(true);
  });

  it('takes both EfA forms as JSON through their ingress mappings, with the form ids the simulated EfA service sends', () => {
    expect(cfg.mappings.ingress.filter((i) => i.authors === undefined).map((i) => [i.mapping, i.formId])).to.deep.equal([
      ['efa-hund-form-to-xzsa', HUND_FORM_ID],
      ['efa-wohngeld-form-to-xzsa', WOHNGELD_FORM_ID],
    ]);
  });

  it('cross-checks the Wohngeld evidence lists against the attachments of the case (the simulators attach what they list)', () => {
    expect(cfg.services.find((x) => x.id === 'wohngeld')!.evidence).to.deep.equal({ item: 'nachweise/nachweis', sha512: 'sha512', size: 'groesse' });
  });

  it('takes each pilot Hund Fachverfahren\'s answer in its own dialect, from that Fachverfahren only (ADR 0025)', () => {
    expect(cfg.mappings.ingress.filter((i) => i.authors !== undefined).map((i) => [i.mapping, i.mediaType, i.authors])).to.deep.equal([
      ['fv-rest-json-to-xzsa', 'application/json', ['fv-15003000-hund']],
      ['fv-csv-to-xzsa', 'text/csv', ['fv-15083490-hund']],
      ['fv-legacy-xml-to-xzsa', 'application/xml', ['fv-15002000-hund']],
    ]);
  });
});

describe('demo: the burst table', () => {
  const kase = (municipality: string, service: 'hund' | 'wohngeld', gaps: number[], done: boolean, nachforderungen = 0): CaseRecord => {
    let at = 1000;
    const hops = [0, ...gaps].map((g) => {
      at += g;
      return { at, vorgangId: 'v', service, municipality, from: 'a', to: 'b', messageType: 't', format: 'f', tookMs: g };
    });
    return { vorgangId: `${municipality}-${at}`, service, municipality, submittedAt: 1000, lastAt: at, hops, nachforderungen, done };
  };

  it('groups by municipality and service; the median per hop leaves out the submission, the median per case counts completed cases only', () => {
    const rows = tableRows([kase('Halle', 'hund', [100, 300], true), kase('Halle', 'hund', [200], true, 1), kase('Halle', 'hund', [50], false), kase('Anhalt', 'wohngeld', [10], true)]);
    expect(rows.map((r) => `${r.municipality}/${r.service}`)).to.deep.equal(['Anhalt/wohngeld', 'Halle/hund']);
    const halle = rows[1]!;
    expect(halle).to.include({ cases: 3, completed: 2, nachforderungen: 1 });
    expect(halle.medianHopMs).to.equal(150); // 50, 100, 200, 300
    expect(halle.medianCaseMs).to.equal(300); // 400 and 200
  });

  it('median of nothing is undefined; the final line counts the rest as stuck', () => {
    expect(median([])).to.equal(undefined);
    expect(median([3, 1, 2])).to.equal(2);
    expect(finalLine(12, 11)).to.equal('demo: cases 12 completed 11 stuck 1');
  });
});
