import { expect } from 'chai';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Compilable } from 'kysely';
import { caseDefinition } from '../../gateway/reports/hops.js';
import { monthPeriod } from '../../gateway/reports/period.js';
import { createStore } from '../../gateway/store/index.js';
import { createQueryBuilder } from '../../gateway/store/sqlite/connection.js';
import { openCasesQuery, reportMessagesQuery, usageQuery } from '../../gateway/store/sqlite/reports.js';
import { testConfig } from '../support/gateway.js';

/** The report queries read a period through an index, never by scanning every message (migrations 10, 11). */
describe('reports: the period queries use their indexes', function () {
  let dir: string;
  let db: Database.Database;
  const qb = createQueryBuilder();
  const nov = monthPeriod('2026-11');
  const plan = (q: Compilable<unknown>) => {
    const c = q.compile();
    return (db.prepare(`EXPLAIN QUERY PLAN ${c.sql}`).all(...c.parameters) as Array<{ detail: string }>).map((r) => r.detail);
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'zsa-plans-'));
    await (await createStore({ kind: 'sqlite', path: join(dir, 'gateway.db') })).close();
    db = new Database(join(dir, 'gateway.db'), { readonly: true });
  });
  after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const noFullScan = (lines: string[], alias: string) => expect(lines.filter((l) => new RegExp(`^SCAN ${alias}( |$)`).test(l)), lines.join('\n')).to.deep.equal([]);

  it('messages of a period (also narrowed to an AGS): by received_at; first delivery by the partial index of deliveries', () => {
    for (const p of [nov, { ...nov, ags: ['15003000'] }]) {
      const lines = plan(reportMessagesQuery(qb, p));
      // narrowed to an AGS, the planner may take the browser's AGS index (migration 10) instead: an index either way
      const want = 'ags' in p ? /SEARCH m USING INDEX (messages_received_at \(received_at>\? AND received_at<\?\)|messages_ags \(ags=\?\))/ : /SEARCH m USING INDEX messages_received_at \(received_at>\? AND received_at<\?\)/;
      expect(lines.join('\n')).to.match(want);
      expect(lines.join('\n')).to.match(/SEARCH t USING COVERING INDEX transitions_delivered \(message_id=\?\)/);
      noFullScan(lines, 'm');
    }
  });

  it('usage of a period: by received_at', () => {
    const lines = plan(usageQuery(qb, nov));
    expect(lines.join('\n')).to.include('USING INDEX messages_received_at');
    noFullScan(lines, 'm');
  });

  it('open cases: only the opening routes\' messages, by route and time; closes looked up by Vorgang', () => {
    const lines = plan(openCasesQuery(qb, nov.to, caseDefinition(testConfig())));
    expect(lines.join('\n')).to.include('USING COVERING INDEX messages_route_received_at');
    expect(lines.join('\n')).to.match(/SEARCH c USING INDEX messages_vorgang_id/);
    expect(lines.join('\n')).to.match(/SEARCH ct USING COVERING INDEX transitions_delivered/);
    noFullScan(lines, 'o');
    noFullScan(lines, 'c');
  });
});
