import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import request from 'supertest';
import { PACKAGE_ROOT } from '../../gateway/paths.js';
import { verifyProofBundle } from '../../gateway/reports/proof-verify.js';
import { currentMonth } from '../../gateway/ui/pages/reports.js';
import { DEMO_CLIENTS, tokenFor, type DemoClient } from '../auth/oauth-fixture.js';
import { startTestGateway, testConfig, waitFor } from '../support/gateway.js';
import { HttpPeer } from '../support/http-peer.js';
import { a11yProblems } from './a11y-check.js';
import { hundAnmeldung, hundFreigabe, hundSteuerfestsetzung } from '../support/xzsa-fixtures.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SHOTS = join(PACKAGE_ROOT, 'docs/screenshots');
/** Halle (Saale) and Magdeburg, kreisfreie Städte of Sachsen-Anhalt (AGS of Destatis' Gemeindeverzeichnis). */
const HALLE = '15002000';
const MAGDEBURG = '15003000';
const RULE = 'unzustellbar';

describe('browser: alerts, service figures and proof downloads in the monitoring UI', function () {
  this.timeout(180_000);
  const peer = new HttpPeer();
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let browser: Browser;
  let page: Page;
  let deadId: string;
  const caseId = randomUUID();

  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  const send = async (client: DemoClient, xml: string): Promise<string> => {
    const r = await request(gw.url).post('/api/v1/messages').set('authorization', `Bearer ${await tokenFor(gw.url, client)}`).set('content-type', 'application/xml').send(xml);
    expect(r.status, JSON.stringify(r.body)).to.equal(202);
    return r.body.gatewayId as string;
  };

  before(async function () {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (.ci/run installs Debian's chromium)`);
    await peer.start();
    peer.respond = () => 400; // Halle's Fachverfahren refuses: the message goes dead
    const cfg = testConfig({ endpoints: { 'fv-15002000-hund': { connector: 'http', config: { url: peer.url } } } });
    cfg.auth.mode = 'required';
    cfg.monitoring.alerts = [{ id: RULE, kind: 'dead-letters', severity: 'critical', threshold: 0 }];
    gw = await startTestGateway(cfg);
    deadId = await send('efa-hund-lsa', hundAnmeldung({ ags: HALLE, messageUuid: randomUUID(), vorgangId: randomUUID() }));
    await waitFor('the message dead', async () => ((await gw.services.store.getMessage(deadId))?.state === 'dead' ? true : undefined));
    // a Magdeburg Hund case: application (delegated to the ZSA), the ZSA's draft, the municipality's release
    const anmeldungUuid = randomUUID();
    const draftUuid = randomUUID();
    await send('efa-hund-lsa', hundAnmeldung({ ags: MAGDEBURG, vorgangId: caseId, messageUuid: anmeldungUuid }));
    await send('zsa-lsa', hundSteuerfestsetzung({ ags: MAGDEBURG, vorgangId: caseId, anmeldungUuid, messageUuid: draftUuid, author: 'zsa:lsa', reader: `ags:${MAGDEBURG}` }));
    await send('magdeburg', hundFreigabe({ ags: MAGDEBURG, vorgangId: caseId, author: `ags:${MAGDEBURG}`, reader: 'efa:hund-lsa', entwurfUuid: draftUuid }));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page = await ctx.newPage();
    await page.goto(`${gw.url}/ui/overview`);
    await page.getByLabel('Client-ID').fill('admin');
    await page.getByLabel('Client-Secret').fill(DEMO_CLIENTS.admin);
    await page.getByRole('button', { name: 'Anmelden' }).click();
    await page.waitForURL(/\/ui\/overview$/);
  });
  after(async () => {
    await browser?.close();
    await gw?.stop();
    await peer.stop();
  });

  it('shows a firing alert on the overview by its live refresh, then as resolved once the dead letter is delivered', async () => {
    const warnings = page.locator('section.alerts');
    expect(await warnings.getByRole('heading').textContent()).to.equal('Warnungen');
    expect(await warnings.getByRole('status').textContent()).to.equal('Keine Warnung aktiv.');
    // the evaluator's own clock: one evaluation now sees the dead letter
    const fired = await gw.monitoring.alerts.evaluate(Date.now());
    expect(fired.map((a) => [a.rule, a.status, a.subject])).to.deep.equal([[RULE, 'firing', 'fv-15002000-hund']]);
    // no reload: the overview's 10-second refresh brings it
    const active = page.getByRole('table', { name: 'Aktive Warnungen' });
    await active.waitFor({ timeout: 30_000 });
    const row = active.getByRole('row').filter({ hasText: RULE });
    const cells = await row.getByRole('cell').allTextContents();
    expect(cells[0]).to.equal('kritisch');
    expect(cells[2]).to.equal('fv-15002000-hund');
    expect(cells[3]).to.match(/^\d{1,2}\.\d{1,2}\.\d{4}, \d{2}:\d{2}:\d{2}$/); // aktiv seit
    expect(cells[5]).to.equal('1 Nachrichten (Grenze 0)');
    expect(await warnings.getByRole('heading').textContent()).to.equal('Warnungen 1 aktiv');
    expect(await page.getByRole('table', { name: 'Aktive Warnungen' }).locator('th').allTextContents()).to.include.members(['aktiv seit', 'zuletzt gesehen']);
    // the month's figures are on the overview as well
    expect(await page.getByRole('table', { name: 'Vorgänge je Dienst und Gemeinde' }).textContent()).to.contain(MAGDEBURG);
    expect(await a11yProblems(page)).to.deep.equal([]);
    await shot('overview-alert');

    peer.respond = () => 200;
    expect(await gw.services.store.replay(deadId, 'test')).to.equal(true);
    gw.services.worker.wake();
    await waitFor('the replayed message delivered', async () => ((await gw.services.store.getMessage(deadId))?.state === 'delivered' ? true : undefined));
    const resolved = await gw.monitoring.alerts.evaluate(Date.now());
    expect(resolved.map((a) => [a.rule, a.status])).to.deep.equal([[RULE, 'resolved']]);
    await page.reload();
    expect(await page.locator('section.alerts').getByRole('status').textContent()).to.equal('Keine Warnung aktiv.');
    const recent = await page.getByRole('table', { name: 'Kürzlich behobene Warnungen' }).getByRole('row').filter({ hasText: RULE }).getByRole('cell').allTextContents();
    expect(recent[1]).to.equal('fv-15002000-hund');
    expect(recent[3]).to.match(/^\d{1,2}\.\d{1,2}\.\d{4}, /); // behoben am
  });

  it('shows the seeded case in the month\'s Kennzahlen and downloads the usage CSV', async () => {
    await page.getByRole('link', { name: 'Kennzahlen', exact: true }).click();
    await page.waitForURL(/\/ui\/figures$/);
    expect(await page.getByLabel('Monat', { exact: true }).inputValue()).to.equal(currentMonth());
    const cases = page.getByRole('table', { name: 'Vorgänge je Dienst und Gemeinde' });
    const magdeburg = await cases.getByRole('row').filter({ hasText: MAGDEBURG }).getByRole('cell').allTextContents();
    expect(magdeburg[2], 'eröffnet').to.equal('1');
    const halle = await cases.getByRole('row').filter({ hasText: HALLE }).getByRole('cell').allTextContents();
    expect(halle[2], 'eröffnet').to.equal('1');
    const hops = page.getByRole('table', { name: 'Laufzeit je Abschnitt und Ende zu Ende' });
    expect(await hops.locator('th').allTextContents()).to.include.members(['Eingang', 'zur ZSA', 'Zustellung', 'Ende zu Ende']);
    // Halle's one message was delivered after the replay: one delivery sample
    expect(await hops.getByRole('row').filter({ hasText: HALLE }).textContent()).to.contain('n = 1');
    expect(await a11yProblems(page)).to.deep.equal([]);
    await shot('figures');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /^Nutzung .* je Gemeinde \(CSV\)$/ }).click()]);
    expect(download.suggestedFilename()).to.equal(`nutzung-${currentMonth()}.csv`);
    const csv = readFileSync((await download.path())!, 'utf8').trim().split(/\r?\n/);
    expect(csv[0]).to.equal('period,ags,municipality,service,cases_opened,messages,payload_bytes,attachment_bytes,bytes');
    const mdRow = csv.find((l) => l.includes(MAGDEBURG))!.split(',');
    expect(mdRow.slice(0, 2)).to.deep.equal([currentMonth(), MAGDEBURG]);
    expect(mdRow[4], 'cases_opened').to.equal('1');
    expect(mdRow[5], 'messages').to.equal('3');

    // another month: the selector; an earlier month holds nothing
    await page.getByLabel('Monat', { exact: true }).fill('2025-01');
    await page.getByRole('button', { name: 'Anzeigen' }).click();
    await page.waitForURL(/month=2025-01$/);
    expect(await page.locator('main').textContent()).to.contain('Keine Vorgänge im Zeitraum.');
    // a malformed month is refused with a German error page naming the parameter
    await page.goto(`${gw.url}/ui/figures?month=2025-13`);
    expect(await page.locator('h1').textContent()).to.equal('Ungültige Anfrage');
    expect(await page.locator('main').textContent()).to.contain('query.month');
  });

  it('downloads a message\'s Zustellnachweis that the offline verification accepts, and the Vorgang\'s PDF and printable page', async () => {
    await page.goto(`${gw.url}/ui/messages/${deadId}`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Zustellnachweis als JSON-Bündel' }).click()]);
    expect(download.suggestedFilename()).to.equal(`zustellnachweis-${deadId}.json`);
    const bundle = JSON.parse(readFileSync((await download.path())!, 'utf8')) as unknown;
    const jwks = (await request(gw.url).get('/.well-known/jwks.json')).body as { keys: [] };
    const verdict = await verifyProofBundle(bundle, { jwks });
    expect(verdict.checks.filter((c) => !c.ok)).to.deep.equal([]);
    expect(verdict.ok).to.equal(true);
    expect(verdict.subject).to.equal(`message:${deadId}`);
    // tampered: the verification refuses it
    const tampered = JSON.parse(JSON.stringify(bundle)) as { messages: Array<{ state: string }> };
    tampered.messages[0]!.state = tampered.messages[0]!.state === 'dead' ? 'delivered' : 'dead';
    const refused = await verifyProofBundle(tampered);
    expect(refused.ok).to.equal(false);
    expect(refused.checks.filter((c) => !c.ok).map((c) => c.check)).to.deep.equal(['manifest', 'history']);

    await page.goto(`${gw.url}/ui/vorgaenge/${caseId}`);
    expect(await a11yProblems(page)).to.deep.equal([]);
    const [pdf] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Zustellnachweis als PDF' }).click()]);
    expect(readFileSync((await pdf.path())!).subarray(0, 5).toString('latin1')).to.equal('%PDF-');
    const [printable] = await Promise.all([page.context().waitForEvent('page'), page.getByRole('link', { name: 'Zustellnachweis zum Drucken (HTML)' }).click()]);
    await printable.waitForLoadState();
    expect(await printable.locator('h1').textContent()).to.match(/Zustellnachweis/);
    expect(await printable.locator('body').textContent()).to.contain(caseId);
    // its inline style sheet applies (allowed for this answer only): tables get borders
    expect(await printable.locator('table').first().evaluate((t) => getComputedStyle(t).borderCollapse)).to.equal('collapse');
    await printable.screenshot({ path: join(SHOTS, 'proof.png'), fullPage: true });
    await printable.close();
  });

  it('refuses the UI\'s proof and report routes without a session, and with another format or a foreign id', async () => {
    const noSession = await request(gw.url).get(`/ui/messages/${deadId}/proof?format=json`);
    expect(noSession.status).to.equal(303);
    expect(noSession.headers['location']).to.match(/^\/ui\/login\?next=/);
    expect((await request(gw.url).get(`/ui/usage.csv`)).status).to.equal(303);
    // a municipality's API token is no UI session
    const md = await tokenFor(gw.url, 'magdeburg');
    expect((await request(gw.url).get(`/ui/usage.csv`).set('authorization', `Bearer ${md}`)).status).to.equal(303);
    const cookies = await page.context().cookies();
    const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const bad = await request(gw.url).get(`/ui/messages/${deadId}/proof?format=xml`).set('cookie', cookie);
    expect(bad.status).to.equal(400);
    expect(bad.text).to.contain('format must be one of json, html, pdf');
    const unknown = await request(gw.url).get(`/ui/vorgaenge/${randomUUID()}/proof?format=json`).set('cookie', cookie);
    expect(unknown.status).to.equal(404);
    expect((await request(gw.url).post(`/ui/messages/${deadId}/proof`).set('cookie', cookie)).status).to.equal(405);
  });
});
