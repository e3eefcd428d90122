import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { GatewayError } from '../../gateway/errors.js';
import { UploadBudget } from '../../gateway/store/upload-budget.js';
import { requiredAuthConfig, tokenFor } from '../auth/oauth-fixture.js';
import { startTestGateway } from '../support/gateway.js';

/**
 * Attachments are stored before a message refers to them, so each participant has a byte
 * budget per hour (server.uploadBudgetBytesPerHour, ADR 0016): an authenticated participant
 * cannot fill the gateway's disk, and one participant's spending does not touch another's.
 */
describe('attachments: upload budget per participant', function () {
  this.timeout(60_000);

  it('UploadBudget: refuses once the window holds the budget, names when to come back, forgets after the window', () => {
    let now = 1_000_000;
    const budget = new UploadBudget(10_000, 3_600_000, () => now);
    budget.check('ags:15003000');
    budget.add('ags:15003000', 6_000);
    now += 60_000;
    budget.check('ags:15003000');
    budget.add('ags:15003000', 6_000);
    let refused: unknown;
    try {
      budget.check('ags:15003000');
    } catch (err) {
      refused = err;
    }
    expect(refused).to.be.instanceOf(GatewayError);
    expect((refused as GatewayError).code).to.equal('GW_UPLOAD_BUDGET_EXCEEDED');
    expect((refused as GatewayError).extra['retryAfterSeconds']).to.equal(3_540);
    expect(() => budget.check('ags:15002000'), 'another uploader').to.not.throw();
    now += 3_540_001; // the first upload left the window
    expect(() => budget.check('ags:15003000')).to.not.throw();
    expect(budget.usage('ags:15003000')).to.equal(6_000);
  });

  it('over HTTP: 201 until the budget is spent, then 429 with Retry-After and nothing stored; another participant still uploads', async () => {
    const cfg = requiredAuthConfig();
    cfg.server.uploadBudgetBytesPerHour = 20 * 1024;
    const gw = await startTestGateway(cfg);
    try {
      const upload = async (client: 'magdeburg' | 'halle', bytes: Buffer) =>
        request(gw.url).post('/api/v1/attachments').set('authorization', `Bearer ${await tokenFor(gw.url, client)}`).set('content-type', 'application/pdf').send(bytes);
      expect((await upload('magdeburg', randomBytes(12 * 1024))).status).to.equal(201);
      expect((await upload('magdeburg', randomBytes(12 * 1024))).status).to.equal(201);
      const third = randomBytes(4 * 1024);
      const refused = await upload('magdeburg', third);
      expect(refused.status, refused.text).to.equal(429);
      expect(refused.body.code).to.equal('GW_UPLOAD_BUDGET_EXCEEDED');
      expect(Number(refused.headers['retry-after'])).to.be.within(1, 3600);
      const { createHash } = await import('node:crypto');
      expect(await gw.services.attachments.has(createHash('sha512').update(third).digest('hex'))).to.equal(false);
      expect((await upload('halle', randomBytes(12 * 1024))).status).to.equal(201);
    } finally {
      await gw.stop();
    }
  });
});
