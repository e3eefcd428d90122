/**
 * A writer process for the crash tests: delivers `count` messages of `size` bytes (all `A`) with
 * the filedrop egress and the config given as JSON in argv[2], printing `written <name>` after each.
 * The test kills it with SIGKILL in the middle.
 */
import { makeOutbound, testContext } from '../../test/conformance/outbound.js';
import { filedropConfigSchema, filedropConnector } from './index.js';

const [json, size, count] = process.argv.slice(2);
const egress = filedropConnector.create(filedropConfigSchema.parse(JSON.parse(json!)), testContext('filedrop-crash-writer'));
await egress.connect(new AbortController().signal);
for (let i = 0; i < Number(count); i++) {
  const receipt = await egress.deliver(makeOutbound({ payload: Buffer.alloc(Number(size), 0x41) }), new AbortController().signal);
  process.stdout.write(`${receipt.detail}\n`);
}
await egress.close();
