import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { FIGURES_CSV_COLUMNS } from '../../gateway/reports/figures-csv.js';
import { currentMonth } from '../../gateway/ui/pages/reports.js';
import { overviewSources } from '../../gateway/ui/sources.js';
import { startTestGateway, testConfig, waitFor } from '../support/gateway.js';
import { HttpPeer } from '../support/http-peer.js';
import { hundAnmeldung } from '../support/xzsa-fixtures.js';

/** Halle (Saale), AGS 15002000 (Destatis' Gemeindeverzeichnis). */
const HALLE = '15002000';

describe('ui: the overview shows the live alerts and the month\'s figures; Kennzahlen and its CSV downloads', function () {
  this.timeout(60_000);
  const peer = new HttpPeer();
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let deadId: string;

  before(async () => {
    await peer.start();
    peer.respond = () => 400;
    const cfg = testConfig({ endpoints: { 'fv-15002000-hund': { connector: 'http', config: { url: peer.url } } } });
    cfg.auth.mode = 'off'; // every UI caller is the local admin, as on the API
    cfg.monitoring.alerts = [{ id: 'tot', kind: 'dead-letters', severity: 'warning', threshold: 0 }];
    gw = await startTestGateway(cfg);
    const res = await request(gw.url).post('/api/v1/messages').set('content-type', 'application/xml').send(hundAnmeldung({ ags: HALLE, messageUuid: randomUUID(), vorgangId: randomUUID() }));
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    deadId = res.body.gatewayId as string;
    await waitFor('the message dead', async () => ((await gw.services.store.getMessage(deadId))?.state === 'dead' ? true : undefined));
  });
  after(async () => {
    await gw?.stop();
    await peer.stop();
  });

  it('lists no warning before the evaluation, the firing alert with aktiv seit after it, and the resolved one after the replay', async () => {
    const live = async () => (await request(gw.url).get('/ui/overview/live').expect(200)).text;
    expect(await live()).to.contain('Keine Warnung aktiv.');
    await gw.monitoring.alerts.evaluate(Date.now());
    const firing = await live();
    expect(firing).to.contain('<caption>Aktive Warnungen</caption>');
    expect(firing).to.match(/<td>tot<br><small>unzustellbare Nachrichten<\/small><\/td><td>fv-15002000-hund<\/td><td><time datetime="[^"]+">/);
    expect(firing).to.contain('class="alerts firing"');
    peer.respond = () => 200;
    expect(await gw.services.store.replay(deadId, 'test')).to.equal(true);
    gw.services.worker.wake();
    await waitFor('delivered', async () => ((await gw.services.store.getMessage(deadId))?.state === 'delivered' ? true : undefined));
    await gw.monitoring.alerts.evaluate(Date.now());
    const after = await live();
    expect(after).to.contain('Keine Warnung aktiv.');
    expect(after).to.contain('<caption>Kürzlich behobene Warnungen</caption>');
    expect(after).to.not.contain('class="alerts firing"');
  });

  it('shows this month\'s case figures on the overview', async () => {
    const text = (await request(gw.url).get('/ui/overview/live').expect(200)).text;
    expect(text).to.contain('<caption>Vorgänge je Dienst und Gemeinde</caption>');
    expect(text).to.contain('<caption>Laufzeit je Abschnitt und Ende zu Ende</caption>');
    expect(text).to.contain(HALLE);
  });

  it('reuses the month\'s figures within the cache time and recomputes after it', async () => {
    const cached = overviewSources(gw.services);
    expect(cached.figures!()).to.equal(cached.figures!());
    const fresh = overviewSources(gw.services, 0);
    const [a, b] = [fresh.figures!(), fresh.figures!()];
    expect(a).to.not.equal(b);
    expect((await a).items).to.deep.equal((await b).items);
    expect(overviewSources({ cfg: gw.services.cfg, store: gw.services.store }).alerts).to.equal(undefined);
  });

  it('downloads the figures and the usage of a month as CSV, named after the month', async () => {
    const month = currentMonth();
    const figures = await request(gw.url).get(`/ui/figures.csv?month=${month}`).expect(200);
    expect(figures.headers['content-type']).to.match(/^text\/csv/);
    expect(figures.headers['content-disposition']).to.equal(`attachment; filename="kennzahlen-${month}.csv"`);
    expect(figures.text.split('\r\n')[0]).to.equal(FIGURES_CSV_COLUMNS.join(','));
    expect(figures.text).to.contain(`${month},hund,${HALLE},`);
    const usage = await request(gw.url).get('/ui/usage.csv').expect(200); // default: this month
    expect(usage.headers['content-disposition']).to.equal(`attachment; filename="nutzung-${month}.csv"`);
    expect(usage.text).to.match(new RegExp(`^${month},${HALLE},`, 'm'));
  });

  it('refuses a malformed, repeated or impossible month with a 400 page naming query.month', async () => {
    for (const q of ['month=2026-13', 'month=2026-1', 'month=..%2F..%2Fetc', 'month=2026-11&month=2026-12', `month=${'9'.repeat(5000)}`]) {
      for (const path of ['/ui/figures', '/ui/figures.csv', '/ui/usage.csv']) {
        const r = await request(gw.url).get(`${path}?${q}`);
        expect(r.status, `${path}?${q.slice(0, 40)}`).to.equal(400);
        expect(r.headers['content-type']).to.match(/^text\/html/);
        expect(r.text).to.contain('query.month');
      }
    }
  });

  it('takes the month in German time: 30 November 23:30 UTC is already December', () => {
    expect(currentMonth(new Date('2026-11-30T23:30:00Z'))).to.equal('2026-12');
    expect(currentMonth(new Date('2026-11-30T22:59:59Z'))).to.equal('2026-11');
    expect(currentMonth(new Date('2026-07-31T22:30:00Z'))).to.equal('2026-08'); // summer time: UTC+2
  });
});
