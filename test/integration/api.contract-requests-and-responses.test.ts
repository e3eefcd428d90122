import { expect } from 'chai';
import { createHash } from 'node:crypto';
import request from 'supertest';
import { answerChecker, Contract } from '../../gateway/api/contract.js';
import { DEMO_CLIENTS, requiredAuthConfig, tokenFor } from '../auth/oauth-fixture.js';
import { startTestGateway, testConfig, waitFor } from '../support/gateway.js';
import { hundAnmeldung } from '../support/xzsa-fixtures.js';

const MAGDEBURG = '15003000'; // hund delegated → zsa-hund (pull mailbox)
const HALLE = '15002000'; // hund not delegated → fv-15002000-hund (pull mailbox in the demo)
const PERSON = 'Erika Mustermann'; // stands for citizen data a hostile or careless client puts in a parameter

type Answer = { status: number; headers: Record<string, string | undefined>; text: string; body: unknown };

/**
 * Real answers of the running gateway, one or more per operation of the contract, each
 * checked against gateway/api/openapi.yaml: a documented status, one of its media types, and
 * a body that matches its schema (our answers are closed objects, so an undocumented member
 * fails too). And the request side: what the contract refuses is a 400 GW_BAD_REQUEST naming
 * where (`query.limit`, `params.item`, `/minutes`), in our problem format, never quoting
 * the value; authentication and the route's policy answer before any validation.
 */
