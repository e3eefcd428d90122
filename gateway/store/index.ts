import { SqliteMessageStore } from './sqlite/store.js';
import type { KeyRing } from '../crypto/at-rest.js';
import type { MessageStore } from './types.js';

export type { MessageStore } from './types.js';
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
  onCommit?: (seconds: number, operations: number) => void;
};

/**
 * Opens the message store and brings its schema up to date (`migrate()`), so the store
 * returned is ready to use; calling `migrate()` again is harmless. The gateway, the CLI
 * and the store test suite all open stores here, never a backend class directly.
 */
export async function createStore(opts: StoreOptions): Promise<MessageStore> {
  switch (opts.kind) {
    case 'sqlite': {
      const store = new SqliteMessageStore({ path: opts.path, ...(opts.atRest ? { atRest: opts.atRest } : {}), ...(opts.onCommit ? { onCommit: opts.onCommit } : {}) });
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
