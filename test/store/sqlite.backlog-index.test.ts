import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { createStore } from '../../gateway/store/index.js';
import { createQueryBuilder } from '../../gateway/store/sqlite/connection.js';
import { backlogQuery } from '../../gateway/store/sqlite/reads.js';

/**
 * The backlog query behind every metrics scrape and alert evaluation (ADR 0029) must read
 * the partial covering index messages_backlog (migration 9) only, never the messages table.
 */
describe('SQLite store: the backlog query reads its covering index only', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zsa-backlog-index-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('EXPLAIN QUERY PLAN names messages_backlog as a covering index', async () => {
    const path = join(dir, 'gateway.db');
    await (await createStore({ kind: 'sqlite', path })).close();
    const db = new Database(path, { readonly: true });
    try {
      const q = backlogQuery(createQueryBuilder()).compile();
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...(q.parameters as unknown[])) as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
      expect(plan).to.match(/USING COVERING INDEX messages_backlog/);
      expect(plan).to.not.match(/SCAN messages(?! USING)/);
    } finally {
      db.close();
    }
  });
});
