import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { PACKAGE_ROOT } from '../../gateway/paths.js';
import { computeFigures } from '../../gateway/reports/figures.js';
import { monthPeriod } from '../../gateway/reports/period.js';
import { computeUsage } from '../../gateway/reports/usage.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createStore, type MessageStore } from '../../gateway/store/index.js';
import { testConfig } from '../support/gateway.js';
import { buildProofBundle } from '../../gateway/reports/proof-bundle.js';
import { signingKeys } from '../crypto/support.js';
import { AS_OF, seedScenario } from './scenario.js';

/** The JSON the reports answer matches the schemas of the API contract gateway/api/openapi.yaml (the contract the monitoring UI relies on). */
describe('reports: answers match the API contract', function () {
  const fragment = parse(readFileSync(join(PACKAGE_ROOT, 'gateway/api/openapi.yaml'), 'utf8')) as { paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } };
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);
  ajv.addSchema({ $id: 'fragment', components: fragment.components });
  const check = (name: string, value: unknown) => {
    const validate = ajv.getSchema(`fragment#/components/schemas/${name}`)!;
    const ok = validate(value);
    expect(ok, JSON.stringify(validate.errors)).to.equal(true);
  };
  let dir: string;
  let store: MessageStore;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'zsa-fragment-'));
    store = await createStore({ kind: 'sqlite', path: join(dir, 'gateway.db') });
    seedScenario(join(dir, 'gateway.db'));
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('names the four routes', () => {
    expect(Object.keys(fragment.paths)).to.include.members(['/api/v1/messages/{id}/proof', '/api/v1/reports/figures', '/api/v1/reports/usage', '/api/v1/vorgaenge/{id}/proof']);
  });

  it('figures and usage', async () => {
    const cfg = testConfig();
    check('FiguresReport', JSON.parse(JSON.stringify(await computeFigures(cfg, store, monthPeriod('2026-11'), { now: AS_OF }))));
    check('UsageReport', JSON.parse(JSON.stringify(await computeUsage(cfg, store, monthPeriod('2026-11'), ['15003000']))));
  });

  it('a proof bundle of a Vorgang', async () => {
    const snapshot = await store.proofSnapshot({ kind: 'vorgang', id: 'md-hund-1' });
    const bundle = await buildProofBundle({ issuer: 'https://gateway.zsa.example/', signingKey: signingKeys('fragment').privateJwk }, { kind: 'vorgang', id: 'md-hund-1' }, snapshot);
    expect(bundle.messages).to.have.length(3);
    check('ProofBundle', JSON.parse(JSON.stringify(bundle)));
  });
});
