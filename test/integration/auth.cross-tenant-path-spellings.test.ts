import { expect } from 'chai';
import request from 'supertest';
import { requiredAuthConfig, tokenFor, type DemoClient } from '../auth/oauth-fixture.js';
import { startTestGateway, waitFor } from '../support/gateway.js';
import { hundAnmeldung, hundSteuerfestsetzung } from '../support/xzsa-fixtures.js';

const MD = '15003000'; // Magdeburg: Hund delegated to the ZSA
const uuidOf = (xml: string) => /<xzsab:nachrichtenUUID>([^<]+)</.exec(xml)![1]!;
const vorgangOf = (xml: string) => /<xzsab:vorgangsID>([^<]+)</.exec(xml)![1]!;

interface Attempt {
  as: DemoClient;
  method: 'get' | 'post' | 'put' | 'head';
  /** Sent verbatim (supertest does not normalise the path). */
  path: string;
  status: number;
  code?: string;
  rule?: string;
  headers?: Record<string, string>;
  json?: object;
}

/**
 * An attacker with a valid token of another tenant (Halle, the EfA service, the ZSA, an
 * operator without a grant) tries the spellings the outside review found — case, trailing
 * and doubled slashes, `;` parameters, encoded letters and slashes, method overrides — on
 * Magdeburg's payloads, mailbox, Vorgang, the admin routes and break-glass grants. Each is
 * 404 from routing, 405, or the 403 of the route's own policy; nothing is read or changed.
 */
