import Database from 'better-sqlite3';
import { expect } from 'chai';
import { join } from 'node:path';
import request from 'supertest';
import { startTestGateway, testConfig } from '../support/gateway.js';
import { hundAnmeldung } from '../support/xzsa-fixtures.js';

const AUTHOR = 'efa:hund-lsa';

/**
 * Admission control when the store falls behind (ADR 0036): a second connection holds the
 * SQLite write lock, so the gateway's next commit waits out the busy timeout and fails. That
 * request gets 503 GW_OVERLOADED with Retry-After (not a 500), later ones are refused before
 * anything is read or stored, /ready says not ready and the operator's stats say why. Once the
 * lock is gone the gateway takes messages again by itself; every message answered 202 is
 * stored, and none answered 503 is.
 */
describe('admission: a blocked store gives 503 with Retry-After, nothing accepted is lost, then recovery', function () {
  this.timeout(90_000);

  it('refuses while the write lock is held elsewhere and recovers after it is released', async () => {
    const cfg = testConfig();
    cfg.ingress.admission = { ...cfg.ingress.admission, maxCommitMs: 1000, commitHoldMs: 5000, retryAfterSeconds: 3 };
    const gw = await startTestGateway(cfg);
    const other = new Database(join(cfg.store.dataDir, 'gateway.db'));
    try {
      const post = (xml: string) => request(gw.url).post('/api/v1/messages').set('content-type', 'application/xml').send(xml);
      const before: string[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await post(hundAnmeldung());
        expect(r.status, r.text).to.equal(202);
        before.push(r.body.gatewayId);
      }
      expect((await request(gw.url).get('/ready')).status).to.equal(200);

      other.exec('BEGIN IMMEDIATE');
      const uuid = crypto.randomUUID();
      const xml = hundAnmeldung({ messageUuid: uuid });
      const busy = await post(xml);
      expect(busy.status, busy.text).to.equal(503);
      expect(busy.headers['content-type']).to.match(/^application\/problem\+json/);
      // this request's own commit waited out the lock (store-busy), or the delivery worker's did first (slow-commit)
      expect(busy.body.code).to.equal('GW_OVERLOADED');
      expect(busy.body.reason).to.be.oneOf(['store-busy', 'slow-commit']);
      expect(Number(busy.headers['retry-after'])).to.be.greaterThan(0);

      // the slow (failed) commit holds refusals: not ready, and the next message is refused before it is read
      const ready = await request(gw.url).get('/ready');
      expect(ready.status).to.equal(503);
      expect(ready.body).to.include({ code: 'GW_NOT_READY', detail: 'not ready' });
      expect(JSON.stringify(ready.body)).to.not.match(/commit|outbox|pending/);
      const stats = await request(gw.url).get('/api/v1/admin/stats');
      expect(stats.status, stats.text).to.equal(200);
      expect(stats.body.admission).to.include({ overloaded: true });
      expect(stats.body.admission.reasons).to.deep.equal(['slow-commit']);
      expect(stats.body.admission.store.lastCommitMs).to.be.greaterThan(cfg.ingress.admission.maxCommitMs);
      const refused = await post(hundAnmeldung());
      expect(refused.status, refused.text).to.equal(503);
      expect(refused.body).to.include({ code: 'GW_OVERLOADED', reason: 'slow-commit' });
      expect(Number(refused.headers['retry-after'])).to.equal(3);
      const metrics = await request(gw.url).get('/metrics');
      expect(metrics.text).to.match(/^zsa_gateway_admission_overloaded\{reason="slow-commit"\} 1$/m);
      expect(metrics.text).to.match(/^zsa_gateway_admission_refused_total\{reason="slow-commit"\} [1-9]\d*$/m);

      // nothing of the refused message was stored
      expect(await gw.services.store.getMessageByUuid(AUTHOR, uuid)).to.equal(null);
      other.exec('ROLLBACK');

      // recovery without intervention: once the hold is over, the same message is taken as new
      let again = await post(xml);
      for (let i = 0; i < 100 && again.status === 503; i++) {
        await new Promise((r) => setTimeout(r, 100));
        again = await post(xml);
      }
      expect(again.status, again.text).to.equal(202);
      expect(again.body.duplicate ?? false).to.equal(false);
      expect((await request(gw.url).get('/ready')).status).to.equal(200);
      for (const id of [...before, again.body.gatewayId]) expect(await gw.services.store.getMessage(id), id).to.not.equal(null);
    } finally {
      other.close();
      await gw.stop();
    }
  });
});
