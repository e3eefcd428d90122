import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import type { GatewayConfig } from '../../gateway/config/schema.js';
import { PACKAGE_ROOT } from '../../gateway/paths.js';
import { startTestGateway, testConfig, waitFor } from '../support/gateway.js';

const FIXTURES = join(PACKAGE_ROOT, 'test/fixtures/xoev');
const SAMPLES = join(FIXTURES, 'xbeteiligung/1.2/samples/valid');
const REAL = readdirSync(SAMPLES).filter((f) => f.endsWith('.xml') && !f.includes('relaxed')); // the six real messages

/** A gateway that also knows XBeteiligung 1.2 and routes it by standard, version and reader. */
function foreignConfig(strict402: boolean): GatewayConfig {
  const cfg = testConfig();
  cfg.schemas.roots = ['./schemas-xoev', FIXTURES];
  cfg.endpoints.push({ id: 'beteiligung-xyz', connector: 'mailbox', config: { mailbox: 'beteiligung-xyz' } });
  cfg.participants.push({ id: 'planungsamt-xyz', kind: 'municipality', kennung: 'xyz:0002', name: 'Planungsamt (Test)', endpoint: 'beteiligung-xyz' });
  // Every author must be a configured participant (docs/security.md): the samples' sender.
  cfg.participants.push({ id: 'cockpit-xyz', kind: 'municipality', kennung: 'xyz:0001', name: 'Beteiligungs-Cockpit (Test)' });
  cfg.routes.unshift({
    name: 'xbeteiligung',
    match: { messageType: 'kommunal.*', standard: 'XBeteiligung', version: '1.2', reader: ['xyz:0002'] },
    startsVorgang: true,
    targets: [{ to: 'reader' }],
    ...(strict402 ? { strictness: { identity: 'reject' as const } } : {}),
  });
  return cfg;
}

describe('standards: a foreign XÖV standard is accepted, stored and delivered like our own', function () {
  this.timeout(60_000);

  describe('default strictness of the standard (type-code mismatch only warns)', () => {
    let gw: Awaited<ReturnType<typeof startTestGateway>>;
    before(async () => {
      gw = await startTestGateway(foreignConfig(false));
    });
    after(() => gw?.stop());

    it(`accepts each of the ${REAL.length} real XBeteiligung messages and delivers it to the reader's mailbox`, async () => {
      expect(REAL).to.have.length(6);
      // The real samples are variants of each other and reuse message UUIDs, which our
      // idempotency rightly refuses (409): each one goes to a gateway of its own.
      for (const f of REAL) {
        const own = await startTestGateway(foreignConfig(false));
        try {
          const res = await request(own.url).post('/api/v1/messages').set('content-type', 'application/xml').send(readFileSync(join(SAMPLES, f)));
          expect(res.status, `${f}: ${JSON.stringify(res.body)}`).to.equal(202);
          const id = res.body.gatewayId as string;
          await waitFor(`${f} in mailbox`, async () => ((await own.services.store.getMessage(id))?.state === 'in_mailbox' ? true : undefined));
          const listed = await request(own.url).get('/api/v1/mailboxes/beteiligung-xyz/messages');
          expect(listed.body.items.map((i: { messageId: string }) => i.messageId), f).to.deep.equal([id]);
        } finally {
          await own.stop();
        }
      }
    });

    it('keeps the warning of the real defect (0402 messages carrying code 0401) visible with the message', async () => {
      const res = await request(gw.url).post('/api/v1/messages').set('content-type', 'application/xml').send(readFileSync(join(SAMPLES, 'example402FromCockpit.xml')));
      const m = await request(gw.url).get(`/api/v1/messages/${res.body.gatewayId}`);
      expect(m.body.standard).to.equal('XBeteiligung');
      expect(m.body.warnings.join(' ')).to.contain('0402');
      expect(m.body.history.find((t: { to: string }) => t.to === 'validated').reason).to.contain('warning');
    });
  });

  describe('a route that sets identity: reject', () => {
    let gw: Awaited<ReturnType<typeof startTestGateway>>;
    before(async () => {
      gw = await startTestGateway(foreignConfig(true));
    });
    after(() => gw?.stop());

    it('refuses the 0402 messages with the mismatching code at layer 3, and still accepts the 0401 ones', async () => {
      const bad = await request(gw.url).post('/api/v1/messages').set('content-type', 'application/xml').send(readFileSync(join(SAMPLES, 'example402FromCockpit.xml')));
      expect(bad.status).to.equal(422);
      expect(bad.body.code).to.equal('GW_MESSAGE_TYPE_MISMATCH');
      expect(bad.body.errors[0].layer).to.equal('identity');
      const good = await request(gw.url).post('/api/v1/messages').set('content-type', 'application/xml').send(readFileSync(join(SAMPLES, 'xbeteiligung-test-kommunal.Initiieren.0401.xml')));
      expect(good.status, JSON.stringify(good.body)).to.equal(202);
    });
  });
});
