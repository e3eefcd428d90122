import { expect } from 'chai';
import { AMQP_URL, deleteTopology, drainQueue, testTopology } from '../support/amqp.js';
import { faultLine, tallyFault } from '../support/fault.js';
import { startTestGateway, testConfig, waitFor } from '../support/gateway.js';
import { HttpPeer } from '../support/http-peer.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { hundAnmeldung, uuidOf } from '../support/xzsa-fixtures.js';

const TOTAL = 400;
const CONCURRENCY = 8;
const DOWN_AFTER = 100; // accepted messages before the destination goes away
/** How long the destination stays away: FAULT_DOWN_MS (e.g. 180000 for the "minutes"); 8 s keeps CI bounded. */
const DOWN_MS = Number(process.env['FAULT_DOWN_MS'] ?? 8_000);

/** One destination the outage is played against. */
interface Destination {
  endpoint: { connector: string; config: Record<string, unknown> };
  /** Makes the destination unreachable for the gateway (open connections cut, new ones refused). */
  goAway(): Promise<void>;
  /** Brings it back where it was. */
  comeBack(): Promise<void>;
  /** Message UUIDs that arrived so far, one entry per arrival (repeats are duplicates). */
  arrivals(): Promise<string[]>;
}

/**
 * Clients keep sending while the destination goes away after DOWN_AFTER messages and comes
 * back after DOWN_MS. Ingress does not depend on the destination, so every message keeps its
 * 202; the outbox retries with backoff (circuit open meanwhile) and, once the destination is
 * back, delivers every accepted message — at least once, duplicates counted. Prints the fault line.
 */
async function outageUnderLoad(name: string, dest: Destination): Promise<void> {
  const cfg = testConfig({
    endpoints: { 'zsa-hund': dest.endpoint },
    // retry for as long as the outage lasts: nothing may go dead because the destination was away
    delivery: { maxAttempts: 100_000, backoff: { initialMs: 50, multiplier: 2, maxMs: 1_000, jitter: 0.2 }, circuitBreaker: { failureThreshold: 5, cooldownMs: 500 } },
  });
  const gw = await startTestGateway(cfg);
  try {
    const accepted = new Set<string>();
    let refused = 0;
    let next = 0;
    let outage: Promise<void> | undefined;
    let heldBack = 0; // accepted but not arrived when the destination came back
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < TOTAL) {
          next += 1;
          const xml = hundAnmeldung({ ags: '15003000' });
          const res = await fetch(`${gw.url}/api/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: xml });
          await res.arrayBuffer();
          if (res.status === 202) accepted.add(uuidOf(xml));
          else refused += 1;
          if (!outage && accepted.size >= DOWN_AFTER) {
            outage = (async () => {
              await dest.goAway();
              const before = (await dest.arrivals()).length;
              await new Promise((r) => setTimeout(r, DOWN_MS));
              const during = (await dest.arrivals()).length;
              expect(during, 'nothing reaches a destination that is away').to.equal(before);
              heldBack = accepted.size - new Set(await dest.arrivals()).size;
              await dest.comeBack();
            })();
          }
        }
      }),
    );
    await outage;
    expect(refused, 'ingress answers 202 while the destination is away').to.equal(0);
    expect(heldBack, 'the outage held accepted messages back (else this test proves nothing)').to.be.greaterThan(0);

    await waitFor('every accepted message at the destination', async () => (tallyFault(accepted, await dest.arrivals()).lost === 0 ? true : undefined), 180_000, 250);
    const tally = tallyFault(accepted, await dest.arrivals());
    console.log(faultLine(name, tally));
    expect(tally.accepted).to.equal(TOTAL);
    expect(tally.lost, `missing: ${tally.missing.slice(0, 5).join(', ')}`).to.equal(0);
  } finally {
    await gw.stop();
  }
}

describe('fault destination-down: a destination away under load, then back', function () {
  this.timeout(DOWN_MS + 300_000);

  it('HTTP inbox (connections refused meanwhile): everything accepted arrives once it is back; lost 0', async () => {
    const peer = await new HttpPeer().start();
    const port = peer.port;
    try {
      await outageUnderLoad('destination-down', {
        endpoint: { connector: 'http', config: { url: peer.url, timeoutMs: 2_000 } },
        goAway: () => peer.stop(),
        comeBack: async () => void (await peer.start(port)),
        arrivals: async () => peer.accepted().map((r) => uuidOf(r.body.toString('utf8'))),
      });
    } finally {
      await peer.stop();
    }
  });

  it('RabbitMQ unreachable (a TCP proxy in front of the shared broker is cut; the broker keeps running): everything accepted is in the queue afterwards; lost 0', async () => {
    const broker = new URL(AMQP_URL);
    const proxy = await new TcpProxy(broker.hostname, Number(broker.port || 5672)).start();
    const topo = testTopology('fault-down');
    const viaProxy = new URL(AMQP_URL);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const arrived: string[] = [];
    try {
      await outageUnderLoad('destination-down-amqp', {
        endpoint: { connector: 'amqp091', config: { ...topo.endpointConfig, url: viaProxy.href, connectTimeoutMs: 2_000, publishTimeoutMs: 2_000, heartbeatSeconds: 5 } },
        goAway: () => proxy.stop(),
        comeBack: async () => void (await proxy.start()),
        arrivals: async () => {
          for (const m of await drainQueue(topo.queue).catch(() => [])) arrived.push(String(m.headers['messageUuid']));
          return arrived;
        },
      });
    } finally {
      await proxy.stop();
      await deleteTopology(topo);
    }
  });
});
