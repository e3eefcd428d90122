import type { MessageStore } from '../../gateway/store/types.js';
import { browseTests } from './suite/browse.js';
import { delegationTests } from './suite/delegations.js';
import type { StoreHarness } from './suite/fixtures.js';
import { formTests } from './suite/forms.js';
import { ingressTests } from './suite/ingress.js';
import { mailboxTests } from './suite/mailbox.js';
import { outboxTests } from './suite/outbox.js';
import { readTests } from './suite/reads.js';
import { retentionTests } from './suite/retention.js';
import { uploadTests } from './suite/uploads.js';
import { vorgangEventTests } from './suite/vorgang-events.js';
import { fitConnectTests } from './suite/fit-connect.js';

/**
 * Opens a store for the suite. Without an argument: a fresh, migrated store on its own,
 * empty database. With a (closed) store: a new store on that store's database, to check
 * what was committed.
 */
export type StoreFactory = (reopen?: MessageStore) => Promise<MessageStore>;

/**
 * The contract of MessageStore (gateway/store/types.ts), run against every backend:
 * `test/store/sqlite.test.ts` now, PostgreSQL later. Each test opens its own database;
 * every store opened is closed after the test, `cleanup` runs after the suite.
 */
export function messageStoreSuite(name: string, factory: StoreFactory, cleanup?: () => Promise<void>): void {
  describe(`MessageStore contract: ${name}`, function () {
    let opened: MessageStore[] = [];

    const harness: StoreHarness = {
      async open() {
        const store = await factory();
        opened.push(store);
        return store;
      },
      async reopen(store) {
        await store.close();
        const again = await factory(store);
        opened.push(again);
        return again;
      },
    };

    afterEach(async () => {
      const stores = opened;
      opened = [];
      await Promise.all(stores.map((s) => s.close()));
    });

    if (cleanup) after(cleanup);

    ingressTests(harness);
    outboxTests(harness);
    mailboxTests(harness);
    readTests(harness);
    delegationTests(harness);
    retentionTests(harness);
    uploadTests(harness);
    formTests(harness);
    vorgangEventTests(harness);
    fitConnectTests(harness);
    browseTests(harness);
  });
}
