import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeFigures, type FigureRow } from '../../gateway/reports/figures.js';
import { figuresCsv } from '../../gateway/reports/figures-csv.js';
import { monthPeriod } from '../../gateway/reports/period.js';
import { nearestRank } from '../../gateway/reports/stats.js';
import { computeUsage, usageCsv } from '../../gateway/reports/usage.js';
import { createStore, type MessageStore } from '../../gateway/store/index.js';
import { testConfig } from '../support/gateway.js';
import { AS_OF, seedScenario } from './scenario.js';
import { HOUR, MIN } from './seed.js';

describe('reports: service figures and usage on a seeded store', function () {
  const cfg = testConfig();
  let dir: string;
  let store: MessageStore;
  const nov = monthPeriod('2026-11');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'zsa-figures-'));
    const path = join(dir, 'gateway.db');
    store = await createStore({ kind: 'sqlite', path });
    seedScenario(path);
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const row = (items: FigureRow[], service: string, ags: string | null) => {
    const r = items.find((x) => x.service === service && x.ags === ags);
    expect(r, `${service}/${ags}`).to.not.equal(undefined);
    return r!;
  };

  it('a month is the calendar month in German time', () => {
    expect(nov.from.toISOString()).to.equal('2026-10-31T23:00:00.000Z');
    expect(nov.to.toISOString()).to.equal('2026-11-30T23:00:00.000Z');
    expect(monthPeriod('2026-07').from.toISOString()).to.equal('2026-06-30T22:00:00.000Z'); // summer time
  });

  it('nearest rank: the median of an even count is the lower middle sample, p90 a sample that occurred', () => {
    expect(nearestRank([1, 2, 3, 4], 50)).to.equal(2);
    expect(nearestRank([1, 2, 3, 4], 90)).to.equal(4);
    expect(nearestRank([5], 90)).to.equal(5);
    expect(nearestRank([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).to.equal(9);
    expect(nearestRank([], 50)).to.equal(null);
  });

  it('counts cases and measures every hop of Magdeburg\'s Hund cases as chosen by hand', async () => {
    const r = await computeFigures(cfg, store, nov, { now: AS_OF });
    const md = row(r.items, 'hund', '15003000');
    expect(md.municipality).to.equal('Landeshauptstadt Magdeburg');
    // md-hund-1..4 opened; md-hund-0..3 closed by their delivered release; md-hund-4 still open; md-hund-5 is December's
    expect(md.cases).to.deep.equal({ opened: 4, closed: 4, closedIncomplete: 0, open: 1, overdueDeadlines: 0 });
    // ingress: 2000, 500, 8000, 1000 → sorted 500, 1000, 2000, 8000
    expect(md.hops.ingress).to.deep.equal({ count: 4, medianMs: 1000, p90Ms: 8000 });
    // to the ZSA queue: 1000, 4000, 2000, 10000
    expect(md.hops.toZsa).to.deep.equal({ count: 4, medianMs: 2000, p90Ms: 10000 });
    // draft delivered → release stored: 60, 30, 120 min and md-hund-0's 90 min
    expect(md.hops.release).to.deep.equal({ count: 4, medianMs: 60 * MIN, p90Ms: 120 * MIN });
    // release stored → delivered to the online service: 3000, 1000, 7000, 4000
    expect(md.hops.toCitizen).to.deep.equal({ count: 4, medianMs: 3000, p90Ms: 7000 });
    // opening stored → release delivered: 1h+5s+60m+3s, 1h+5s+30m+1s, 1h+5s+120m+7s, and md-hund-0 from 20 Oct 08:00Z to 5 Nov 10:00Z + 5 s + 90 min + 4 s
    const e2e = [2 * HOUR + 8000, HOUR + 30 * MIN + 6000, 3 * HOUR + 12000, 16 * 24 * HOUR + 2 * HOUR + 5000 + 90 * MIN + 4000];
    expect(md.hops.endToEnd).to.deep.equal({ count: 4, medianMs: e2e[0], p90Ms: e2e[3] });
    // every delivered message stored in November: 3 per closed case, 1 for md-hund-4, 2 for md-hund-0
    expect(md.hops.delivery.count).to.equal(12);
  });

  it('a message stored at 00:30 German time on 1 November counts in November, one at 23:30 on 31 October does not', async () => {
    const r = await computeFigures(cfg, store, nov, { now: AS_OF });
    const hal = row(r.items, 'hund', '15002000');
    expect(hal.cases).to.deep.equal({ opened: 2, closed: 0, closedIncomplete: 0, open: 3, overdueDeadlines: 0 });
    expect(hal.hops.toZsa.count).to.equal(0);
    expect(hal.hops.delivery).to.deep.equal({ count: 2, medianMs: 1500, p90Ms: 1500 });
  });

  it('an unanswered Nachforderung past its reminder time is overdue; a case closed by its deadline counts as closed incomplete', async () => {
    const r = await computeFigures(cfg, store, nov, { now: AS_OF });
    expect(row(r.items, 'wohngeld', '15091000').cases).to.deep.equal({ opened: 2, closed: 0, closedIncomplete: 1, open: 1, overdueDeadlines: 1 });
    // 14 days after the Nachforderung's delivery (4 Nov) it is not yet overdue
    const early = await computeFigures(cfg, store, nov, { now: new Date('2026-11-17T00:00:00Z') });
    expect(row(early.items, 'wohngeld', '15091000').cases.overdueDeadlines).to.equal(0);
  });

  it('totals per service add up the municipalities, and a scope leaves the others out', async () => {
    const r = await computeFigures(cfg, store, nov, { now: AS_OF });
    expect(row(r.totals, 'hund', null).cases).to.deep.equal({ opened: 6, closed: 4, closedIncomplete: 0, open: 4, overdueDeadlines: 0 });
    expect(row(r.totals, 'hund', null).hops.ingress.count).to.equal(6);
    const only = await computeFigures(cfg, store, nov, { now: AS_OF, ags: ['15002000'] });
    expect(only.scope).to.deep.equal(['15002000']);
    expect(only.items.map((x) => `${x.service}/${x.ags}`)).to.deep.equal(['hund/15002000']);
  });

  it('figures as CSV: a header line and one line per service and municipality, then the totals', async () => {
    const csv = figuresCsv(await computeFigures(cfg, store, nov, { now: AS_OF, ags: ['15003000'] }));
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]!.split(',').slice(0, 12)).to.deep.equal(['period', 'service', 'ags', 'municipality', 'cases_opened', 'cases_closed', 'cases_closed_incomplete', 'cases_open', 'deadlines_overdue', 'ingress_count', 'ingress_median_ms', 'ingress_p90_ms']);
    expect(lines[1]!.startsWith('2026-11,hund,15003000,Landeshauptstadt Magdeburg,4,4,0,1,0,4,1000,8000,4,2000,10000,')).to.equal(true);
    expect(lines[2]!.startsWith('2026-11,hund,,,4,4,0,1,0,')).to.equal(true);
    expect(lines).to.have.length(3);
  });

  it('monthly usage per municipality and service: cases, messages and bytes, as CSV', async () => {
    const csv = usageCsv(await computeUsage(cfg, store, nov));
    expect(csv).to.equal(
      [
        'period,ags,municipality,service,cases_opened,messages,payload_bytes,attachment_bytes,bytes',
        // hal-hund-1 (1000 bytes) and hal-hund-2 (2500)
        '2026-11,15002000,Stadt Halle (Saale),hund,2,2,3500,0,3500',
        // 12 messages of 1000 bytes; md-hund-1..4's applications carry a 500-byte attachment each
        '2026-11,15003000,Landeshauptstadt Magdeburg,hund,4,12,12000,2000,14000',
        '2026-11,15091000,Landkreis Wittenberg,wohngeld,2,4,4000,0,4000',
        '',
      ].join('\r\n'),
    );
  });
});
