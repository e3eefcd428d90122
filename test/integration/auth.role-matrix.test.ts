import { expect } from 'chai';
import request from 'supertest';
import { DEMO_CLIENTS, requiredAuthConfig, tokenFor, type DemoClient } from '../auth/oauth-fixture.js';
import { startTestGateway } from '../support/gateway.js';
import { hundAnmeldung, hundFreigabe, hundSteuerfestsetzung, wohngeldAntrag } from '../support/xzsa-fixtures.js';

const MD = '15003000'; // Magdeburg: Hund delegated to the ZSA (e2e)
const HAL = '15002000'; // Halle: Hund not delegated
const uuidOf = (xml: string) => /<xzsab:nachrichtenUUID>([^<]+)</.exec(xml)![1]!;
const vorgangOf = (xml: string) => /<xzsab:vorgangsID>([^<]+)</.exec(xml)![1]!;

interface Call {
  as: DemoClient;
  method: 'get' | 'post' | 'put';
  path: string;
  xml?: string;
  json?: object;
  status: number;
  code?: string;
  rule?: string;
  /** Token scope (default: everything registered). */
  scope?: string;
}

/**
 * The role matrix of ADR 0012 with `auth.mode: required`, over real HTTP with tokens from
 * the gateway's own token endpoint: per role the calls it must be refused (403 GW_FORBIDDEN
 * with the rule) and a few it must be allowed.
 */
