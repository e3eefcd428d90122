import amqp from 'amqplib';
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { validateConfig } from '../../gateway/config/load.js';
import { AMQP_URL } from '../support/amqp.js';
import { startTestGateway, testConfig, waitFor } from '../support/gateway.js';
import { hundAnmeldung, hundFreigabe, hundSteuerfestsetzung, uuidOf, vorgangOf } from '../support/xzsa-fixtures.js';
import { CONNECTORS } from '../../connectors/index.js';

const MD = '15003000';

/**
 * The AMQP reply queue has no login: whoever may publish to it (a ZSA worker) named any
 * configured participant as `autor` and the remit check, which binds an author to its AGS
 * and cases but cannot know who really sent it, let it through. So a ZSA worker could
 * release its own draft as Magdeburg (hund.freigabe), defeating the Verwaltungshelfer rule.
 * Each queue now names the participants it carries (`ingress.amqp[].authors`).
 */
describe('AMQP reply queue: carries only the messages of its configured authors', function () {
  this.timeout(60_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  const queue = `zsa-test.authors.${randomUUID().slice(0, 8)}`;

  const publish = async (...xmls: string[]) => {
    const conn = await amqp.connect(AMQP_URL);
    const ch = await conn.createConfirmChannel();
    for (const x of xmls) ch.sendToQueue(queue, Buffer.from(x), { persistent: true, messageId: randomUUID() });
    await ch.waitForConfirms();
    await conn.close();
  };

  before(async () => {
    const conn = await amqp.connect(AMQP_URL);
    await (await conn.createChannel()).assertQueue(queue, { durable: true });
    await conn.close();
    const cfg = testConfig();
    cfg.ingress.amqp = [{ id: 'zsa-workers', url: AMQP_URL, queue, prefetch: 4, authors: ['zsa-lsa'] }];
    gw = await startTestGateway(cfg);
  });
  after(async () => {
    await gw?.stop();
    const conn = await amqp.connect(AMQP_URL);
    await (await conn.createChannel()).deleteQueue(queue);
    await conn.close();
  });

  it('refuses a release forged in the municipality\'s name on the ZSA workers\' queue (ingress.channel), and takes the ZSA\'s own draft', async () => {
    const anmeldung = hundAnmeldung({ ags: MD });
    expect((await request(gw.url).post('/api/v1/messages').set('content-type', 'application/xml').send(anmeldung)).status).to.equal(202);
    const vorgangId = vorgangOf(anmeldung);
    const draft = hundSteuerfestsetzung({ ags: MD, vorgangId, anmeldungUuid: uuidOf(anmeldung), author: 'zsa:lsa', reader: `ags:${MD}` });
    await publish(draft);
    await waitFor('the ZSA draft stored', async () => (await gw.services.store.getMessageByUuid('zsa:lsa', uuidOf(draft))) ?? undefined);

    const forged = hundFreigabe({ ags: MD, vorgangId, entwurfUuid: uuidOf(draft), author: `ags:${MD}`, reader: 'efa:hund-lsa' });
    await publish(forged);
    const r = await waitFor('the forged release refused', async () => (await gw.services.store.listRejections(100)).find((x) => x.messageUuid === uuidOf(forged)));
    expect(r.code).to.equal('GW_FORBIDDEN');
    expect(r.detail).to.contain('ingress.channel');
    expect(await gw.services.store.getMessageByUuid(`ags:${MD}`, uuidOf(forged))).to.equal(null);
  });

  it('refuses a configuration whose queue names no authors, an unknown one or one that never writes', () => {
    const base = testConfig();
    for (const authors of [[], ['nobody'], ['betrieb']]) {
      const raw = { ...base, ingress: { amqp: [{ id: 'q', url: AMQP_URL, queue: 'q', authors }] } };
      expect(() => validateConfig(raw, CONNECTORS), JSON.stringify(authors)).to.throw();
    }
  });
});
