import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { createStore } from '../../gateway/store/index.js';
import type { MessageStore } from '../../gateway/store/types.js';
import { createQueryBuilder } from '../../gateway/store/sqlite/connection.js';
import { backlogGroupsQuery, oldestOfGroupQuery } from '../../gateway/store/sqlite/reads.js';
import { firstDueQuery, leaseEndQuery } from '../../gateway/store/sqlite/outbox-claim.js';
import { claimOne, EP_A, EP_B, newMessage } from './suite/fixtures.js';

/** EXPLAIN QUERY PLAN of a compiled query, one line. */
function planOf(db: Database.Database, q: { sql: string; parameters: readonly unknown[] }): string {
  return (db.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...(q.parameters as unknown[])) as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
}

/**
 * The reads behind every metrics scrape, alert evaluation, /admin/stats, the overview and
 * admission control (ADR 0029, ADR 0036) must not grow with the backlog: counts come from
 * the running counts the triggers of migration 13 keep, the oldest message of a group from
 * one seek on the covering index messages_backlog. And the running counts must equal what
 * a GROUP BY over the rows says, after every kind of change.
 */
describe('SQLite store: counts read in constant cost and agree with the rows', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zsa-counts-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the backlog groups read message_counts, the oldest of a group seeks messages_backlog; neither scans messages', async () => {
    const path = join(dir, 'plans.db');
    await (await createStore({ kind: 'sqlite', path })).close();
    const db = new Database(path, { readonly: true });
    try {
      const qb = createQueryBuilder();
      const groups = planOf(db, backlogGroupsQuery(qb).compile());
      expect(groups).to.match(/message_counts/);
      expect(groups).to.not.match(/\bmessages\b/);
      const oldest = planOf(db, oldestOfGroupQuery(qb, 'queued', 'fv-a').compile());
      expect(oldest).to.match(/SEARCH messages USING COVERING INDEX messages_backlog \(state=\? AND endpoint_id=\?\)/);
      expect(() => oldestOfGroupQuery(qb, "queued' OR 1=1 --", 'fv-a')).to.throw(/no backlog state/);
      // the delivery worker's wake-up time: the due index in order (skipping only leased items), the lease index for leased ones
      expect(planOf(db, firstDueQuery(qb, 'fv-a').compile())).to.match(/^SEARCH outbox USING INDEX outbox_due \(endpoint_id=\? AND dead=\?\)$/);
      expect(planOf(db, leaseEndQuery(qb).compile())).to.match(/^SEARCH outbox USING INDEX outbox_lease_owner/);
    } finally {
      db.close();
    }
  });

  it('countByState, outboxDepth, backlog and the overview backlog equal a GROUP BY over the rows after accept, delivery, retry, dead, replay and purge', async () => {
    const path = join(dir, 'counts.db');
    const store: MessageStore = await createStore({ kind: 'sqlite', path });
    try {
      const a = [newMessage(), newMessage(), newMessage(), newMessage({ ags: '15001000' })];
      const b = [newMessage({ endpointId: EP_B }), newMessage({ endpointId: EP_B })];
      for (const m of [...a, ...b]) await store.accept(m);
      // the same message again changes nothing
      await store.accept(a[0]!);
      await store.markDelivered(await claimOne(store, EP_A), 'ok');
      await store.markRetrying(await claimOne(store, EP_A), 'peer down', new Date(Date.now() - 1));
      const dead = await claimOne(store, EP_B);
      await store.markDead(dead, 'refused', true);
      await store.replay(dead.messageId, 'test');
      const dead2 = await claimOne(store, EP_B);
      await store.markDead(dead2, 'refused again', true);
      const purgeable = await claimOne(store, EP_B);
      await store.markDelivered(purgeable, 'ok');
      await store.purgePayload(purgeable.messageId, 'retention');

      const db = new Database(path, { readonly: true });
      try {
        const byState = Object.fromEntries((db.prepare('SELECT state, count(*) AS n FROM messages GROUP BY state').all() as Array<{ state: string; n: number }>).map((r) => [r.state, r.n]));
        const counted = await store.countByState();
        for (const [state, n] of Object.entries(counted)) expect(n, state).to.equal(byState[state] ?? 0);
        expect(Object.values(counted).reduce((x, y) => x + y, 0)).to.equal(a.length + b.length);

        const depth = Object.fromEntries((db.prepare('SELECT endpoint_id, count(*) AS n FROM outbox WHERE dead = 0 GROUP BY endpoint_id').all() as Array<{ endpoint_id: string; n: number }>).map((r) => [r.endpoint_id, r.n]));
        expect(await store.outboxDepth()).to.deep.equal(depth);

        const rows = db
          .prepare(`SELECT endpoint_id AS endpointId, state, count(*) AS count, min(received_at) AS oldestReceivedAt FROM messages WHERE state NOT IN ('delivered', 'acknowledged') GROUP BY state, endpoint_id ORDER BY state, endpoint_id`)
          .all();
        const backlog = (await store.backlog()).sort((x, y) => x.state.localeCompare(y.state) || x.endpointId.localeCompare(y.endpointId));
        expect(backlog).to.deep.equal(rows);

        const open = db.prepare(`SELECT leika, ags, count(*) AS n FROM messages WHERE state NOT IN ('delivered', 'acknowledged', 'dead') GROUP BY leika, ags ORDER BY leika, ags`).all() as Array<{ leika: string; ags: string; n: number }>;
        const figures = await store.overviewFigures(new Date());
        expect(figures.byServiceAndAgs.filter((r) => r.backlog > 0).map((r) => ({ leika: r.leika, ags: r.ags, n: r.backlog }))).to.deep.equal(open);
      } finally {
        db.close();
      }
    } finally {
      await store.close();
    }
  });
});
