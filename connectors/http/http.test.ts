import { egressConformance, testContext, type EgressFixture } from '../../test/conformance/egress.js';
import { httpConfigSchema } from './config.js';
import { httpConnector } from './index.js';
import { Inbox } from './http.fixture.js';

let seq = 0;

/**
 * A fresh node:http inbox per test. Retryable failure: it answers 500; permanent: 400 with
 * a reason. Restart: the server stops (cutting every connection) and listens again on the
 * same port.
 */
async function createFixture(): Promise<EgressFixture> {
  const inbox = new Inbox();
  await inbox.start();
  seq += 1;
  const config = httpConfigSchema.parse({ url: inbox.url, timeoutMs: 20_000 });
  const egress = httpConnector.create(config, testContext(`http-conformance-${process.pid}-${seq}`));
  return {
    egress,
    received: () => Promise.resolve([...inbox.accepted]),
    restartPeer: () => inbox.restart(),
    async makeFailing(kind) {
      inbox.mode =
        kind === 'retryable'
          ? { kind: 'answer', status: 500, body: 'Fachverfahren database unavailable' }
          : { kind: 'answer', status: 400, body: 'schema version not supported by this Fachverfahren' };
    },
    async heal() {
      inbox.mode = { kind: 'accept' };
    },
    async cleanup() {
      try {
        await egress.close();
      } finally {
        await inbox.stop();
      }
    },
  };
}

egressConformance({ name: 'http (real node:http server)', create: createFixture });
