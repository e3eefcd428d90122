import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GatewayConfig } from '../../gateway/config/schema.js';
import { GatewayError } from '../../gateway/errors.js';
import { FormIngress } from '../../gateway/ingress/form-ingress.js';
import { missingMappings } from '../../gateway/ingress/mappings.js';
import { MappingStep } from '../../gateway/ingress/mapping-step.js';
import type { CompiledMapping, MappingRegistry } from '../../gateway/mapping/types.js';
import type { MessageHeader } from '../../gateway/model/index.js';
import { Router, type RouteDecision } from '../../gateway/routing/router.js';
import { createStore } from '../../gateway/store/index.js';
import { testConfig } from '../support/gateway.js';

/** A fake mapping: echoes a fixed body, or throws what it is given. */
function fake(name: string, from: string, to: Partial<CompiledMapping['to']> & { format?: CompiledMapping['to']['format'] }, fails?: GatewayError): CompiledMapping {
  return {
    name,
    from: { format: 'xml', describe: from },
    to: { format: 'xml', describe: name, ...to },
    run: async () => {
      if (fails) throw fails;
      return { body: Buffer.from(`<out by="${name}"/>`), mediaType: 'application/xml', format: to.format ?? 'xml' };
    },
  };
}

function registry(...ms: CompiledMapping[]): MappingRegistry {
  const byName = new Map(ms.map((m) => [m.name, m]));
  return { get: (n) => byName.get(n), names: () => [...byName.keys()].sort() };
}

const header = (o: Partial<MessageHeader> = {}): MessageHeader => ({
  messageUuid: '0b7e8a3c-2f1d-4c5e-9a6b-1d2e3f4a5b6c', messageType: 'hund.anmeldung.0101', namespace: 'urn:zsa-gateway:xzsa:1.0', standard: 'XZSA', version: '1.0',
  createdAt: '2025-03-04T09:12:45+01:00', author: 'efa:hund-lsa', reader: 'zsa:lsa', vorgangId: 'vg-1', leika: '99102013104000', ags: '15002000', test: false, ...o,
});

const decision = (o: Partial<RouteDecision>): RouteDecision => ({ routeName: 'r', endpointId: 'fv-15002000-hund', target: 'fachverfahren', service: 'hund', delegation: 'none', delegationSource: 'config', reason: '', steps: [], ...o });

