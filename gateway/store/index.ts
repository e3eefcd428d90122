import { SqliteMessageStore } from './sqlite/store.js';
import type { KeyRing } from '../crypto/at-rest.js';
import type { MessageStore } from './types.js';
import type { DurabilityTrace } from './durability-trace.js';
import { openWorkerStore } from './worker/proxy.js';

export type { MessageStore, StorePressure } from './types.js';
export { DurabilityTrace } from './durability-trace.js';
export { SqliteMessageStore } from './sqlite/store.js';
export { createFsAttachmentStore, FsAttachmentStore, type AttachmentStore } from './attachments.js';

/** Which backend to open. PostgreSQL will be another member of this union. */
export type StoreOptions = {
  kind: 'sqlite';
  /** Database file, e.g. `./data/gateway.db`; its folder is created. */
  path: string;
  /** At-rest keys (ADR 0009); without them payloads are stored in the clear. */
  atRest?: KeyRing;
  /** Called after every committed write batch: duration in seconds, number of operations (store commit metrics, ADR 0029). */
  /** After every batch: its duration (seconds), size and whether it committed. */
  onCommit?: (seconds: number, operations: number, committed: boolean) => void;
  /**
   * `worker` (default): the SQLite store runs in a worker thread and the caller gets a proxy
   * (ADR 0034), so no SQLite work, fsync or sealing runs on the caller's event loop. `inline`:
   * the store on the caller's thread (tests that reach into the connection, one-shot tools).
   */
  thread?: 'worker' | 'inline';
  /** Test aid: trace commits against answers (gateway/store/durability-trace.ts); worker only. */
  trace?: DurabilityTrace;
};

/**
 * Opens the message store and brings its schema up to date (`migrate()`), so the store
 * returned is ready to use; calling `migrate()` again is harmless. The gateway, the CLI
 * and the store test suite all open stores here, never a backend class directly.
 */
export async function createStore(opts: StoreOptions): Promise<MessageStore> {
  switch (opts.kind) {
    case 'sqlite': {
      const common = { path: opts.path, ...(opts.atRest ? { atRest: opts.atRest } : {}), ...(opts.onCommit ? { onCommit: opts.onCommit } : {}) };
      const store = opts.thread === 'inline' ? new SqliteMessageStore(common) : openWorkerStore({ ...common, ...(opts.trace ? { trace: opts.trace } : {}) });
      try {
        await store.migrate();
      } catch (err) {
        await store.close();
        throw err;
      }
      return store;
    }
  }
}
