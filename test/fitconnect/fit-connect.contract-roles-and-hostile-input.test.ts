import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importJWK, SignJWT, type JWK } from 'jose';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsImport from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import type { Role } from '../../gateway/auth/principal.js';
import { requiredAuthConfig, tokenFor, type DemoClient } from '../auth/oauth-fixture.js';
import { startTestGateway } from '../support/gateway.js';
import { appOf, servedRoutes } from '../support/served-routes.js';
import { signingKeys } from '../crypto/support.js';
import { call, EVENT, HALLE, MAGDEBURG, PROBLEM, send } from './sender.js';

const addFormats = addFormatsImport as unknown as (ajv: Ajv2020) => Ajv2020;
const CLIENT_OF: Record<Role, DemoClient> = { 'efa-service': 'efa-hund-lsa', municipality: 'halle', fachverfahren: 'fv-15003000-hund', zsa: 'zsa-lsa', operator: 'betrieb', admin: 'admin' };
const FIT = '/fit-connect';

/** Magdeburg's subscriber signing key (its public half is the destination's `subscriberSigningKeys`), and a stranger's. */
const MAGDEBURG_SIG = signingKeys('fit-magdeburg-sig');
const STRANGER_SIG = signingKeys('fit-stranger-sig');

/** A subscriber's SET for `caseId`/`submissionId`, signed PS512 with `key` (Magdeburg's own by default). */
async function subscriberSet(caseId: string, submissionId: string, event: string, details: Record<string, unknown> = {}, key: JWK = MAGDEBURG_SIG.privateJwk, issuer = MAGDEBURG): Promise<string> {
  return new SignJWT({ events: { [`${EVENT}${event}`]: details }, txn: `case:${caseId}` })
    .setProtectedHeader({ alg: 'PS512', typ: 'secevent+jwt', kid: key.kid! })
    .setIssuedAt()
    .setJti(randomUUID())
    .setIssuer(issuer)
    .setSubject(`submission:${submissionId}`)
    .sign(await importJWK(key, 'PS512'));
}

/**
 * The FIT-Connect routes as served: the API contract names exactly them; each refuses
 * every role its policy does not name and every caller without a token; hostile input
 * (malformed bodies, wrong media types, other spellings, bad events) gets a problem, never
 * a crash; the ZSA subscribes to a municipality's destination only while it is delegated.
 */
