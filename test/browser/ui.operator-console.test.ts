import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import request from 'supertest';
import { PACKAGE_ROOT } from '../../gateway/paths.js';
import { DEMO_CLIENTS, tokenFor, type DemoClient } from '../auth/oauth-fixture.js';
import { startTestGateway, testConfig, waitFor } from '../support/gateway.js';
import { HttpPeer } from '../support/http-peer.js';
import { a11yProblems } from './a11y-check.js';
import { hundAnmeldung, hundFreigabe, hundSteuerfestsetzung } from '../support/xzsa-fixtures.js';

/** Debian's Chromium (.ci/run installs it); the flags this machine needs (docs: the env skill's node-svc notes). */
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SHOTS = join(PACKAGE_ROOT, 'docs/screenshots');
const HALLE = '15002000';
const MAGDEBURG = '15003000';

describe('browser: the monitoring UI in Chromium (operator and admin)', function () {
  this.timeout(180_000);
  const peer = new HttpPeer();
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let browser: Browser;
  let admin: Page;
  let adminCtx: BrowserContext;
  const messageUuid = randomUUID();
  const vorgangId = randomUUID();
  let deadId: string;
  /** A Magdeburg Hund case across three hops: EfA → ZSA (delegated), ZSA draft → municipality, release → citizen's side. */
  const caseId = randomUUID();

  async function signIn(client: DemoClient): Promise<{ ctx: BrowserContext; page: Page }> {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    await page.goto(`${gw.url}/ui/overview`);
    // not signed in: the sign-in form
    expect(page.url()).to.contain('/ui/login');
    await page.getByLabel('Client-ID').fill(client);
    await page.getByLabel('Client-Secret').fill(DEMO_CLIENTS[client]);
    await page.getByRole('button', { name: 'Anmelden' }).click();
    await page.waitForURL(/\/ui\/overview$/);
    return { ctx, page };
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  before(async function () {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (.ci/run installs Debian's chromium)`);
    await peer.start();
    peer.respond = () => 400; // the first delivery is refused: the message goes dead
    const cfg = testConfig({ endpoints: { 'fv-15002000-hund': { connector: 'http', config: { url: peer.url } } } });
    cfg.auth.mode = 'required';
    gw = await startTestGateway(cfg);
    const token = await tokenFor(gw.url, 'efa-hund-lsa');
    const res = await request(gw.url).post('/api/v1/messages').set('authorization', `Bearer ${token}`).set('content-type', 'application/xml').send(hundAnmeldung({ ags: HALLE, messageUuid, vorgangId }));
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    deadId = res.body.gatewayId as string;
    await waitFor('the message dead', async () => ((await gw.services.store.getMessage(deadId))?.state === 'dead' ? true : undefined));
    const send = async (client: DemoClient, xml: string) => {
      const r = await request(gw.url).post('/api/v1/messages').set('authorization', `Bearer ${await tokenFor(gw.url, client)}`).set('content-type', 'application/xml').send(xml);
      expect(r.status, JSON.stringify(r.body)).to.equal(202);
    };
    const anmeldungUuid = randomUUID();
    const draftUuid = randomUUID();
    await send('efa-hund-lsa', hundAnmeldung({ ags: MAGDEBURG, vorgangId: caseId, messageUuid: anmeldungUuid }));
    await send('zsa-lsa', hundSteuerfestsetzung({ ags: MAGDEBURG, vorgangId: caseId, anmeldungUuid, messageUuid: draftUuid, author: 'zsa:lsa', reader: `ags:${MAGDEBURG}` }));
    await send('magdeburg', hundFreigabe({ ags: MAGDEBURG, vorgangId: caseId, author: `ags:${MAGDEBURG}`, reader: 'efa:hund-lsa', entwurfUuid: draftUuid }));
    // Playwright starts each launch with a fresh, empty profile directory of its own (it refuses --user-data-dir here).
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS.filter((f) => f !== '--headless'), headless: true });
    ({ ctx: adminCtx, page: admin } = await signIn('admin'));
  });
  after(async () => {
    await browser?.close();
    await gw?.stop();
    await peer.stop();
  });

  it('loads the overview with the endpoint health and the dead letter counted, keyboard first stop the skip link', async () => {
    expect(await admin.locator('h1').textContent()).to.equal('Übersicht');
    const endpoints = admin.getByRole('table', { name: 'Zustand der Endpunkte' });
    await endpoints.getByRole('row').filter({ hasText: 'fv-15002000-hund' }).waitFor();
    expect(await endpoints.getByRole('row').filter({ hasText: 'fv-15002000-hund' }).textContent()).to.contain('refused the message with 400');
    expect(await admin.getByRole('table', { name: /letzten Stunde/ }).textContent()).to.contain(HALLE);
    await admin.keyboard.press('Tab');
    expect(await admin.evaluate(() => document.activeElement?.textContent)).to.equal('Zum Inhalt springen');
    expect(await a11yProblems(admin)).to.deep.equal([]);
    await shot(admin, 'overview');
  });

  it('draws the flow picture with the failing route in red', async () => {
    await admin.getByRole('link', { name: 'Flussbild' }).click();
    await admin.waitForURL(/\/ui\/flow$/);
    expect(await admin.locator('svg.flow path.edge.dead').count()).to.equal(1);
    expect(await a11yProblems(admin)).to.deep.equal([]);
    await shot(admin, 'flow');
  });

  it('finds the message by its UUID (in upper case), opens it and its Vorgang timeline', async () => {
    await admin.getByRole('link', { name: 'Nachrichten', exact: true }).click();
    await admin.getByLabel('Nachrichten-UUID').fill(messageUuid.toUpperCase());
    await admin.getByRole('button', { name: 'Suchen' }).click();
    const rows = admin.getByRole('table').getByRole('row');
    expect(await rows.count()).to.equal(2); // header and the one message
    expect(await a11yProblems(admin)).to.deep.equal([]);
    await shot(admin, 'messages');
    await admin.getByRole('link', { name: 'hund.anmeldung.0101' }).click();
    await admin.waitForURL(new RegExp(`/ui/messages/${deadId}$`));
    expect(await admin.locator('dl.facts').textContent()).to.contain(messageUuid);
    expect(await admin.getByRole('table', { name: 'Antworten des Endpunkts' }).textContent()).to.contain('400');
    expect(await a11yProblems(admin)).to.deep.equal([]);
    await shot(admin, 'message');
    await admin.locator('dl.facts').getByRole('link', { name: vorgangId }).click();
    await admin.waitForURL(new RegExp(`/ui/vorgaenge/${vorgangId}$`));
    expect(await admin.locator('ol.timeline li').count()).to.equal(1);
    expect(await admin.locator('ol.timeline').textContent()).to.contain('EfA-Onlinedienst');
    expect(await admin.getByRole('table').first().textContent()).to.contain('unzustellbar');
    expect(await a11yProblems(admin)).to.deep.equal([]);
    // the three-hop case: each station in order
    await admin.goto(`${gw.url}/ui/vorgaenge/${caseId}`);
    const hops = await admin.locator('ol.timeline li p.route').allTextContents();
    expect(hops.map((h) => h.replace(/\s+/g, ' ').trim())).to.deep.equal([
      'EfA-Onlinedienst → Gateway → ZSA',
      'ZSA → Gateway → Gemeinde / Fachverfahren',
      'Gemeinde / Fachverfahren → Gateway → EfA-Onlinedienst',
    ]);
    expect(await a11yProblems(admin)).to.deep.equal([]);
    await shot(admin, 'vorgang');
  });

  it('replays the dead letter after confirmation and sees it delivered', async () => {
    await admin.getByRole('link', { name: 'Unzustellbare Nachrichten' }).click();
    expect(await a11yProblems(admin)).to.deep.equal([]);
    await shot(admin, 'dead-letters');
    peer.respond = () => 200; // the Fachverfahren is fixed
    await admin.locator(`input[name=ids][value="${deadId}"]`).check();
    await admin.getByLabel('Grund (wird protokolliert)').fill('Fachverfahren Halle wieder erreichbar');
    // without the confirmation the browser does not send the form
    await admin.getByRole('button', { name: 'Ausgewählte erneut zustellen' }).click();
    expect(admin.url()).to.match(/\/ui\/dead-letters$/);
    await admin.getByLabel(/Ich bestätige/).check();
    await admin.getByRole('button', { name: 'Ausgewählte erneut zustellen' }).click();
    await admin.waitForURL(/replayed=1$/);
    expect(await admin.getByRole('status').textContent()).to.contain('1 Nachricht(en)');
    await waitFor('the replayed message delivered', async () => ((await gw.services.store.getMessage(deadId))?.state === 'delivered' ? true : undefined));
    await admin.goto(`${gw.url}/ui/messages/${deadId}`);
    expect(await admin.locator('dl.facts').textContent()).to.contain('zugestellt');
    const audit = await gw.services.audit!.list();
    expect(audit.some((e) => e.action === 'ui.message.replay' && e.target === `message:${deadId}` && e.actor === 'participant:admin')).to.equal(true);
  });

  it('switches a delegation with confirmation and a reason', async () => {
    await admin.getByRole('link', { name: 'Delegationen' }).click();
    const delegations = () => admin.getByRole('table', { name: /Welche Gemeinde/ });
    const row = delegations().getByRole('row').filter({ hasText: HALLE }).filter({ hasText: 'Hundehaltung' });
    await row.getByLabel('Neue Art').selectOption('e2e');
    await row.getByLabel('Grund').fill('Halle delegiert Hund ab sofort (Testfall)');
    await row.getByLabel('bestätigt').check();
    expect(await a11yProblems(admin)).to.deep.equal([]);
    await row.getByRole('button', { name: /^Umschalten/ }).click();
    await admin.waitForURL(/switched=1$/);
    expect(await delegations().getByRole('row').filter({ hasText: HALLE }).filter({ hasText: 'Hundehaltung' }).textContent()).to.contain('umgeschaltet im Betrieb');
    expect(await admin.getByRole('table', { name: /Umschaltungen/ }).textContent()).to.contain('Halle delegiert Hund ab sofort');
    expect((await gw.services.router.delegation(HALLE, 'hund')).mode).to.equal('e2e');
    await shot(admin, 'delegations');
  });

  it('shows an operator without a break-glass grant no payload, and no replay or switch', async () => {
    const { ctx, page } = await signIn('betrieb');
    try {
      await page.goto(`${gw.url}/ui/messages/${deadId}`);
      await page.getByRole('link', { name: 'Nutzdaten anzeigen' }).click();
      expect(await page.locator('h1').textContent()).to.equal('Kein Zugriff');
      expect(await page.getByRole('alert').textContent()).to.contain('Break-Glass');
      expect(await page.content()).to.not.contain('Erika');
      await shot(page, 'payload-refused');
      await page.goto(`${gw.url}/ui/dead-letters`);
      expect(await page.getByRole('button', { name: /erneut zustellen/ }).count()).to.equal(0);
      await page.goto(`${gw.url}/ui/delegations`);
      expect(await page.getByRole('button', { name: /^Umschalten/ }).count()).to.equal(0);
    } finally {
      await ctx.close();
    }
    await adminCtx.close();
  });
});