describe('auth: another tenant\'s valid token and other spellings of the path get nothing', function () {
  this.timeout(60_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  const tokens = new Map<string, string>();
  let draft: string;
  let v1: string;

  async function send(a: Omit<Attempt, 'status'>) {
    if (!tokens.has(a.as)) tokens.set(a.as, await tokenFor(gw.url, a.as));
    let r = request(gw.url)[a.method](a.path).set('authorization', `Bearer ${tokens.get(a.as)!}`);
    for (const [k, v] of Object.entries(a.headers ?? {})) r = r.set(k, v);
    return a.json ? r.send(a.json) : r;
  }
  async function expectAll(attempts: Attempt[]) {
    const wrong: string[] = [];
    for (const a of attempts) {
      const res = await send(a);
      const what = `${a.as} ${a.method.toUpperCase()} ${a.path}${a.headers ? ` ${JSON.stringify(a.headers)}` : ''}`;
      if (res.status !== a.status || (a.code && res.body.code !== a.code) || (a.rule && res.body.rule !== a.rule)) wrong.push(`${what}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      if (res.text?.includes('xzsa')) wrong.push(`${what}: the answer carries message content`);
    }
    expect(wrong).to.deep.equal([]);
  }
  const notFound = (as: DemoClient, method: Attempt['method'], path: string, extra: Partial<Attempt> = {}): Attempt => ({ as, method, path, status: 404, ...(method === 'head' ? {} : { code: 'GW_NOT_FOUND' }), ...extra });

  before(async () => {
    gw = await startTestGateway(requiredAuthConfig());
    const a1 = hundAnmeldung({ ags: MD });
    v1 = vorgangOf(a1);
    const efa = await tokenFor(gw.url, 'efa-hund-lsa');
    const r1 = await request(gw.url).post('/api/v1/messages').set('authorization', `Bearer ${efa}`).set('content-type', 'application/xml').send(a1);
    expect(r1.status, JSON.stringify(r1.body)).to.equal(202);
    const d = hundSteuerfestsetzung({ ags: MD, vorgangId: v1, anmeldungUuid: uuidOf(a1), author: 'zsa:lsa', reader: `ags:${MD}` });
    const zsa = await tokenFor(gw.url, 'zsa-lsa');
    const r2 = await request(gw.url).post('/api/v1/messages').set('authorization', `Bearer ${zsa}`).set('content-type', 'application/xml').send(d);
    expect(r2.status, JSON.stringify(r2.body)).to.equal(202);
    draft = r2.body.gatewayId;
    await waitFor('draft in Magdeburg\'s mailbox', async () => ((await gw.services.store.getMessage(draft))?.state === 'in_mailbox' ? true : undefined));
  });
  after(() => gw?.stop());

  it('Halle: Magdeburg\'s payload, Vorgang and mailbox under other spellings are no route; the exact spelling is 403', async () => {
    const p = `/api/v1/messages/${draft}/payload`;
    await expectAll([
      notFound('halle', 'get', `/api/v1/Messages/${draft}/Payload`),
      notFound('halle', 'get', `/api/v1/messages/${draft}/PAYLOAD`),
      notFound('halle', 'get', `${p}/`),
      notFound('halle', 'get', `/api/v1/messages/${draft}//payload`),
      notFound('halle', 'get', `/api/v1//messages/${draft}/payload`),
      notFound('halle', 'get', `${p};jsessionid=1`),
      notFound('halle', 'get', `/api/v1/messages/${draft}/%70ayload`),
      notFound('halle', 'get', `/api/v1/messages/${draft}/pay%6Coad`),
      notFound('halle', 'get', `/api/v1/messages/${draft}/./payload`),
      notFound('halle', 'get', `/API/V1/messages/${draft}/payload`),
      notFound('halle', 'head', `/api/v1/Messages/${draft}/Payload`),
      // the id is `<draft>/payload`: the message route and its policy, no such message
      notFound('halle', 'get', `/api/v1/messages/${draft}%2Fpayload`),
      { as: 'halle', method: 'get', path: p, status: 403, code: 'GW_FORBIDDEN', rule: 'message.own' },
      { as: 'halle', method: 'head', path: p, status: 403 },
      notFound('halle', 'get', `/api/v1/Vorgaenge/${v1}`),
      notFound('halle', 'get', `/api/v1/vorgaenge/${v1}/`),
      { as: 'halle', method: 'get', path: `/api/v1/vorgaenge/${v1}`, status: 403, rule: 'vorgang.party' },
      notFound('halle', 'post', '/api/v1/Mailboxes/fv-15003000-hund/fetch'),
      notFound('halle', 'post', '/api/v1/mailboxes/fv-15003000-hund/fetch/'),
      notFound('halle', 'post', '/api/v1/mailboxes/fv-15003000-hund/Fetch'),
      notFound('halle', 'get', '/api/v1/mailboxes/fv-15003000-hund/Messages'),
      { as: 'halle', method: 'post', path: '/api/v1/mailboxes/fv-15003000-hund/fetch', status: 403, rule: 'mailbox.own' },
    ]);
    // nothing was leased out of Magdeburg's mailbox
    expect((await gw.services.store.getMessage(draft))?.state).to.equal('in_mailbox');
    const magdeburg = await send({ as: 'magdeburg', method: 'post', path: '/api/v1/mailboxes/fv-15003000-hund/fetch' });
    expect(magdeburg.status).to.equal(200);
    expect(magdeburg.headers['x-gateway-id']).to.equal(draft);
  });

  it('Halle, the EfA service and the ZSA: admin routes and break-glass grants under other spellings are no route', async () => {
    const grant = { reason: 'spelling attack on break-glass', messageId: draft, minutes: 5 };
    await expectAll([
      notFound('halle', 'get', '/api/v1/ADMIN/participants'),
      notFound('halle', 'get', '/api/v1/Admin/Participants'),
      notFound('halle', 'get', '/api/v1/%61dmin/participants'),
      notFound('halle', 'get', '/api/v1/admin%2Fparticipants'),
      notFound('halle', 'get', '/api/v1/adm%C4%B0n/stats'),
      notFound('halle', 'get', '/api/v1/admin/%C5%BFtats'),
      notFound('efa-hund-lsa', 'get', '/api/v1/admin/stats/'),
      notFound('zsa-lsa', 'get', '/api/v1/admin/endpoints;x=1'),
      notFound('halle', 'post', '/api/v1/ADMIN/break-glass', { json: grant }),
      notFound('halle', 'post', '/api/v1/admin/Break-Glass', { json: grant }),
      notFound('halle', 'post', '/api/v1/admin/break-glass/', { json: grant }),
      notFound('efa-hund-lsa', 'put', `/api/v1/Admin/municipalities/${MD}/delegations/hund`, { json: { mode: 'none', reason: 'spelling attack' } }),
      notFound('zsa-lsa', 'put', `/api/v1/admin/municipalities/${MD}/Delegations/hund`, { json: { mode: 'none', reason: 'spelling attack' } }),
      // overrides change nothing: the request line's method is the method
      { as: 'halle', method: 'post', path: '/api/v1/admin/break-glass', headers: { 'x-http-method-override': 'GET' }, json: grant, status: 403, rule: 'route.roles' },
      { as: 'halle', method: 'get', path: '/api/v1/admin/break-glass?_method=POST', headers: { 'x-http-method-override': 'POST' }, status: 403, rule: 'route.roles' },
      { as: 'halle', method: 'post', path: `/api/v1/messages/${draft}/payload`, headers: { 'x-http-method-override': 'GET' }, status: 405, code: 'GW_METHOD_NOT_ALLOWED' },
      { as: 'halle', method: 'put', path: '/api/v1/admin/participants', status: 405, code: 'GW_METHOD_NOT_ALLOWED' },
    ]);
    const admin = await send({ as: 'admin', method: 'get', path: '/api/v1/admin/break-glass' });
    expect(admin.body.items).to.deep.equal([]);
    const history = await send({ as: 'admin', method: 'get', path: `/api/v1/admin/delegations/history?ags=${MD}` });
    expect(history.body.items).to.deep.equal([]);
  });

  it('an operator without a grant: the payload under other spellings is no route; the exact spelling needs break-glass', async () => {
    await expectAll([
      notFound('betrieb', 'get', `/api/v1/messages/${draft}/Payload`),
      notFound('betrieb', 'get', `/api/v1/messages/${draft}/payload/`),
      { as: 'betrieb', method: 'get', path: `/api/v1/messages/${draft}/payload`, status: 403, rule: 'payload.break-glass' },
    ]);
  });

  it('undecodable percent-encoding in a path parameter is 400 naming the parameter, never 500', async () => {
    for (const [method, path, param] of [
      ['get', '/api/v1/messages/%E0%A4%A', 'params.id'],
      ['get', '/api/v1/messages/%zz/payload', 'params.id'],
      ['get', '/api/v1/vorgaenge/%', 'params.id'],
      ['get', '/api/v1/mailboxes/%C0%AE/messages', 'params.mailbox'],
      ['post', '/api/v1/mailboxes/fv-15002000-hund/messages/%ED%A0%80/ack', 'params.item'],
      ['put', `/api/v1/admin/municipalities/${MD}/delegations/%FF`, 'params.service'],
    ] as const) {
      const res = await send({ as: 'halle', method, path });
      expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).to.equal(400);
      expect(res.body.code).to.equal('GW_BAD_REQUEST');
      expect(res.body.errors[0].path, path).to.equal(param);
      expect(res.body.detail).to.not.contain('%');
    }
  });
});