describe('mapping step: which mapping a target gets', () => {
  let cfg: GatewayConfig;
  beforeEach(() => {
    cfg = testConfig();
    cfg.endpoints.find((e) => e.id === 'zsa-hund')!.accepts = [{ standard: 'XZSA', version: '1.1' }];
  });
  const v11 = fake('xzsa-1.0-to-1.1', 'XZSA 1.0 hund.anmeldung.0101', { standard: 'XZSA', version: '1.1', messageType: 'hund.anmeldung.0101' });
  const back = fake('xzsa-1.1-to-1.0', 'XZSA 1.1 hund.anmeldung.0101', { standard: 'XZSA', version: '1.0', messageType: 'hund.anmeldung.0101' });

  it('takes the mapping of the rule that decided: the router carries it in its decision', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zsa-mapping-step-'));
    const store = await createStore({ kind: 'sqlite', path: join(dir, 'db.sqlite') });
    try {
      const route = cfg.routes.find((r) => r.name === 'hund-anmeldung')!;
      route.targets = route.targets.map((t) => ({ ...t, mapping: t.to === 'zsa' ? 'to-zsa' : 'to-fv' }));
      const router = new Router(cfg, store);
      const step = new MappingStep(cfg, registry());
      const halle = await router.decide(header({ ags: '15002000' })); // Hund not delegated → fachverfahren
      const magdeburg = await router.decide(header({ ags: '15003000' })); // delegated → zsa
      expect(step.mappingFor(halle, header())).to.equal('to-fv');
      expect(step.mappingFor(magdeburg, header({ version: '1.1' }))).to.equal('to-zsa');
      expect(step.mappingFor(decision({}), header())).to.equal(undefined);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('picks the version mapping toward what the receiver declares, reading the message\'s version', () => {
    const step = new MappingStep(cfg, registry(back, v11));
    const zsa = decision({ target: 'zsa', endpointId: 'zsa-hund', delegation: 'e2e' });
    expect(step.mappingFor(zsa, header())).to.equal('xzsa-1.0-to-1.1');
    expect(step.mappingFor(zsa, header({ version: '1.1', namespace: 'urn:zsa-gateway:xzsa:1.1' }))).to.equal(undefined);
    expect(step.mappingFor(zsa, header({ standard: 'XBeteiligung', version: '1.2' }))).to.equal(undefined);
    expect(step.mappingFor(decision({}), header())).to.equal(undefined); // no accepts declared
    expect(step.mappingFor({ ...zsa, mapping: 'named' }, header())).to.equal('named'); // the rule's mapping wins
  });

  it('names the gap when no version mapping is loaded, fails visibly, and finds the mapping once it is there (replay)', async () => {
    const zsa = decision({ target: 'zsa', endpointId: 'zsa-hund', delegation: 'e2e' });
    const without = new MappingStep(cfg, registry(back));
    const marker = without.mappingFor(zsa, header())!;
    const failed = await without.deliver(marker, Buffer.from('<x/>'), header());
    expect(failed.kind).to.equal('failed');
    expect(failed.kind === 'failed' && failed.reason).to.include('XZSA 1.0').and.include('1.1');
    const later = await new MappingStep(cfg, registry(back, v11)).deliver(marker, Buffer.from('<x/>'), header());
    expect(later.kind === 'mapped' && later.form.name).to.equal('xzsa-1.0-to-1.1');
  });

  it('turns a failing mapping into a reason naming mapping, rule and path, never the value', async () => {
    const err = new GatewayError('GW_MAPPING_OUTPUT_INVALID', 'mapping broken, rule output, path /hund/kategorie: value "Bello" refused', { extra: { mapping: 'broken', rule: 'output', path: '/hund/kategorie' } });
    const out = await new MappingStep(cfg, registry(fake('broken', 'XZSA 1.0', { format: 'json' }, err))).deliver('broken', Buffer.from('<x/>'), header());
    expect(out.kind).to.equal('failed');
    const reason = out.kind === 'failed' ? out.reason : '';
    expect(reason).to.include('broken').and.include('GW_MAPPING_OUTPUT_INVALID').and.include('rule output').and.include('/hund/kategorie');
    expect(reason).not.to.include('Bello');
    const unknown = await new MappingStep(cfg, registry()).deliver('gone', Buffer.from('<x/>'), header());
    expect(unknown.kind === 'failed' && unknown.reason).to.include('gone').and.include('not loaded');
  });

  it('feeds a mapping that reads another version through the version mapping first, and names the gap when there is none', async () => {
    const dialect = fake('xzsa-to-dialect', 'XZSA 1.0 hund.anmeldung.0101', { format: 'json' });
    const h11 = header({ version: '1.1', namespace: 'urn:zsa-gateway:xzsa:1.1' });
    const chained = await new MappingStep(cfg, registry(dialect, back)).deliver('xzsa-to-dialect', Buffer.from('<x/>'), h11);
    expect(chained.kind === 'mapped' && chained.form.mapping).to.equal('xzsa-1.1-to-1.0 + xzsa-to-dialect');
    const gap = await new MappingStep(cfg, registry(dialect)).deliver('xzsa-to-dialect', Buffer.from('<x/>'), h11);
    expect(gap.kind === 'failed' && gap.reason).to.include('reads XZSA 1.0').and.include('XZSA 1.1');
    const same = await new MappingStep(cfg, registry(dialect)).deliver('xzsa-to-dialect', Buffer.from('<x/>'), header());
    expect(same.kind === 'mapped' && same.form.mapping).to.equal('xzsa-to-dialect');
  });

  it('config check lists every mapping the routes and ingress name that is not loaded, and an ingress mapping that does not read its media type', () => {
    cfg.routes[0]!.targets = cfg.routes[0]!.targets.map((t) => ({ ...t, mapping: 'missing-a' }));
    cfg.mappings.ingress = [{ mapping: 'missing-b', mediaType: 'application/json', formId: 'F' }, { mapping: 'xzsa-1.0-to-1.1', mediaType: 'application/xml', root: 'X', authors: ['fv-15002000-hund'] }, { mapping: 'xzsa-1.0-to-1.1', mediaType: 'text/csv', authors: ['fv-15002000-hund'] }];
    const issues = missingMappings(cfg, registry(v11));
    expect(issues.map((i) => i.path)).to.deep.equal([...cfg.routes[0]!.targets.map((_t, j) => `routes[0].targets[${j}].mapping`), 'mappings.ingress[0].mapping', 'mappings.ingress[2].mapping']);
    expect(issues.map((i) => i.rule)).to.deep.equal([...cfg.routes[0]!.targets.map(() => 'config.mapping-unknown'), 'config.mapping-unknown', 'config.mapping-format']);
  });
});

describe('JSON form ingress: which answers before any mapping runs', () => {
  const form = (json: unknown) => Buffer.from(JSON.stringify(json));
  async function refusal(p: Promise<unknown>): Promise<GatewayError> {
    try {
      await p;
    } catch (err) {
      if (err instanceof GatewayError) return err;
      throw err;
    }
    throw new Error('expected a refusal');
  }

  it('refuses JSON with 415 when no ingress mapping is configured', async () => {
    const err = await refusal(new FormIngress({ dirs: [], formIdField: '/form/id', ingress: [] }, registry()).toXml(form({ form: { id: 'F' } }), 'application/json', null));
    expect(err.code).to.equal('GW_UNSUPPORTED_MEDIA_TYPE');
  });

  it('refuses a body that is not JSON with 400, and a form id no entry takes (form id or services) with 422 naming the field', async () => {
    const ingress = new FormIngress({ dirs: [], formIdField: '/form/id', ingress: [{ mapping: 'efa', mediaType: 'application/json', formId: 'F', services: ['hund'] }] }, registry(fake('efa', 'JSON', {})));
    expect((await refusal(ingress.toXml(Buffer.from('<xml/>'), 'application/json', null))).code).to.equal('GW_BAD_REQUEST');
    const wrongService = await refusal(ingress.toXml(form({ form: { id: 'F' } }), 'application/json', { id: 'efa-wohngeld-lsa', services: ['wohngeld'] }));
    expect(wrongService.code).to.equal('GW_MAPPING_FAILED');
    expect(wrongService.issues[0]!.path).to.equal('/form/id');
    expect((await ingress.toXml(form({ form: { id: 'F' } }), 'application/json', { id: 'efa-hund-lsa', services: ['hund'] })).original.mapping).to.equal('efa');
  });
});
