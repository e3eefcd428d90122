import { expect } from 'chai';
import request from 'supertest';
import { DEMO_CLIENTS, requiredAuthConfig, tokenFor, type DemoClient } from '../auth/oauth-fixture.js';
import { startTestGateway } from '../support/gateway.js';
import { hundAnmeldung } from '../support/xzsa-fixtures.js';
import { escapeHtml, html } from '../../gateway/ui/html.js';

const HALLE = '15002000';

/** A browser's cookie jar for one user, enough for the UI's two cookies. */
class Jar {
  readonly cookies = new Map<string, string>();
  take(res: request.Response): void {
    const set = res.headers['set-cookie'] as unknown as string[] | undefined;
    for (const c of set ?? []) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
  }
  get header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

const csrfOf = (body: string) => /name="_csrf" value="([^"]+)"/.exec(body)?.[1];

/** Sign-in, session cookie, CSRF and route policies of the monitoring UI over HTTP, with `auth.mode: required` (ADR 0030). */
describe('ui: sign-in, session cookie, CSRF and the policies of every page', function () {
  this.timeout(60_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let messageId: string;

  async function signIn(client: string, secret: string): Promise<{ jar: Jar; res: request.Response; csrf: string }> {
    const jar = new Jar();
    const form = await request(gw.url).get('/ui/login');
    jar.take(form);
    const csrf = csrfOf(form.text)!;
    const res = await request(gw.url).post('/ui/login').set('cookie', jar.header).type('form').send({ _csrf: csrf, client_id: client, client_secret: secret });
    jar.take(res);
    return { jar, res, csrf };
  }
  const as = async (client: DemoClient) => {
    const s = await signIn(client, DEMO_CLIENTS[client]);
    expect(s.res.status, s.res.text.slice(0, 300)).to.equal(303);
    return s;
  };

  before(async () => {
    gw = await startTestGateway(requiredAuthConfig());
    const res = await request(gw.url).post('/api/v1/messages').set('authorization', `Bearer ${await tokenFor(gw.url, 'efa-hund-lsa')}`).set('content-type', 'application/xml').send(hundAnmeldung({ ags: HALLE }));
    expect(res.status).to.equal(202);
    messageId = res.body.gatewayId as string;
  });
  after(() => gw?.stop());

  it('sends a caller without a session to the sign-in form, and answers other spellings of a page with 404', async () => {
    const res = await request(gw.url).get('/ui/overview');
    expect(res.status).to.equal(303);
    expect(res.headers['location']).to.equal('/ui/login?next=%2Fui%2Foverview');
    for (const p of ['/UI/overview', '/ui/Overview', '/ui/overview/', '/ui//overview', '/ui/%6fverview']) expect((await request(gw.url).get(p)).status, p).to.equal(404);
  });

  it('sets the session as an HttpOnly, SameSite=Strict cookie limited to /ui after a good sign-in of an operator', async () => {
    const { res, jar } = await as('betrieb');
    expect(res.headers['location']).to.equal('/ui/overview');
    const set = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('zsa_ui_session='))!;
    expect(set).to.match(/; Path=\/ui; HttpOnly; SameSite=Strict; Max-Age=\d+/);
    const page = await request(gw.url).get('/ui/overview').set('cookie', jar.header);
    expect(page.status).to.equal(200);
    expect(page.text).to.contain('<h1>Übersicht</h1>');
    expect(page.headers['content-security-policy']).to.contain("default-src 'none'");
    expect(page.headers['cache-control']).to.equal('no-store');
  });

  it('refuses a wrong secret, an unknown client and a participant that is no operator or admin, without a session', async () => {
    for (const [client, secret, status] of [['betrieb', 'wrong-secret', 401], ['nobody', 'x', 401], ['efa-hund-lsa', DEMO_CLIENTS['efa-hund-lsa'], 403], ['halle', DEMO_CLIENTS.halle, 403]] as const) {
      const { res, jar } = await signIn(client, secret);
      expect(res.status, client).to.equal(status);
      expect(jar.cookies.has('zsa_ui_session'), client).to.equal(false);
      expect(res.text).to.contain('Anmeldung fehlgeschlagen');
    }
  });

  it('refuses a sign-in and every change without the CSRF token, with another browser\'s token, or sent cross-site', async () => {
    const noToken = await request(gw.url).post('/ui/login').type('form').send({ client_id: 'admin', client_secret: DEMO_CLIENTS.admin });
    expect(noToken.status).to.equal(403);
    const { jar, csrf } = await as('admin');
    const other = await as('admin');
    const body = { ags: HALLE, service: 'hund', mode: 'e2e', reason: 'CSRF-Probe', confirm: 'ja' };
    const tries: Array<[string, request.Test]> = [
      ['no token', request(gw.url).post('/ui/delegations').set('cookie', jar.header).type('form').send(body)],
      ['another browser\'s token', request(gw.url).post('/ui/delegations').set('cookie', jar.header).type('form').send({ ...body, _csrf: other.csrf === csrf ? 'x' : other.csrf })],
      ['cross-site', request(gw.url).post('/ui/delegations').set('cookie', jar.header).set('sec-fetch-site', 'cross-site').type('form').send({ ...body, _csrf: csrf })],
    ];
    for (const [name, t] of tries) {
      const res = await t;
      expect(res.status, name).to.equal(403);
      expect(res.text, name).to.contain('ui.csrf');
    }
    expect((await gw.services.router.delegation(HALLE, 'hund')).source).to.equal('config');
  });

  it('lets an admin switch a delegation with token, reason and confirmation, and refuses it unconfirmed or without a reason', async () => {
    const { jar, csrf } = await as('admin');
    const post = (b: Record<string, string>) => request(gw.url).post('/ui/delegations').set('cookie', jar.header).type('form').send({ _csrf: csrf, ags: HALLE, service: 'hund', ...b });
    expect((await post({ mode: 'e2e', reason: 'Test ohne Bestätigung' })).status).to.equal(400);
    expect((await post({ mode: 'e2e', reason: 'x', confirm: 'ja' })).status).to.equal(400);
    expect((await post({ mode: 'bogus', reason: 'Test mit falscher Art', confirm: 'ja' })).status).to.equal(400);
    const ok = await post({ mode: 'e2e', reason: 'Halle delegiert Hund (Test)', confirm: 'ja' });
    expect(ok.status).to.equal(303);
    const now = await gw.services.router.delegation(HALLE, 'hund');
    expect(now).to.include({ mode: 'e2e', source: 'runtime' });
    const history = await gw.services.store.delegationHistory(HALLE);
    expect(history.at(-1)).to.include({ actor: 'participant:admin', reason: 'Halle delegiert Hund (Test)' });
  });

  it('replays only dead messages: a selection of a live and an unknown id replays none, each one audited with the reason', async () => {
    const { jar, csrf } = await as('admin');
    const res = await request(gw.url).post('/ui/dead-letters/replay').set('cookie', jar.header).type('form').send(`_csrf=${encodeURIComponent(csrf)}&ids=${messageId}&ids=00000000-0000-4000-8000-000000000000&reason=Probe+ohne+Wirkung&confirm=ja`);
    expect(res.status).to.equal(303);
    expect(res.headers['location']).to.equal('/ui/dead-letters?replayed=0');
    const entries = (await gw.services.audit!.list()).filter((e) => e.action === 'ui.message.replay');
    expect(entries.map((e) => [e.target, e.actor, e.detail['replayed'], e.detail['reason']])).to.deep.equal([
      [`message:${messageId}`, 'participant:admin', false, 'Probe ohne Wirkung'],
      ['message:00000000-0000-4000-8000-000000000000', 'participant:admin', false, 'Probe ohne Wirkung'],
    ]);
    expect((await gw.services.store.getMessage(messageId))?.state).to.not.equal('dead');
    const unconfirmed = await request(gw.url).post('/ui/dead-letters/replay').set('cookie', jar.header).type('form').send({ _csrf: csrf, ids: messageId, reason: 'ohne Bestätigung' });
    expect(unconfirmed.status).to.equal(400);
  });

  it('refuses an operator the admin-only changes (403 route.roles), and makes no session of a forged token or a token of another kind', async () => {
    const { jar, csrf } = await as('betrieb');
    const sw = await request(gw.url).post('/ui/delegations').set('cookie', jar.header).type('form').send({ _csrf: csrf, ags: HALLE, service: 'hund', mode: 'none', reason: 'Operator darf nicht', confirm: 'ja' });
    expect(sw.status).to.equal(403);
    expect(sw.text).to.contain('route.roles');
    const rp = await request(gw.url).post('/ui/dead-letters/replay').set('cookie', jar.header).type('form').send({ _csrf: csrf, ids: messageId, reason: 'Operator darf nicht', confirm: 'ja' });
    expect(rp.status).to.equal(403);
    const forged = new Jar();
    forged.cookies.set('zsa_ui_session', `${(await tokenFor(gw.url, 'betrieb')).slice(0, -4)}AAAA`);
    expect((await request(gw.url).get('/ui/overview').set('cookie', forged.header)).status).to.equal(303);
    // a token of a participant that is no operator, put into the cookie by hand, makes no UI session either
    const foreign = new Jar();
    foreign.cookies.set('zsa_ui_session', await tokenFor(gw.url, 'zsa-lsa'));
    expect((await request(gw.url).get('/ui/overview').set('cookie', foreign.header)).status).to.equal(303);
  });

  it('shows a payload to an operator only under a break-glass grant, and audits the read', async () => {
    const { jar } = await as('betrieb');
    const refused = await request(gw.url).get(`/ui/messages/${messageId}/payload`).set('cookie', jar.header);
    expect(refused.status).to.equal(403);
    expect(refused.text).to.contain('Break-Glass');
    expect(refused.text).to.not.contain('Erika');
    const grant = await request(gw.url).post('/api/v1/admin/break-glass').set('authorization', `Bearer ${await tokenFor(gw.url, 'admin')}`).send({ messageId, minutes: 5, reason: 'Anfrage der Stadt Halle (Test)', grantee: 'betrieb' });
    expect(grant.status).to.equal(201);
    const shown = await request(gw.url).get(`/ui/messages/${messageId}/payload`).set('cookie', jar.header);
    expect(shown.status).to.equal(200);
    expect(shown.text).to.contain('Erika');
    const entries = await gw.services.audit!.list();
    expect(entries.filter((e) => e.action === 'ui.get.messages.id.payload' && e.target === `message:${messageId}`).map((e) => e.outcome)).to.deep.equal(['refused', 'allowed']);
  });

  it('escapes what it shows: a filter value with markup comes back as text; bad filters are 400 naming the parameter', async () => {
    const { jar } = await as('betrieb');
    const probe = '"><script>alert(1)</script>';
    const res = await request(gw.url).get('/ui/messages').query({ type: probe }).set('cookie', jar.header);
    expect(res.status).to.equal(200);
    expect(res.text).to.not.contain('<script>alert');
    expect(res.text).to.contain(escapeHtml(probe));
    for (const [q, name] of [[{ ags: 'abc' }, 'ags'], [{ before: '12x' }, 'before'], [{ state: 'lost' }, 'state'], [{ from: 'gestern' }, 'from'], [{ leika: '123' }, 'leika'], [{ vorgang: 'x'.repeat(201) }, 'vorgang']] as const) {
      const bad = await request(gw.url).get('/ui/messages').query(q).set('cookie', jar.header);
      expect(bad.status, name).to.equal(400);
      expect(bad.text, name).to.contain(name);
    }
    expect(html`<td>${'<b>&\'"`'}</td>${html`<i>ok</i>`}${[1, null, false, 'x']}`.text).to.equal('<td>&lt;b&gt;&amp;&#39;&quot;&#96;</td><i>ok</i>1x');
  });
});
