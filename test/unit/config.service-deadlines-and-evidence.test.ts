import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { CONNECTORS } from '../../connectors/index.js';
import { DEMO_CONFIG_PATH, substituteEnv, validateConfig } from '../../gateway/config/load.js';
import { GatewayError } from '../../gateway/errors.js';

type Raw = Record<string, unknown> & { services: Array<Record<string, unknown>> };
const demoRaw = (): Raw => substituteEnv(parseYaml(readFileSync(DEMO_CONFIG_PATH, 'utf8')), {}) as Raw;
const wohngeld = (raw: Raw): Record<string, unknown> => raw.services.find((s) => s['id'] === 'wohngeld')!;

function problems(raw: unknown): Array<{ path?: string; message: string }> {
  try {
    validateConfig(raw, CONNECTORS);
  } catch (err) {
    expect(err).to.be.instanceOf(GatewayError);
    return (err as GatewayError).issues;
  }
  throw new Error('configuration was accepted');
}

/** services[].deadlines and services[].evidence (ADR 0023): durations, their order, local-name paths, watcher defaults. */
describe('configuration: service deadlines and evidence', () => {
  it('reads the demo\'s Wohngeld deadline with its durations in milliseconds, and the watcher defaults', () => {
    const cfg = validateConfig(demoRaw(), CONNECTORS);
    const d = cfg.services.find((s) => s.id === 'wohngeld')!.deadlines;
    expect(d).to.deep.equal([{ name: 'nachreichung', after: ['wohngeld.nachforderung.0203'], until: ['wohngeld.nachreichung.0204'], remindAfter: 14 * 86_400_000, closeAfter: 28 * 86_400_000 }]);
    expect(cfg.services.find((s) => s.id === 'hund')!.deadlines).to.deep.equal([]);
    expect(cfg.deadlines).to.deep.equal({ enabled: true, intervalMs: 60_000, kennung: 'gw:zsa-gateway' });
  });

  it('converts each duration unit', () => {
    const raw = demoRaw();
    wohngeld(raw)['deadlines'] = [{ name: 'a', after: ['x'], until: ['y'], remindAfter: '90s', closeAfter: '2h' }, { name: 'b', after: ['x'], until: ['y'], remindAfter: '30m', closeAfter: '1d' }];
    const d = validateConfig(raw, CONNECTORS).services.find((s) => s.id === 'wohngeld')!.deadlines;
    expect(d.map((x) => [x.remindAfter, x.closeAfter])).to.deep.equal([[90_000, 7_200_000], [1_800_000, 86_400_000]]);
  });

  it('lists every bad deadline and evidence setting at once', () => {
    const raw = demoRaw();
    wohngeld(raw)['deadlines'] = [
      { name: 'late', after: ['x'], until: ['y'], remindAfter: '14 days', closeAfter: '0d' },
      { name: 'order', after: ['x'], until: ['y'], remindAfter: '28d', closeAfter: '14d' },
    ];
    wohngeld(raw)['evidence'] = { item: '//xzsa:nachweis', sha512: 'sha512' };
    const found = problems(raw).map((p) => p.path);
    expect(found).to.include.members([
      'services.1.deadlines.0.remindAfter', 'services.1.deadlines.0.closeAfter', 'services.1.deadlines.1.closeAfter', 'services.1.evidence.item',
    ]);
  });
});
