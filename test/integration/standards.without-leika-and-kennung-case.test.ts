import { expect } from 'chai';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { CONNECTORS } from '../../connectors/index.js';
import { validateConfig } from '../../gateway/config/load.js';
import { GatewayError } from '../../gateway/errors.js';
import { PACKAGE_ROOT } from '../../gateway/paths.js';
import { normalizeKennung } from '../../gateway/validation/kennung.js';
import { startTestGateway, waitFor } from '../support/gateway.js';

/**
 * A standard without LeiKa keys needs no service in the configuration, and participant
 * identifiers match the same way in configuration and messages: trimmed, praefix
 * case-insensitive (gateway/validation/kennung.ts). The real XBeteiligung 1.2 messages
 * name their reader `xyz:0002`; the configuration here spells it `XYZ:0002`.
 */
const FIXTURES = join(PACKAGE_ROOT, 'test/fixtures/xoev');
const REAL_0401 = readFileSync(join(FIXTURES, 'xbeteiligung/1.2/samples/valid/xbeteiligung-test-kommunal.Initiieren.0401.xml'));

function rawConfig(): Record<string, unknown> {
  return {
    store: { dataDir: mkdtempSync(join(tmpdir(), 'zsa-no-leika-')) },
    server: { port: 0, host: '127.0.0.1' },
    schemas: { roots: ['./schemas-xoev', FIXTURES] },
    endpoints: [{ id: 'beteiligung-xyz', connector: 'mailbox', config: { mailbox: 'beteiligung-xyz' } }],
    participants: [
      { id: 'planungsamt-xyz', kind: 'municipality', kennung: ' XYZ:0002', name: 'Planungsamt (Test)', endpoint: 'beteiligung-xyz' },
      // every author must be a configured participant (docs/security.md): the samples' sender, spelt in capitals too
      { id: 'cockpit-xyz', kind: 'municipality', kennung: 'Xyz:0001', name: 'Beteiligungs-Cockpit (Test)' },
    ],
    routes: [{ name: 'xbeteiligung', match: { messageType: 'kommunal.*', standard: 'XBeteiligung', reader: ['XYZ:0002'] }, startsVorgang: true, targets: [{ to: 'reader' }] }],
  };
}

describe('standards: no placeholder service for a standard without LeiKa; one kennung rule', function () {
  this.timeout(60_000);

  it('normalizeKennung trims and lower-cases the praefix only', () => {
    expect(normalizeKennung('  PSW:AbC-01 ')).to.equal('psw:AbC-01');
    expect(normalizeKennung('ags:15003000')).to.equal('ags:15003000');
    expect(normalizeKennung(' ohne-praefix ')).to.equal('ohne-praefix');
  });

  it('a configuration without services is valid; kennungen in it are normalised', () => {
    const cfg = validateConfig(rawConfig(), CONNECTORS);
    expect(cfg.services).to.deep.equal([]);
    expect(cfg.participants[0]?.kennung).to.equal('xyz:0002');
    expect(cfg.routes[0]?.match.reader).to.deep.equal(['xyz:0002']);
  });

  it('a route naming a service that is not configured is a configuration problem', () => {
    const raw = rawConfig();
    (raw['routes'] as Array<Record<string, unknown>>)[0]!['service'] = 'beteiligung';
    let thrown: unknown;
    try {
      validateConfig(raw, CONNECTORS);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).to.be.instanceOf(GatewayError);
    expect((thrown as GatewayError).issues.map((i) => `${i.path}: ${i.message}`)).to.deep.equal(['routes.0.service: unknown service "beteiligung"']);
  });

  it('delivers a real XBeteiligung message to the reader configured in another case, with no service configured', async () => {
    const gw = await startTestGateway(validateConfig(rawConfig(), CONNECTORS));
    try {
      const res = await request(gw.url).post('/api/v1/messages').set('content-type', 'application/xml').send(REAL_0401);
      expect(res.status, JSON.stringify(res.body)).to.equal(202);
      const id = res.body.gatewayId as string;
      const stored = await waitFor('in mailbox', async () => {
        const m = await gw.services.store.getMessage(id);
        return m?.state === 'in_mailbox' ? m : undefined;
      });
      expect(stored.reader).to.equal('xyz:0002');
      expect(stored.endpointId).to.equal('beteiligung-xyz');
    } finally {
      await gw.stop();
    }
  });

  it('a message spelling the praefix in capitals reaches the same participant', async () => {
    const gw = await startTestGateway(validateConfig(rawConfig(), CONNECTORS));
    try {
      const xml = REAL_0401.toString('utf8').replace('<ns3:kennung>xyz:0002</ns3:kennung>', '<ns3:kennung> XYZ:0002 </ns3:kennung>');
      expect(xml).to.contain('> XYZ:0002 <');
      const res = await request(gw.url).post('/api/v1/messages').set('content-type', 'application/xml').send(xml);
      expect(res.status, JSON.stringify(res.body)).to.equal(202);
      const stored = await waitFor('in mailbox', async () => {
        const m = await gw.services.store.getMessage(res.body.gatewayId as string);
        return m?.state === 'in_mailbox' ? m : undefined;
      });
      expect(stored.reader).to.equal('xyz:0002');
    } finally {
      await gw.stop();
    }
  });
});
