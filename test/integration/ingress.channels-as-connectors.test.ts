import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { AMQP_URL, declareTestQueue, deleteTestQueue, publishToQueue, queueDepth } from '../support/amqp.js';
import { startTestGateway, testConfig, waitFor } from '../support/gateway.js';
import { hundAnmeldung, hundSteuerfestsetzung, uuidOf, vorgangOf } from '../support/xzsa-fixtures.js';

const MD = '15003000';

/**
 * An inbound channel configured in the generic form (`ingress.connectors[]`) runs like the AMQP
 * short form: the gateway starts the connector's ingress side, feeds its items through the one
 * sink, and shows its health beside the endpoints — also for a channel whose broker cannot be
 * reached, which must not hold the gateway's start.
 */
describe('ingress: inbound channels are connectors (ingress.connectors)', function () {
  this.timeout(60_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  const queue = `zsa-test.channels.${randomUUID().slice(0, 8)}`;

  const publish = (body: string, contentType?: string) => publishToQueue(queue, [body], contentType);

  before(async () => {
    await declareTestQueue(queue);
    const cfg = testConfig();
    cfg.auth.mode = 'off'; // the local admin reads /metrics and the UI
    cfg.ingress.connectors = [
      { id: 'zsa-workers', connector: 'amqp091', authors: ['zsa-lsa'], config: { url: AMQP_URL, queue, prefetch: 2 } },
      // nothing listens on port 1: the gateway starts anyway and reports the channel down
      { id: 'unreachable', connector: 'amqp091', authors: ['zsa-lsa'], config: { url: 'amqp://guest:guest@127.0.0.1:1', queue: 'nowhere' } },
    ];
    gw = await startTestGateway(cfg);
  });
  after(async () => {
    await gw?.stop();
    await deleteTestQueue(queue);
  });

  it('stores the ZSA\'s reply from the generic channel', async () => {
    const anmeldung = hundAnmeldung({ ags: MD });
    expect((await request(gw.url).post('/api/v1/messages').set('content-type', 'application/xml').send(anmeldung)).status).to.equal(202);
    const draft = hundSteuerfestsetzung({ ags: MD, vorgangId: vorgangOf(anmeldung), anmeldungUuid: uuidOf(anmeldung), author: 'zsa:lsa', reader: `ags:${MD}` });
    await publish(draft, 'application/xml');
    const stored = await waitFor('the draft stored', async () => (await gw.services.store.getMessageByUuid('zsa:lsa', uuidOf(draft))) ?? undefined);
    expect(stored.vorgangId).to.equal(vorgangOf(anmeldung));
  });

  it('refuses an item of a content type no way in takes, records it under the channel, and takes it off the queue', async () => {
    const marker = randomUUID();
    await publish(`\x89PNG ${marker}`, 'image/png');
    const r = await waitFor('the refusal recorded', async () => (await gw.services.store.listRejections(100)).find((x) => x.remote === 'amqp:zsa-workers' && x.code === 'GW_UNSUPPORTED_MEDIA_TYPE'));
    expect(JSON.stringify(r)).to.not.contain(marker);
    await waitFor('the queue empty', async () => ((await queueDepth(queue)) === 0 ? true : undefined));
  });

  it('shows each channel\'s health in /metrics and on the overview: up for the reachable one, 0 for the other', async () => {
    await waitFor('the channel up', async () => (gw.services.channels?.get('zsa-workers')?.status().health.status === 'up' ? true : undefined));
    const metrics = (await request(gw.url).get('/metrics').expect(200)).text;
    expect(metrics).to.contain('zsa_gateway_ingress_channel_up{channel="zsa-workers",connector="amqp091"} 1');
    expect(metrics).to.contain('zsa_gateway_ingress_channel_up{channel="unreachable",connector="amqp091"} 0');
    const live = (await request(gw.url).get('/ui/overview/live').expect(200)).text;
    expect(live).to.contain('<caption>Zustand der Eingangskanäle</caption>');
    expect(live).to.contain('<td>zsa-workers</td>');
    expect(live).to.contain('<td>unreachable</td>');
    expect(live).to.not.contain('guest:guest'); // the broker password never reaches the page
  });
});
