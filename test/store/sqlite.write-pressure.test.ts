import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { createStore } from '../../gateway/store/index.js';
import { newMessage } from './suite/fixtures.js';

/** MessageStore.pressure (ADR 0036): what admission control reads on every request. */
describe('SQLite store: pressure() shows the writes waiting for their commit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zsa-pressure-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('counts the writes queued in this turn, then none once committed, with the duration of that batch', async () => {
    const store = await createStore({ kind: 'sqlite', path: join(dir, 'gateway.db') });
    try {
      await store.migrate();
      expect(store.pressure()).to.deep.equal({ pendingWrites: 0, oldestPendingMs: 0, lastCommitMs: 0 });
      const writes = [newMessage(), newMessage(), newMessage()].map((m) => store.accept(m));
      const queued = store.pressure();
      expect(queued.pendingWrites).to.equal(3);
      expect(queued.oldestPendingMs).to.be.at.least(0);
      await Promise.all(writes);
      const after = store.pressure();
      expect(after).to.include({ pendingWrites: 0, oldestPendingMs: 0 });
      expect(after.lastCommitMs).to.be.greaterThan(0);
    } finally {
      await store.close();
    }
  });
});
