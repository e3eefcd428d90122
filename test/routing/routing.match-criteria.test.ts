import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewayError } from '../../gateway/errors.js';
import { Router } from '../../gateway/routing/router.js';
import { createStore } from '../../gateway/store/index.js';
import type { MessageHeader, MessageStore } from '../../gateway/store/types.js';
import { testConfig } from '../support/gateway.js';

function header(over: Partial<MessageHeader> = {}): MessageHeader {
  return {
    messageUuid: '00000000-0000-4000-8000-000000000001',
    messageType: 'hund.anmeldung.0101',
    namespace: 'urn:zsa-gateway:xzsa:1.0',
    standard: 'XZSA',
    version: '1.0',
    createdAt: '2026-11-22T00:00:00Z',
    author: 'efa:hund-lsa',
    reader: 'zsa:lsa',
    vorgangId: '00000000-0000-4000-8000-0000000000aa',
    leika: '99102013104000',
    ags: '15003000',
    test: false,
    ...over,
  };
}

describe('routing: match criteria and explanations', () => {
  let dir: string;
  let store: MessageStore;
  let router: Router;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'zsa-routing-'));
    store = await createStore({ kind: 'sqlite', path: join(dir, 'db.sqlite') });
    await store.migrate();
    const cfg = testConfig({ dataDir: dir });
    cfg.routes.unshift(
      { name: 'beteiligung-test', match: { messageType: 'kommunal.*', standard: 'XBeteiligung', version: '1.2', reader: ['ags:15003000'] }, startsVorgang: true, targets: [{ to: 'endpoint:fv-15003000-hund' }] },
      { name: 'test-traffic', match: { messageType: 'hund.abmeldung.0104' }, startsVorgang: true, targets: [{ when: { test: true }, to: 'endpoint:efa-hund-lsa' }, { to: 'zsa' }] },
    );
    router = new Router(cfg, store);
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('matches a foreign standard by standard, version, reader and a message type prefix', async () => {
    const h = header({ messageType: 'kommunal.Initiieren.0401', standard: 'XBeteiligung', version: '1.2', reader: 'ags:15003000' });
    const d = await router.decide(h);
    expect(d).to.include({ routeName: 'beteiligung-test', endpointId: 'fv-15003000-hund' });
  });

  it('does not match when one criterion differs (version, reader)', async () => {
    for (const over of [{ version: '1.1' }, { reader: 'ags:15002000' }]) {
      const h = header({ messageType: 'kommunal.Initiieren.0401', standard: 'XBeteiligung', version: '1.2', reader: 'ags:15003000', ...over });
      try {
        await router.decide(h);
        throw new Error(`routed with ${JSON.stringify(over)}`);
      } catch (err) {
        expect((err as GatewayError).code).to.equal('GW_ROUTE_NO_MATCH');
      }
    }
  });

  it('sends test traffic elsewhere when a rule says so', async () => {
    expect((await router.decide(header({ messageType: 'hund.abmeldung.0104', test: true }))).endpointId).to.equal('efa-hund-lsa');
    expect((await router.decide(header({ messageType: 'hund.abmeldung.0104', test: false }))).endpointId).to.equal('zsa-hund');
  });

  it('explains each step of a decision in words', async () => {
    const d = await router.decide(header());
    expect(d.steps.join('\n')).to.contain('delegation of "hund": e2e').and.contain('when delegation is e2e or backoffice → zsa').and.contain('endpoint "zsa-hund"');
  });

  it('routes Wohngeld by the Prozessschritt delegation: Magdeburg delegated only the completeness check', async () => {
    const h = header({ messageType: 'wohngeld.antrag.0201', leika: '99107023037000' });
    expect((await router.decide(h)).endpointId).to.equal('zsa-wohngeld');
    expect((await router.decide({ ...h, ags: '15002000' })).endpointId).to.equal('fv-15002000-wohngeld');
  });

  it('explains refusals of messages with empty header keys without empty fragments', async () => {
    const cases: Array<Partial<MessageHeader>> = [
      { messageType: 'kommunal.unbekannt.0999', standard: '', version: '', reader: '', ags: '' },
      { messageType: 'hund.steuerfestsetzung.0102', vorgangId: '', author: 'zsa:lsa' },
      { messageType: 'gateway.quittung.0901', reader: '', vorgangId: '' },
    ];
    for (const over of cases) {
      const err = await router.decide(header(over)).then(() => null, (e: unknown) => e);
      expect(err, JSON.stringify(over)).to.be.instanceOf(GatewayError);
      const text = [(err as GatewayError).message, ...(((err as GatewayError).extra['explanation'] as string[] | undefined) ?? [])].join('\n');
      expect(text, text).to.not.match(/ {2}| \)|\( |''|Vorgang {1,2}is|reader \)/);
      expect(text).to.contain('(none)');
    }
  });
});
