import { expect } from 'chai';
import { rabbitmqctl } from '../../connectors/amqp/amqp.fixture.js';
import { deleteTopology, drainQueue, testTopology } from '../support/amqp.js';
import { faultLine, tallyFault } from '../support/fault.js';
import { startTestGateway, testConfig, waitFor } from '../support/gateway.js';
import { hundAnmeldung, uuidOf } from '../support/xzsa-fixtures.js';

/**
 * A real broker restart (RabbitMQ application stopped and started again) in the middle of
 * a burst: the gateway keeps accepting into its store, reconnects, and every message it
 * answered 202 is in the durable queue afterwards. Prints `fault rabbitmq-restart: accepted N
 * delivered N duplicates N lost N`, counted by message UUID (the `messageUuid` header at the
 * queue against the UUIDs answered 202). It stops the shared broker: never run it while others
 * use it.
 */
describe('RabbitMQ restart mid-burst', function () {
  this.timeout(240_000);
  const topo = testTopology('restart');
  let gw: Awaited<ReturnType<typeof startTestGateway>>;

  before(async () => {
    const cfg = testConfig({ endpoints: { 'zsa-hund': { connector: 'amqp091', config: { ...topo.endpointConfig } } } });
    gw = await startTestGateway(cfg);
  });
  after(async () => {
    await rabbitmqctl('start_app').catch(() => undefined); // never leave the shared broker stopped
    await rabbitmqctl('await_startup').catch(() => undefined);
    await gw?.stop();
    await deleteTopology(topo);
  });

  it('delivers every accepted message once the broker is back', async () => {
    const accepted = new Set<string>(); // message UUIDs answered 202
    let next = 0;
    let restart: Promise<void> | null = null;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < 300) {
          next += 1;
          const xml = hundAnmeldung({ ags: '15003000' });
          const res = await fetch(`${gw.url}/api/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: xml });
          const body = (await res.json()) as { gatewayId: string };
          expect(res.status, JSON.stringify(body)).to.equal(202); // ingress does not depend on the broker
          accepted.add(uuidOf(xml));
          if (!restart && accepted.size >= 60) {
            restart = (async () => {
              await rabbitmqctl('stop_app');
              await rabbitmqctl('start_app');
              await rabbitmqctl('await_startup');
            })();
          }
        }
      }),
    );
    await restart;
    const arrivals: string[] = []; // messageUuid header of every message taken off the queue, repeats kept
    await waitFor(
      'every accepted message in the queue after the restart',
      async () => {
        for (const m of await drainQueue(topo.queue).catch(() => [])) arrivals.push(String(m.headers['messageUuid']));
        return tallyFault(accepted, arrivals).lost === 0 ? true : undefined;
      },
      180_000,
      500,
    );
    const tally = tallyFault(accepted, arrivals);
    console.log(faultLine('rabbitmq-restart', tally));
    expect(tally.missing).to.deep.equal([]);
  });
});
