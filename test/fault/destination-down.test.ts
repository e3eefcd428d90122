import { expect } from 'chai';
import { HttpPeer } from '../support/http-peer.js';
import { faultLine, tallyFault } from '../support/fault.js';
import { startTestGateway, testConfig, waitFor } from '../support/gateway.js';
import { hundAnmeldung, uuidOf } from '../support/xzsa-fixtures.js';

const TOTAL = 400;
const CONCURRENCY = 8;
const DOWN_AFTER = 100; // accepted messages before the destination goes away
/** How long the destination stays away: FAULT_DOWN_MS (e.g. 180000 for the "minutes"); 8 s keeps CI bounded. */
const DOWN_MS = Number(process.env['FAULT_DOWN_MS'] ?? 8_000);

/**
 * fault destination-down: the ZSA's HTTP inbox disappears (connections refused, open ones cut)
 * while clients keep sending, and comes back on the same port after DOWN_MS. Ingress does not
 * depend on the destination, so every message keeps its 202; the outbox retries with backoff
 * behind an open circuit and, once the destination is back, delivers every accepted message —
 * at least once, duplicates counted (a request cut after the peer took it is sent again).
 */
describe('fault destination-down: HTTP destination away under load, then back', function () {
  this.timeout(DOWN_MS + 240_000);
  const peer = new HttpPeer();
  let gw: Awaited<ReturnType<typeof startTestGateway>> | undefined;

  after(async () => {
    await gw?.stop();
    await peer.stop();
  });

  it('delivers everything accepted once the destination is back; lost 0', async () => {
    await peer.start();
    const port = peer.port;
    const cfg = testConfig({
      endpoints: { 'zsa-hund': { connector: 'http', config: { url: peer.url, timeoutMs: 2_000 } } },
      // retry for as long as the outage lasts: nothing may go dead because the destination was away
      delivery: { maxAttempts: 100_000, backoff: { initialMs: 50, multiplier: 2, maxMs: 1_000, jitter: 0.2 }, circuitBreaker: { failureThreshold: 5, cooldownMs: 500 } },
    });
    gw = await startTestGateway(cfg);
    const url = gw.url;

    const accepted = new Set<string>();
    let refused = 0;
    let next = 0;
    let outage: Promise<void> | undefined;
    let deliveredWhileDown = -1;
    let heldBack = 0; // accepted but not delivered when the destination came back
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < TOTAL) {
          next += 1;
          const xml = hundAnmeldung({ ags: '15003000' });
          const res = await fetch(`${url}/api/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: xml });
          await res.arrayBuffer();
          if (res.status === 202) accepted.add(uuidOf(xml));
          else refused += 1;
          if (!outage && accepted.size >= DOWN_AFTER) {
            outage = (async () => {
              await peer.stop();
              deliveredWhileDown = peer.received.length;
              await new Promise((r) => setTimeout(r, DOWN_MS));
              expect(peer.received.length, 'nothing reaches a destination that is away').to.equal(deliveredWhileDown);
              heldBack = accepted.size - deliveredWhileDown;
              await peer.start(port);
            })();
          }
        }
      }),
    );
    await outage;
    expect(refused, 'ingress answers 202 while the destination is away').to.equal(0);
    expect(heldBack, 'the outage held accepted messages back (else this test proves nothing)').to.be.greaterThan(0);

    const received = (): string[] => peer.accepted().map((r) => uuidOf(r.body.toString('utf8')));
    await waitFor(
      'every accepted message at the destination',
      () => (tallyFault(accepted, received()).lost === 0 ? true : undefined),
      180_000,
      200,
    );
    const tally = tallyFault(accepted, received());
    console.log(faultLine('destination-down', tally));
    expect(tally.accepted).to.equal(TOTAL);
    expect(tally.lost, `missing: ${tally.missing.slice(0, 5).join(', ')}`).to.equal(0);
  });
});
