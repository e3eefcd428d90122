import { expect } from 'chai';
import { join } from 'node:path';
import request from 'supertest';
import { requiredAuthConfig, tokenFor, type DemoClient } from '../auth/oauth-fixture.js';
import { startTestGateway } from '../support/gateway.js';
import { seedScenario } from './scenario.js';

/**
 * The figures and usage routes over HTTP: who may call them, and that a municipality sees
 * only its own AGS whatever spelling it tries (AGS of Magdeburg 15003000, its ARS
 * 150030000000; Halle 15002000 / 150020000000).
 */
describe('reports: figures and usage over HTTP, each municipality only its own', function () {
  this.timeout(60_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  const tokens = new Map<DemoClient, string>();
  const get = async (who: DemoClient, path: string, accept?: string) => {
    if (!tokens.has(who)) tokens.set(who, await tokenFor(gw.url, who));
    let r = request(gw.url).get(path).set('authorization', `Bearer ${tokens.get(who)!}`);
    if (accept) r = r.set('accept', accept);
    return r;
  };
  const agsOf = (body: { items: Array<{ ags: string | null }> }) => [...new Set(body.items.map((x) => x.ags))].sort();

  before(async () => {
    const cfg = requiredAuthConfig();
    gw = await startTestGateway(cfg);
    seedScenario(join(cfg.store.dataDir, 'gateway.db'));
  });
  after(() => gw?.stop());

  it('operators and admins see every municipality, or the one they ask for', async () => {
    const all = await get('betrieb', '/api/v1/reports/figures?month=2026-11');
    expect(all.status, all.text.slice(0, 200)).to.equal(200);
    expect(agsOf(all.body)).to.deep.equal(['15002000', '15003000', '15091000']);
    expect(all.body.scope).to.equal('all');
    const one = await get('admin', '/api/v1/reports/usage?month=2026-11&ags=150910000000');
    expect([one.status, agsOf(one.body)]).to.deep.equal([200, ['15091000']]);
  });

  it('a municipality gets its own figures by default, by AGS or by ARS', async () => {
    for (const q of ['', '&ags=15003000', '&ags=150030000000']) {
      const r = await get('magdeburg', `/api/v1/reports/figures?month=2026-11${q}`);
      expect([q, r.status, agsOf(r.body), r.body.scope]).to.deep.equal([q, 200, ['15003000'], ['15003000']]);
      expect(r.body.totals.every((t: { cases: { opened: number } }) => t.cases.opened === 4)).to.equal(true);
    }
  });

  it('another municipality\'s AGS in any spelling is refused, and nothing of it is answered', async () => {
    const wrong: string[] = [];
    const cases: Array<[string, number]> = [
      ['15002000', 403],
      ['150020000000', 403],
      ['15091000', 403],
      ['015002000', 400],
      ['1500200', 400],
      ['15002000%20', 400], // the API contract's pattern refuses blanks before the handler (ADR 0026)
      ['%2015002000', 400],
      ['15002000%00', 400],
      ['1500200O', 400],
      ['%EF%BC%91%EF%BC%95%EF%BC%90%EF%BC%90%EF%BC%92%EF%BC%90%EF%BC%90%EF%BC%90', 400], // full-width digits
      ['15002000&ags=15003000', 400],
      ['15003000&ags=15002000', 400],
      ['150020000000000', 400],
    ];
    for (const route of ['figures', 'usage']) {
      for (const [ags, status] of cases) {
        const r = await get('magdeburg', `/api/v1/reports/${route}?month=2026-11&ags=${ags}`);
        if (r.status !== status || r.text.includes('15002000,') || r.text.includes('"ags":"15002000"') || r.text.includes('Halle')) wrong.push(`${route} ${ags}: ${r.status} ${r.text.slice(0, 120)}`);
        if (status === 403 && r.body.rule !== 'report.own-ags') wrong.push(`${route} ${ags}: rule ${r.body.rule}`);
      }
    }
    expect(wrong).to.deep.equal([]);
  });

  it('other roles are refused by the route policy; without a token 401', async () => {
    for (const who of ['efa-hund-lsa', 'zsa-lsa', 'fv-15003000-hund'] as const) {
      const r = await get(who, '/api/v1/reports/figures?month=2026-11');
      expect([who, r.status, r.body.code]).to.deep.equal([who, 403, 'GW_FORBIDDEN']);
    }
    expect((await request(gw.url).get('/api/v1/reports/usage?month=2026-11')).status).to.equal(401);
  });

  it('CSV by Accept or format=csv; bad periods and formats are 400 naming the parameter', async () => {
    const csv = await get('magdeburg', '/api/v1/reports/usage?month=2026-11', 'text/csv');
    expect(csv.status).to.equal(200);
    expect(csv.headers['content-type']).to.match(/^text\/csv/);
    expect(csv.text).to.equal('period,ags,municipality,service,cases_opened,messages,payload_bytes,attachment_bytes,bytes\r\n2026-11,15003000,Landeshauptstadt Magdeburg,hund,4,12,12000,2000,14000\r\n');
    const fig = await get('betrieb', '/api/v1/reports/figures?month=2026-11&format=csv&service=wohngeld');
    expect(fig.headers['content-type']).to.match(/^text\/csv/);
    expect(fig.text.split('\r\n')[1]).to.match(/^2026-11,wohngeld,15091000,Landkreis Wittenberg,2,0,1,1,/);
    const bad: Array<[string, string]> = [
      ['/api/v1/reports/figures?month=2026-13', 'query.month'],
      ['/api/v1/reports/figures', 'query.month'],
      ['/api/v1/reports/figures?month=2026-11&from=2026-11-01', 'query.month'],
      ['/api/v1/reports/figures?from=2026-11-01&to=2026-10-01', 'query.to'],
      ['/api/v1/reports/figures?from=2020-01-01&to=2026-01-01', 'query.to'],
      ['/api/v1/reports/usage?month=2026-11&format=xlsx', 'query.format'],
      ['/api/v1/reports/figures?month=2026-11&service=katze', 'query.service'],
      ['/api/v1/reports/figures?month=2026-11&month=2026-10', 'query.month'],
    ];
    for (const [path, where] of bad) {
      const r = await get('betrieb', path);
      expect([path, r.status, r.body.errors?.[0]?.path]).to.deep.equal([path, 400, where]);
    }
  });

  it('a period by dates: from and to in German time', async () => {
    const r = await get('betrieb', '/api/v1/reports/figures?from=2026-11-01&to=2026-12-01&ags=15002000');
    expect(r.status).to.equal(200);
    expect(r.body.period).to.deep.equal({ from: '2026-10-31T23:00:00.000Z', to: '2026-11-30T23:00:00.000Z', month: null, timeZone: 'Europe/Berlin' });
    expect(r.body.items[0].cases.opened).to.equal(2);
  });
});