describe('auth: role matrix (auth.mode required)', function () {
  this.timeout(60_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  const tokens = new Map<string, string>();
  let v1: string; // Magdeburg's Vorgang (anmeldung → ZSA, draft → Magdeburg)
  let v2: string; // Halle's Vorgang
  let anm1: string;
  let anm2: string;
  let draft: string;
  let draftUuid: string;

  async function call(c: Omit<Call, 'status'>) {
    const key = `${c.as}|${c.scope ?? ''}`;
    if (!tokens.has(key)) tokens.set(key, await tokenFor(gw.url, c.as, c.scope));
    let r = request(gw.url)[c.method](`/api/v1${c.path}`).set('authorization', `Bearer ${tokens.get(key)!}`);
    if (c.xml !== undefined) r = r.set('content-type', 'application/xml').send(c.xml);
    else if (c.json !== undefined) r = r.send(c.json);
    return r;
  }
  async function expectAll(calls: Call[]) {
    for (const c of calls) {
      const res = await call(c);
      const what = `${c.as} ${c.method.toUpperCase()} ${c.path}: ${JSON.stringify(res.body).slice(0, 300)}`;
      expect(res.status, what).to.equal(c.status);
      if (c.code) expect(res.body.code, what).to.equal(c.code);
      if (c.rule) expect(res.body.rule, what).to.equal(c.rule);
      if (c.code === 'GW_FORBIDDEN') expect(res.body.role, what).to.be.a('string');
    }
  }
  const forbid = (as: DemoClient, method: Call['method'], path: string, rule: string, extra: Partial<Call> = {}): Call => ({ as, method, path, status: 403, code: 'GW_FORBIDDEN', rule, ...extra });

  before(async () => {
    gw = await startTestGateway(requiredAuthConfig());
    const a1 = hundAnmeldung({ ags: MD });
    const a2 = hundAnmeldung({ ags: HAL });
    v1 = vorgangOf(a1);
    v2 = vorgangOf(a2);
    const r1 = await call({ as: 'efa-hund-lsa', method: 'post', path: '/messages', xml: a1 });
    const r2 = await call({ as: 'efa-hund-lsa', method: 'post', path: '/messages', xml: a2 });
    expect([r1.status, r2.status], JSON.stringify([r1.body, r2.body])).to.deep.equal([202, 202]);
    anm1 = r1.body.gatewayId;
    anm2 = r2.body.gatewayId;
    const d = hundSteuerfestsetzung({ ags: MD, vorgangId: v1, anmeldungUuid: uuidOf(a1), author: 'zsa:lsa', reader: `ags:${MD}` });
    draftUuid = uuidOf(d);
    const r3 = await call({ as: 'zsa-lsa', method: 'post', path: '/messages', xml: d });
    expect(r3.status, JSON.stringify(r3.body)).to.equal(202);
    draft = r3.body.gatewayId;
  });
  after(() => gw?.stop());

  it('municipality: refused another municipality\'s mailbox, Vorgang, messages, releases and admin routes', async () => {
    await expectAll([
      forbid('halle', 'get', '/mailboxes/fv-15003000-hund/messages', 'mailbox.own'),
      forbid('halle', 'post', '/mailboxes/fv-15003000-hund/fetch', 'mailbox.own'),
      forbid('halle', 'get', `/vorgaenge/${v1}`, 'vorgang.party'),
      forbid('halle', 'get', `/messages/${draft}`, 'message.own'),
      forbid('halle', 'get', `/messages/${draft}/payload`, 'message.own'),
      forbid('halle', 'get', `/messages/${anm1}/receipt`, 'message.own'),
      forbid('halle', 'get', `/messages?ags=${MD}`, 'list.own'),
      // releasing for another AGS: as itself its remit refuses it, under Magdeburg's name the author check does
      forbid('halle', 'post', '/messages', 'remit.ags', { xml: hundFreigabe({ ags: MD, vorgangId: v1, entwurfUuid: draftUuid, author: `ags:${HAL}`, reader: 'efa:hund-lsa' }) }),
      forbid('halle', 'post', '/messages', 'ingress.author', { xml: hundFreigabe({ ags: MD, vorgangId: v1, entwurfUuid: draftUuid, author: `ags:${MD}`, reader: 'efa:hund-lsa' }) }),
      forbid('magdeburg', 'get', '/admin/participants', 'route.roles'),
      forbid('magdeburg', 'put', `/admin/municipalities/${MD}/delegations/hund`, 'route.roles', { json: { mode: 'none', reason: 'x' } }),
      forbid('magdeburg', 'post', '/replay', 'route.roles'),
      forbid('magdeburg', 'post', '/routes/explain', 'route.roles', { xml: hundAnmeldung({ ags: MD }) }),
      forbid('magdeburg', 'get', '/rejections', 'route.roles'),
      forbid('magdeburg', 'post', '/mailboxes/fv-15003000-hund/fetch', 'scope.read-only', { scope: 'municipality:read' }),
    ]);
  });

  it('municipality: allowed its own mailbox, Vorgang, messages and payloads, and its release', async () => {
    await expectAll([
      { as: 'magdeburg', method: 'get', path: '/mailboxes/fv-15003000-hund/messages', status: 200 },
      { as: 'magdeburg', method: 'get', path: `/vorgaenge/${v1}`, status: 200 },
      { as: 'magdeburg', method: 'get', path: `/messages/${draft}/payload`, status: 200 },
      { as: 'magdeburg', method: 'get', path: `/messages/${draft}`, status: 200, scope: 'municipality:read' },
    ]);
    const list = await call({ as: 'magdeburg', method: 'get', path: '/messages' });
    expect(list.status).to.equal(200);
    expect((list.body.items as Array<{ ags: string }>).map((m) => m.ags)).to.satisfy((a: string[]) => a.length > 0 && a.every((x) => x === MD));
    const release = await call({ as: 'magdeburg', method: 'post', path: '/messages', xml: hundFreigabe({ ags: MD, vorgangId: v1, entwurfUuid: draftUuid, author: `ags:${MD}`, reader: 'efa:hund-lsa' }) });
    expect(release.status, JSON.stringify(release.body)).to.equal(202);
  });

  it('Fachverfahren: refused another municipality\'s Vorgang and mailbox', async () => {
    await expectAll([
      forbid('fv-15003000-hund', 'get', `/vorgaenge/${v2}`, 'vorgang.party'),
      forbid('fv-15003000-hund', 'get', '/mailboxes/fv-15002000-hund/messages', 'mailbox.own'),
      forbid('fv-15003000-hund', 'get', `/messages/${anm2}`, 'message.own'),
      { as: 'fv-15003000-hund', method: 'get', path: `/vorgaenge/${v1}`, status: 200 },
    ]);
  });

  it('efa-service: refused forged authors, foreign services, others\' messages and admin routes', async () => {
    await expectAll([
      forbid('efa-hund-lsa', 'post', '/messages', 'ingress.author', { xml: hundAnmeldung({ ags: MD, author: 'efa:wohngeld-lsa' }) }),
      forbid('efa-hund-lsa', 'post', '/messages', 'ingress.service', { xml: wohngeldAntrag({ ags: MD, author: 'efa:hund-lsa' }) }),
      forbid('efa-hund-lsa', 'get', `/messages/${draft}`, 'message.own'),
      forbid('efa-hund-lsa', 'get', '/messages?author=zsa:lsa', 'list.own'),
      forbid('efa-hund-lsa', 'get', '/admin/stats', 'route.roles'),
      forbid('efa-hund-lsa', 'get', '/mailboxes/zsa-hund/messages', 'mailbox.own'),
      { as: 'efa-hund-lsa', method: 'get', path: `/messages/${anm1}`, status: 200 },
      { as: 'efa-hund-lsa', method: 'get', path: `/messages/${anm1}/receipt`, status: 200 },
    ]);
  });

  it('zsa: refused forged releases, municipal mailboxes and admin routes; allowed its queue', async () => {
    await expectAll([
      forbid('zsa-lsa', 'post', '/messages', 'ingress.author', { xml: hundFreigabe({ ags: MD, vorgangId: v1, entwurfUuid: draftUuid, author: `ags:${MD}`, reader: 'efa:hund-lsa' }) }),
      forbid('zsa-lsa', 'get', '/mailboxes/fv-15003000-hund/messages', 'mailbox.own'),
      forbid('zsa-lsa', 'get', '/admin/endpoints', 'route.roles'),
      forbid('zsa-lsa', 'get', '/messages?endpoint=fv-15003000-hund', 'list.own'),
      { as: 'zsa-lsa', method: 'get', path: '/mailboxes/zsa-hund/messages', status: 200 },
      { as: 'zsa-lsa', method: 'get', path: '/messages?endpoint=zsa-hund', status: 200 },
    ]);
  });

  it('operator: metadata of every flow, no payload and no changes without a break-glass grant', async () => {
    await expectAll([
      { as: 'betrieb', method: 'get', path: `/messages/${draft}`, status: 200 },
      { as: 'betrieb', method: 'get', path: `/vorgaenge/${v2}`, status: 200 },
      { as: 'betrieb', method: 'get', path: '/messages', status: 200 },
      { as: 'betrieb', method: 'get', path: '/admin/stats', status: 200 },
      { as: 'betrieb', method: 'get', path: '/mailboxes/fv-15003000-hund/messages', status: 200 },
      forbid('betrieb', 'get', `/messages/${draft}/payload`, 'payload.break-glass'),
      forbid('betrieb', 'post', '/admin/break-glass', 'route.roles', { json: { reason: 'I would like to look', messageId: draft, minutes: 5 } }),
      forbid('betrieb', 'post', '/mailboxes/fv-15003000-hund/fetch', 'route.roles'),
      forbid('betrieb', 'post', '/messages', 'route.roles', { xml: hundAnmeldung({ ags: MD }) }),
      forbid('betrieb', 'post', `/messages/${anm1}/replay`, 'route.roles'),
      forbid('betrieb', 'get', '/admin/participants', 'route.roles'),
    ]);
    const detail = await call({ as: 'betrieb', method: 'get', path: `/messages/${draft}` });
    expect(detail.body).to.not.have.property('payload');
  });

  it('operator: reads the payload once an admin recorded a grant, only for what it names', async () => {
    const grant = await call({ as: 'admin', method: 'post', path: '/admin/break-glass', json: { reason: 'Ticket 4711: citizen complaint, check the draft', vorgangId: v1, minutes: 15, grantee: 'betrieb' } });
    expect(grant.status, JSON.stringify(grant.body)).to.equal(201);
    expect(grant.body).to.include({ grantedBy: 'participant:admin', grantee: 'betrieb', vorgangId: v1 });
    await expectAll([
      { as: 'betrieb', method: 'get', path: `/messages/${draft}/payload`, status: 200 },
      { as: 'betrieb', method: 'get', path: `/messages/${anm1}/payload`, status: 200 },
      forbid('betrieb', 'get', `/messages/${anm2}/payload`, 'payload.break-glass'),
      forbid('admin', 'get', `/messages/${anm2}/payload`, 'payload.break-glass'),
    ]);
    const list = await call({ as: 'betrieb', method: 'get', path: '/admin/break-glass' });
    expect(list.body.items[0]).to.include({ id: grant.body.id, active: true });
    const bad = await call({ as: 'admin', method: 'post', path: '/admin/break-glass', json: { reason: 'short', messageId: anm2, minutes: 5 } });
    expect(bad.status).to.equal(400);
  });

  it('admin: routes, delegations, participants (without secrets), replay', async () => {
    await expectAll([
      { as: 'admin', method: 'get', path: '/admin/participants', status: 200 },
      { as: 'admin', method: 'post', path: '/routes/explain', xml: hundAnmeldung({ ags: MD }), status: 200 },
      { as: 'admin', method: 'post', path: '/replay', status: 200 },
      { as: 'admin', method: 'put', path: `/admin/municipalities/${HAL}/delegations/wohngeld`, json: { mode: 'e2e', reason: 'role matrix' }, status: 200 },
      forbid('admin', 'post', '/messages', 'route.roles', { xml: hundAnmeldung({ ags: MD }) }),
    ]);
    const p = await call({ as: 'admin', method: 'get', path: '/admin/participants' });
    expect(JSON.stringify(p.body)).to.not.contain('scrypt$');
    const hist = await call({ as: 'admin', method: 'get', path: `/admin/delegations/history?ags=${HAL}` });
    expect(JSON.stringify(hist.body)).to.contain('participant:admin');
    expect(Object.keys(DEMO_CLIENTS)).to.have.length(7);
  });
});
