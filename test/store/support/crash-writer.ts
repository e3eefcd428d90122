/**
 * Child process of sqlite.crash-durability.test.ts: accepts messages with 64 concurrent
 * callers forever and prints the id of each accept as soon as its promise resolved. The
 * parent kills it with SIGKILL at some point and checks that every printed id survived.
 * stdout is a pipe, which Node writes synchronously on Linux: a printed id was resolved.
 */
import { createStore } from '../../../gateway/store/index.js';
import { newMessage } from '../suite/fixtures.js';

const path = process.argv[2];
if (!path) throw new Error('usage: crash-writer <db path>');
const store = await createStore({ kind: 'sqlite', path });
const CONCURRENCY = 64;

async function caller(): Promise<void> {
  for (;;) {
    const m = newMessage({ payload: Buffer.alloc(2048, 0x61) });
    const r = await store.accept(m);
    if (r.kind !== 'created') throw new Error(`unexpected ${r.kind}`);
    process.stdout.write(`${m.id}\n`);
  }
}

await Promise.all(Array.from({ length: CONCURRENCY }, caller));