describe('FIT-Connect API: contract, roles and hostile input', function () {
  this.timeout(180_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let base: string;
  const tokens = new Map<DemoClient, string>();
  const token = async (c: DemoClient) => {
    if (!tokens.has(c)) tokens.set(c, await tokenFor(gw.url, c));
    return tokens.get(c)!;
  };

  const keyDir = mkdtempSync(join(tmpdir(), 'zsa-fit-hostile-'));
  before(async () => {
    const cfg = requiredAuthConfig();
    const sigFile = join(keyDir, 'magdeburg-sig.jwk.json');
    writeFileSync(sigFile, JSON.stringify(MAGDEBURG_SIG.publicJwk));
    cfg.fitConnect.destinations = cfg.fitConnect.destinations.map((d) => (d.id === MAGDEBURG ? { ...d, subscriberSigningKeys: [sigFile] } : d));
    gw = await startTestGateway(cfg);
    base = `${gw.url}${FIT}`;
  });
  after(async () => {
    await gw?.stop();
    rmSync(keyDir, { recursive: true, force: true });
  });

  it('serves exactly the FIT-Connect paths and methods of the contract (gateway/api/openapi.yaml)', () => {
    const contract = parseYaml(readFileSync('gateway/api/openapi.yaml', 'utf8')) as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(contract.paths).filter(([path]) => path.startsWith(`${FIT}/`)).flatMap(([path, ops]) => Object.keys(ops).filter((m) => ['get', 'put', 'post', 'patch', 'delete'].includes(m)).map((m) => `${m.toUpperCase()} ${path}`));
    const served = servedRoutes(appOf(gw))
      .filter((r) => r.path.startsWith(`${FIT}/`))
      .map((r) => `${r.method} ${r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
    expect([...new Set(served)].sort()).to.deep.equal([...new Set(documented)].sort());
  });

  it('answers in the shapes of the contract\'s schemas: destination, key, created, submitted, list, event log, problem', async () => {
    const contract = parseYaml(readFileSync('gateway/api/openapi.yaml', 'utf8')) as { components: object };
    const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
    ajv.addSchema({ $id: 'https://zsa-gateway.invalid/fit-connect-fragment', components: contract.components });
    const check = (schema: string, value: unknown) => {
      const validate = ajv.getSchema(`https://zsa-gateway.invalid/fit-connect-fragment#/components/schemas/${schema}`)!;
      expect(validate(value), `${schema}: ${JSON.stringify(validate.errors)}`).to.equal(true);
    };
    const efa = await token('efa-hund-lsa');
    const dest = await call(base, efa, 'GET', `/v1/destinations/${MAGDEBURG}`);
    check('FitConnectDestination', dest.json);
    // reply channels per service (Submission API ≥ 1.3.0) and, deprecated there, for the whole destination
    expect(dest.json.services.map((x: { replyChannels?: object }) => x.replyChannels)).to.deep.equal(dest.json.services.map(() => ({ fitConnect: {} })));
    expect(dest.json.replyChannels).to.deep.equal({ fitConnect: {} });
    check('FitConnectJwk', (await call(base, efa, 'GET', `/v1/destinations/${MAGDEBURG}/keys/${dest.json.encryptionKid}`)).json);
    const form = Buffer.from(readFileSync('mappings/efa-hund-form-to-xzsa/fixtures/magdeburg-ars-sepa.input.json'));
    const sent = await send(base, efa, { form }, MAGDEBURG);
    check('FitConnectSubmissionCreated', sent.created.json);
    check('FitConnectSubmissionCreated', sent.submit!.json);
    check('FitConnectSubmissionsForPickup', (await call(base, await token('magdeburg'), 'GET', `/v1/submissions?destinationId=${MAGDEBURG}`)).json);
    check('FitConnectEventLog', (await call(base, efa, 'GET', `/v1/cases/${sent.caseId}/events`)).json);
    check('FitConnectProblem', (await call(base, efa, 'GET', `/v1/destinations/${randomUUID()}`)).json);
  });

  it('refuses every role its policy does not name (403 route.roles) and callers without a token (401)', async () => {
    const routes = servedRoutes(appOf(gw)).filter((r) => r.path.startsWith(`${FIT}/v1/`));
    expect(routes).to.have.length(15); // 10 of the Submission API (ADR 0027), 4 of the reply channel (ADR 0033), the destination update (ADR 0041)
    const wrong: string[] = [];
    for (const r of routes) {
      const path = r.path.replace(/:([A-Za-z0-9_]+)/g, () => randomUUID()).slice(FIT.length);
      for (const role of (Object.keys(CLIENT_OF) as Role[]).filter((x) => !r.policy!.roles.includes(x))) {
        const res = await call(base, await token(CLIENT_OF[role]), r.method, path);
        if (res.status !== 403 || res.json.rule !== 'route.roles') wrong.push(`${role} ${r.method} ${path}: ${res.status}`);
      }
      const anon = await call(base, undefined, r.method, path);
      if (anon.status !== 401) wrong.push(`anonymous ${r.method} ${path}: ${anon.status}`);
    }
    expect(wrong).to.deep.equal([]);
  });

  it('answers malformed input with problems: bad JSON, wrong media type, not a JWE, other spellings, out-of-range paging', async () => {
    const efa = await token('efa-hund-lsa');
    const badJson = await fetch(`${base}/v1/submissions`, { method: 'POST', headers: { authorization: `Bearer ${efa}`, 'content-type': 'application/json' }, body: '{"destinationId": ' });
    expect(badJson.status).to.equal(400);
    expect(badJson.headers.get('content-type')).to.match(/^application\/problem\+json/);
    const noService = await call(base, efa, 'POST', '/v1/submissions', { destinationId: MAGDEBURG, announcedAttachments: ['not-a-uuid'], publicService: { identifier: 'urn:de:fim:leika:leistung:99102013104000' } });
    expect(noService.status).to.equal(400);
    const many = await call(base, efa, 'POST', '/v1/submissions', { destinationId: MAGDEBURG, announcedAttachments: Array.from({ length: 51 }, () => randomUUID()), publicService: { identifier: 'urn:de:fim:leika:leistung:99102013104000' } });
    expect(many.status).to.equal(413); // server.maxAttachments
    const twice = randomUUID();
    const dup = await call(base, efa, 'POST', '/v1/submissions', { destinationId: MAGDEBURG, announcedAttachments: [twice, twice], publicService: { identifier: 'urn:de:fim:leika:leistung:99102013104000' } });
    expect(dup.status).to.equal(400);
    const aid = randomUUID();
    const created = await call(base, efa, 'POST', '/v1/submissions', { destinationId: MAGDEBURG, announcedAttachments: [aid], publicService: { identifier: 'urn:de:fim:leika:leistung:99102013104000' } });
    expect(created.status).to.equal(201);
    const id = created.json.submissionId as string;
    const octets = await call(base, efa, 'PUT', `/v1/submissions/${id}/attachments/${aid}`, 'eyJhbGciOiJub25lIn0.a.b.c.d', 'application/octet-stream');
    expect(octets.status).to.equal(415);
    const notJwe = await call(base, efa, 'PUT', `/v1/submissions/${id}/attachments/${aid}`, 'hello, world', 'application/jose');
    expect(notJwe.json.type).to.equal(`${PROBLEM}encryption-issue`);
    const unannounced = await call(base, efa, 'PUT', `/v1/submissions/${id}/attachments/${randomUUID()}`, 'eyJ.a.b.c.d', 'application/jose');
    expect(unannounced.json.type).to.equal(`${PROBLEM}attachment-not-announced`);
    const emptySubmit = await call(base, efa, 'PUT', `/v1/submissions/${id}`, {});
    expect(emptySubmit.status).to.equal(422);
    expect(emptySubmit.json.type).to.equal(`${PROBLEM}encryption-issue`);
    for (const spelled of [`/V1/submissions/${id}`, `/v1/Submissions/${id}`, `/v1/submissions/${id}/`, `/v1//submissions/${id}`]) {
      const r = await call(base, efa, 'PUT', spelled, {});
      expect(r.status, spelled).to.equal(404);
    }
    const upper = await call(base, efa, 'GET', `/v1/cases/${created.json.caseId.toUpperCase()}/events`);
    expect(upper.status).to.equal(404);
    const paging = await call(base, efa, 'GET', `/v1/cases/${created.json.caseId}/events?limit=100000`);
    expect(paging.status).to.equal(400);
  });

  it('lets the ZSA subscribe to Magdeburg\'s destination only while Magdeburg delegates Hund, and takes accept/reject SETs of the right shape only', async () => {
    const efa = await token('efa-hund-lsa');
    const form = Buffer.from(readFileSync('mappings/efa-hund-form-to-xzsa/fixtures/magdeburg-ars-sepa.input.json'));
    const sent = await send(base, efa, { form }, MAGDEBURG);
    expect(sent.submit!.status, sent.submit!.text).to.equal(202);
    const zsa = await token('zsa-lsa');
    const listed = await call(base, zsa, 'GET', `/v1/submissions?destinationId=${MAGDEBURG}`);
    expect(listed.status).to.equal(200);
    expect(listed.json.submissions.map((s: { submissionId: string }) => s.submissionId)).to.include(sent.submissionId);
    // Magdeburg has no encryption key configured: a subscriber must have one to fetch
    const magdeburg = await token('magdeburg');
    const noKey = await call(base, magdeburg, 'GET', `/v1/submissions/${sent.submissionId}`);
    expect(noKey.status).to.equal(422);

    const wrongCase = await call(base, magdeburg, 'POST', `/v1/cases/${randomUUID()}/events`, await subscriberSet(sent.caseId!, sent.submissionId!, 'accept-submission'), 'application/jose');
    expect(wrongCase.status).to.equal(404);
    const notASet = await call(base, magdeburg, 'POST', `/v1/cases/${sent.caseId}/events`, 'not.a.set', 'application/jose');
    expect(notASet.json.type).to.equal(`${PROBLEM}event-invalid`);
    const otherEvent = await call(base, magdeburg, 'POST', `/v1/cases/${sent.caseId}/events`, await subscriberSet(sent.caseId!, sent.submissionId!, 'submit-submission'), 'application/jose');
    expect(otherEvent.json.type).to.equal(`${PROBLEM}event-invalid`);
    const noProblems = await call(base, magdeburg, 'POST', `/v1/cases/${sent.caseId}/events`, await subscriberSet(sent.caseId!, sent.submissionId!, 'reject-submission', { problems: [] }), 'application/jose');
    expect(noProblems.json.type).to.equal(`${PROBLEM}event-invalid`);
    // the subscriber's signature is checked: a stranger's key, or Magdeburg's key claiming another destination, is refused
    const stranger = await call(base, magdeburg, 'POST', `/v1/cases/${sent.caseId}/events`, await subscriberSet(sent.caseId!, sent.submissionId!, 'accept-submission', {}, STRANGER_SIG.privateJwk), 'application/jose');
    expect([stranger.status, stranger.json.type], stranger.text).to.deep.equal([422, `${PROBLEM}event-invalid`]);
    const otherIssuer = await call(base, magdeburg, 'POST', `/v1/cases/${sent.caseId}/events`, await subscriberSet(sent.caseId!, sent.submissionId!, 'accept-submission', {}, MAGDEBURG_SIG.privateJwk, '5a1c0e3e-3b0f-4f6a-9a51-150020000001'), 'application/jose');
    expect([otherIssuer.status, otherIssuer.json.type], otherIssuer.text).to.deep.equal([422, `${PROBLEM}event-invalid`]);
    const stillSubmitted = await call(base, zsa, 'GET', `/v1/submissions?destinationId=${MAGDEBURG}`);
    expect(stillSubmitted.json.submissions.map((s: { submissionId: string }) => s.submissionId), 'no refused event changed the submission').to.include(sent.submissionId);

    const admin = await token('admin');
    const off = await fetch(`${gw.url}/api/v1/admin/municipalities/15003000/delegations/hund`, { method: 'PUT', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ mode: 'none', reason: 'test: Magdeburg takes Hund back' }) });
    expect(off.status).to.equal(200);
    // Magdeburg still delegates Wohngeld's completeness check: the ZSA lists the destination, but no Hund submission of it
    const after = await call(base, zsa, 'GET', `/v1/submissions?destinationId=${MAGDEBURG}`);
    expect(after.status).to.equal(200);
    expect(after.json.submissions.map((s: { submissionId: string }) => s.submissionId)).to.not.include(sent.submissionId);
    // totalCount counts what the caller may see: the ZSA's share only, Magdeburg's all (and a page of one says so)
    expect(after.json.totalCount).to.equal(after.json.submissions.length);
    const own = await call(base, magdeburg, 'GET', `/v1/submissions?destinationId=${MAGDEBURG}&limit=1`);
    expect(own.json.count).to.equal(1);
    expect(own.json.totalCount).to.be.greaterThan(after.json.totalCount);
    expect((await call(base, zsa, 'GET', `/v1/submissions?destinationId=5a1c0e3e-3b0f-4f6a-9a51-150020000001`)).status).to.equal(403); // Halle delegates nothing
    expect((await call(base, zsa, 'GET', `/v1/cases/${sent.caseId}/events`)).status).to.equal(404);

    const problem = { type: 'https://schema.fitko.de/fit-connect/events/problems/schema-violation', title: 'Schema-Fehler', detail: 'synthetic', instance: 'data' };
    const reject = await call(base, magdeburg, 'POST', `/v1/cases/${sent.caseId}/events`, await subscriberSet(sent.caseId!, sent.submissionId!, 'reject-submission', { problems: [problem] }), 'application/jose');
    expect(reject.status, reject.text).to.equal(204);
    const log = await call(base, efa, 'GET', `/v1/cases/${sent.caseId}/events`);
    const events = (log.json.eventLog as string[]).map((t) => JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString('utf8')) as { events: Record<string, { problems?: unknown[] }> });
    const rejected = events.find((e) => `${EVENT}reject-submission` in e.events);
    expect(rejected?.events[`${EVENT}reject-submission`]?.problems).to.deep.equal([problem]);
  });

  it('fails closed for a destination without subscriber signing keys: even its own subscriber\'s well-formed SET is refused and nothing changes', async () => {
    const efa = await token('efa-hund-lsa');
    const sent = await send(base, efa, {}, HALLE);
    expect(sent.submit!.status, sent.submit!.text).to.equal(202);
    const halle = await token('halle');
    const set = await subscriberSet(sent.caseId!, sent.submissionId!, 'accept-submission', {}, MAGDEBURG_SIG.privateJwk, HALLE);
    const refused = await call(base, halle, 'POST', `/v1/cases/${sent.caseId}/events`, set, 'application/jose');
    expect([refused.status, refused.json.type], refused.text).to.deep.equal([422, `${PROBLEM}event-invalid`]);
    expect(refused.json.errors?.[0]?.rule ?? refused.text).to.equal('set.no-subscriber-keys');
    const listed = await call(base, halle, 'GET', `/v1/submissions?destinationId=${HALLE}`);
    expect(listed.json.submissions.map((s: { submissionId: string }) => s.submissionId)).to.include(sent.submissionId);
    const log = await call(base, efa, 'GET', `/v1/cases/${sent.caseId}/events`);
    const names = (log.json.eventLog as string[]).map((t) => Object.keys((JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString('utf8')) as { events: object }).events)[0]);
    expect(names).to.not.include(`${EVENT}accept-submission`);
  });
});