describe('api: requests are checked against the contract, answers keep it', function () {
  this.timeout(60_000);
  const contract = Contract.load();
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  const seen = new Set<string>();
  const problems: string[] = [];

  /** Records an answer of `METHOD template` and what the contract says about it. */
  function keep(method: string, template: string, res: Answer): Answer {
    seen.add(`${method} ${template}`);
    const text = res.text ?? '';
    problems.push(...contract.responseProblems(method, template, res.status, res.headers['content-type'], text));
    return res;
  }
  const call = async (method: 'get' | 'post' | 'put', template: string, path: string, build?: (r: request.Test) => request.Test): Promise<Answer> => {
    const r = request(gw.url)[method](path);
    return keep(method.toUpperCase(), template, (await (build ? build(r) : r)) as unknown as Answer);
  };
  const xml = (r: request.Test, body: string) => r.set('content-type', 'application/xml').send(body);

  before(async () => {
    gw = await startTestGateway(testConfig());
  });
  after(() => gw?.stop());

  it('answers every operation within the contract (statuses, media types, bodies)', async () => {
    await call('get', '/health', '/health');
    await call('get', '/ready', '/ready');
    await call('get', '/.well-known/jwks.json', '/.well-known/jwks.json');
    await call('get', '/api/openapi.yaml', '/api/openapi.yaml');
    await call('get', '/api/docs', '/api/docs');
    await call('get', '/api/docs/{asset}', '/api/docs/init.js');
    await call('get', '/api/docs/{asset}', '/api/docs/swagger-ui.css');
    await call('get', '/api/docs/{asset}', '/api/docs/nothing-here.js');

    await call('post', '/token', '/token', (r) => r.type('form').send({ grant_type: 'client_credentials', client_id: 'halle', client_secret: DEMO_CLIENTS.halle }));
    await call('post', '/token', '/token', (r) => r.type('form').send({ grant_type: 'password', client_id: 'halle', client_secret: DEMO_CLIENTS.halle }));
    await call('post', '/token', '/token', (r) => r.type('form').send({ grant_type: 'client_credentials', client_id: 'halle', client_secret: 'not-the-secret' }));

    const anmeldung = hundAnmeldung({ ags: MAGDEBURG });
    const created = await call('post', '/api/v1/messages', '/api/v1/messages', (r) => xml(r, anmeldung));
    expect(created.status).to.equal(202);
    const id = (created.body as { gatewayId: string }).gatewayId;
    expect((await call('post', '/api/v1/messages', '/api/v1/messages', (r) => xml(r, anmeldung))).status).to.equal(200);
    expect((await call('post', '/api/v1/messages', '/api/v1/messages', (r) => xml(r, '<nicht-wohlgeformt'))).status).to.equal(400);
    expect((await call('post', '/api/v1/messages', '/api/v1/messages', (r) => r.set('content-type', 'text/plain').send('x'))).status).to.equal(415);
    const halle = await call('post', '/api/v1/messages', '/api/v1/messages', (r) => xml(r, hundAnmeldung({ ags: HALLE })));
    const other = (halle.body as { gatewayId: string }).gatewayId;
    await waitFor('the message in its mailbox', async () => ((await gw.services.store.getMessage(id))?.state === 'in_mailbox' ? true : undefined));

    await call('get', '/api/v1/messages', '/api/v1/messages');
    await call('get', '/api/v1/messages', '/api/v1/messages?limit=0');
    await call('get', '/api/v1/messages/{id}', `/api/v1/messages/${id}`);
    await call('get', '/api/v1/messages/{id}', '/api/v1/messages/00000000-0000-4000-8000-000000000000');
    await call('get', '/api/v1/messages/{id}/payload', `/api/v1/messages/${id}/payload`);
    await call('get', '/api/v1/messages/{id}/forms', `/api/v1/messages/${id}/forms`);
    await call('get', '/api/v1/messages/{id}/forms/{name}', `/api/v1/messages/${id}/forms/original`);
    const receipt = await call('get', '/api/v1/messages/{id}/receipt', `/api/v1/messages/${id}/receipt`);
    expect(receipt.status).to.equal(200);
    await call('get', '/api/v1/messages/{id}/events', `/api/v1/messages/${id}/events`);
    const vorgang = (await gw.services.store.getMessage(id))!.vorgangId;
    await call('get', '/api/v1/vorgaenge/{id}', `/api/v1/vorgaenge/${encodeURIComponent(vorgang)}`);
    // service figures, usage and proof of delivery (ADR 0031): JSON, CSV, HTML, PDF
    await call('get', '/api/v1/reports/figures', '/api/v1/reports/figures?month=2026-11');
    await call('get', '/api/v1/reports/figures', '/api/v1/reports/figures?month=2026-11&format=csv');
    await call('get', '/api/v1/reports/usage', '/api/v1/reports/usage?month=2026-11');
    await call('get', '/api/v1/messages/{id}/proof', `/api/v1/messages/${id}/proof`);
    await call('get', '/api/v1/messages/{id}/proof', `/api/v1/messages/${id}/proof?format=html`);
    await call('get', '/api/v1/vorgaenge/{id}/proof', `/api/v1/vorgaenge/${encodeURIComponent(vorgang)}/proof?format=pdf`);
    await call('get', '/api/v1/rejections', '/api/v1/rejections');
    await call('post', '/api/v1/routes/explain', '/api/v1/routes/explain', (r) => xml(r, hundAnmeldung({ ags: HALLE })));

    const bytes = Buffer.from('%PDF-1.4 synthetic evidence for the contract test\n');
    const up = await call('post', '/api/v1/attachments', '/api/v1/attachments', (r) => r.set('content-type', 'application/pdf').send(bytes));
    expect((up.body as { sha512: string }).sha512).to.equal(createHash('sha512').update(bytes).digest('hex'));
    await call('get', '/api/v1/attachments/{sha512}', `/api/v1/attachments/${(up.body as { sha512: string }).sha512}`);

    await call('get', '/api/v1/mailboxes/{mailbox}/messages', '/api/v1/mailboxes/zsa-hund/messages');
    const fetched = await call('post', '/api/v1/mailboxes/{mailbox}/fetch', '/api/v1/mailboxes/zsa-hund/fetch');
    expect(fetched.status).to.equal(200);
    const item = fetched.headers['x-mailbox-item']!;
    await call('post', '/api/v1/mailboxes/{mailbox}/messages/{item}/ack', `/api/v1/mailboxes/zsa-hund/messages/${item}/ack`, (r) => r.send({ leaseToken: fetched.headers['x-lease-token'] }));
    await call('post', '/api/v1/mailboxes/{mailbox}/messages/{item}/ack', `/api/v1/mailboxes/zsa-hund/messages/${item}/ack`, (r) => r.send({ leaseToken: 'expired-or-foreign' }));
    expect((await call('post', '/api/v1/mailboxes/{mailbox}/fetch', '/api/v1/mailboxes/zsa-hund/fetch')).status).to.equal(204);

    await call('post', '/api/v1/messages/{id}/replay', `/api/v1/messages/${other}/replay`);
    await call('post', '/api/v1/replay', '/api/v1/replay');
    await call('get', '/api/v1/admin/municipalities', '/api/v1/admin/municipalities');
    await call('get', '/api/v1/admin/endpoints', '/api/v1/admin/endpoints');
    await call('get', '/api/v1/admin/stats', '/api/v1/admin/stats');
    await call('get', '/api/v1/admin/participants', '/api/v1/admin/participants');
    await call('post', '/api/v1/admin/break-glass', '/api/v1/admin/break-glass', (r) => r.send({ reason: 'synthetic incident for the contract test', messageId: id, minutes: 5 }));
    await call('get', '/api/v1/admin/break-glass', '/api/v1/admin/break-glass');
    await call('put', '/api/v1/admin/municipalities/{ags}/delegations/{service}', `/api/v1/admin/municipalities/${HALLE}/delegations/hund`, (r) => r.send({ mode: 'e2e', reason: 'contract test' }));
    await call('put', '/api/v1/admin/municipalities/{ags}/delegations/{service}', '/api/v1/admin/municipalities/15999999/delegations/hund', (r) => r.send({ mode: 'e2e' }));
    await call('get', '/api/v1/admin/delegations/history', '/api/v1/admin/delegations/history');

    // monitoring (ADR 0029): the Prometheus text and the alert list
    await call('get', '/metrics', '/metrics');
    await call('get', '/api/v1/alerts', '/api/v1/alerts');
    // the public FIT-Connect routes (ADR 0027, 0028); the Submission API below /fit-connect/v1 needs a sender's
    // encryption flow: test/fitconnect/fit-connect.contract-roles-and-hostile-input.test.ts checks its answers against these schemas
    await call('get', '/fit-connect/routing/v1/routes', `/fit-connect/routing/v1/routes?leikaKey=99102013104000&ags=${MAGDEBURG}`);
    await call('get', '/fit-connect/routing/v1/areas', '/fit-connect/routing/v1/areas?areaSearchexpression=Magde*');
    await call('get', '/fit-connect/routing/v1/info', '/fit-connect/routing/v1/info');
    await call('get', '/fit-connect/routing/.well-known/jwks.json', '/fit-connect/routing/.well-known/jwks.json');
    await call('get', '/fit-connect/.well-known/jwks.json', '/fit-connect/.well-known/jwks.json');

    // the XTA 2 web service (ADR 0040): the WSDL, and each port answering a SOAP 1.2 request — here a body that is
    // no SOAP envelope, so each answers its SOAP fault (test/integration/xta.web-service-over-mtls.test.ts drives the operations)
    expect((await call('get', '/xta', '/xta?wsdl')).status).to.equal(200);
    for (const port of ['transport-base', 'sender', 'recipient']) {
      const fault = await call('post', `/xta/${port}`, `/xta/${port}`, (r) => r.set('content-type', 'application/soap+xml; charset=utf-8').send('<kein-soap/>'));
      expect(fault.status, fault.text).to.be.oneOf([400, 500]);
      expect(fault.headers['content-type']).to.match(/^application\/soap\+xml/);
    }

    expect(problems, 'answers outside the contract').to.deep.equal([]);
    const untried = contract.operations().map((o) => `${o.method} ${o.path}`).filter((k) => !seen.has(k) && !k.includes(' /fit-connect/v1/'));
    expect(untried, 'operations this test did not call').to.deep.equal([]);
  });

  it('notices an answer outside the contract (guards the check above)', () => {
    expect(contract.responseProblems('GET', '/health', 200, 'application/json', '{"status":"ok","extra":1}').join()).to.match(/additional/);
    expect(contract.responseProblems('GET', '/health', 418, 'application/json', '{}').join()).to.match(/does not list/);
    expect(contract.responseProblems('GET', '/api/v1/admin/stats', 200, 'text/html', '').join()).to.match(/the contract has application\/json/);
    expect(contract.responseProblems('GET', '/api/v1/messages/{id}/receipt', 200, 'application/secevent+jwt', 'not a token').join()).to.match(/pattern/);
    // the run-time check every in-process test gateway runs on `reply` (test/support/gateway.ts)
    expect(() => answerChecker(contract)('listMessages', 200, { items: [{ id: 'x' }] })).to.throw(/outside the API contract.*required property/);
    expect(() => answerChecker(contract)('health', 200, { status: 'ok' })).to.not.throw();
  });

  const refusal = (res: Answer) => res.body as { code: string; status: number; detail: string; errors: Array<{ path: string; layer?: string; rule?: string }> };

  it('refuses query and path parameters outside the contract with 400 GW_BAD_REQUEST naming each, in problem+json', async () => {
    const cases: Array<[string, string, string]> = [
      ['get', '/api/v1/messages?limit=0', 'query.limit'],
      ['get', '/api/v1/messages?limit=12abc', 'query.limit'],
      ['get', '/api/v1/messages?limit=1&limit=2', 'query.limit'],
      ['get', '/api/v1/messages?before=-1', 'query.before'],
      ['get', '/api/v1/rejections?limit=1001', 'query.limit'],
      ['get', '/api/v1/mailboxes/zsa-hund/messages?limit=501', 'query.limit'],
      ['post', '/api/v1/mailboxes/zsa-hund/fetch?item=eins', 'query.item'],
      ['post', '/api/v1/mailboxes/zsa-hund/messages/eins/ack', 'params.item'],
    ];
    for (const [method, path, where] of cases) {
      const res = (await request(gw.url)[method as 'get'](path)) as unknown as Answer;
      expect(res.status, path).to.equal(400);
      expect(res.headers['content-type'], path).to.match(/^application\/problem\+json/);
      expect(refusal(res).code, path).to.equal('GW_BAD_REQUEST');
      expect(refusal(res).errors.map((e) => e.path), path).to.include(where);
      expect(refusal(res).errors.every((e) => e.layer === 'contract'), path).to.equal(true);
    }
  });

  it('refuses a JSON body outside the contract naming every member at fault, and never quotes a value', async () => {
    const res = (await request(gw.url).post('/api/v1/admin/break-glass').send({ minutes: PERSON, messageId: 7 })) as unknown as Answer;
    expect(res.status).to.equal(400);
    expect(refusal(res).code).to.equal('GW_BAD_REQUEST');
    expect(refusal(res).errors.map((e) => e.path)).to.include.members(['/reason', '/minutes', '/messageId']);
    expect(res.text).to.not.contain('Erika');
    const arr = (await request(gw.url).put(`/api/v1/admin/municipalities/${HALLE}/delegations/hund`).send([PERSON])) as unknown as Answer;
    expect(arr.status).to.equal(400);
    expect(refusal(arr).errors[0]!.path).to.equal('/');
    expect(arr.text).to.not.contain('Erika');
  });

  it('never quotes a refused parameter value (an enum names the allowed values, not the sent one)', async () => {
    const res = (await request(gw.url).get(`/api/v1/messages?state=${encodeURIComponent(`${PERSON} <script>`)}`)) as unknown as Answer;
    expect(res.status).to.equal(400);
    expect(refusal(res).errors[0]).to.include({ path: 'query.state', rule: 'enum' });
    // `instance` is the request's own URL (RFC 9457), so only what the gateway says about it counts
    const said = JSON.stringify({ detail: refusal(res).detail, errors: refusal(res).errors });
    expect(said).to.not.contain('Erika').and.not.contain('<script>');
    expect(refusal(res).detail).to.contain('received');
  });

  it('keeps serving after refused requests; an empty query value counts as absent, as before the contract', async () => {
    expect((await request(gw.url).get('/api/v1/messages?limit=1')).status).to.equal(200);
    expect((await request(gw.url).get('/api/v1/messages?limit=&state=')).status).to.equal(200);
  });
});

describe('api: authentication and the route policy answer before the contract check', function () {
  this.timeout(60_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  before(async () => {
    gw = await startTestGateway(requiredAuthConfig());
  });
  after(() => gw?.stop());

  it('401 without credentials and 403 for a role the route does not admit, even with parameters the contract refuses', async () => {
    expect((await request(gw.url).get('/api/v1/rejections?limit=0')).status).to.equal(401);
    const halle = await tokenFor(gw.url, 'halle');
    const forbidden = await request(gw.url).get('/api/v1/rejections?limit=0').set('authorization', `Bearer ${halle}`);
    expect(forbidden.status).to.equal(403);
    expect(forbidden.body.rule).to.equal('route.roles');
    const operator = await tokenFor(gw.url, 'betrieb');
    const bad = await request(gw.url).get('/api/v1/rejections?limit=0').set('authorization', `Bearer ${operator}`);
    expect(bad.status).to.equal(400);
    expect(bad.body.errors[0].path).to.equal('query.limit');
  });
});
