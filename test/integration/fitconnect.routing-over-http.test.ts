import { expect } from 'chai';
import express from 'express';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { problemHandler } from '../../gateway/api/problem.js';
import { SigningKey } from '../../gateway/crypto/signing-key.js';
import { verifyRoute } from '../../gateway/fitconnect/client/verify-route.js';
import { routingApi } from '../../gateway/fitconnect/routing.js';
import { DEST, demoWithFitConnect, fitConnectBlock, LEIKA, rsaJwk, testGatewayWithFitConnect } from '../support/fitconnect-fixture.js';
import { quietLog, startTestGateway, testConfig } from '../support/gateway.js';

const ROUTES = '/fit-connect/routing/v1/routes';

describe('FIT-Connect Routing API over HTTP', function () {
  this.timeout(120_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;

  before(async () => {
    const base = testConfig();
    const routingFile = join(base.store.dataDir, 'routing.jwk.json');
    const encFile = join(base.store.dataDir, 'enc.jwk.json');
    writeFileSync(routingFile, JSON.stringify(rsaJwk('routing-test-1', 'PS512')));
    writeFileSync(encFile, JSON.stringify(rsaJwk('enc-test-1', 'RSA-OAEP-256')));
    // auth.mode required: the routing routes stay public, everything below /api/v1 needs a login
    // Magdeburg's destination decrypts with the configured key enc-test-1 (crypto.jwe.keys), the others with development keys
    const block = fitConnectBlock() as { destinations: Array<Record<string, unknown>> };
    block.destinations[0]!['encryptionKey'] = 'enc-test-1';
    const cfg = testGatewayWithFitConnect(base, block, {
      crypto: { routingSigningKeyFile: routingFile, jwe: { keys: [encFile] } },
      auth: { ...base.auth, mode: 'required' },
    });
    gw = await startTestGateway(cfg);
  });
  after(() => gw?.stop());

  it('answers the responsible destination without login, signed so that a sender written from the client module verifies it', async () => {
    const res = await request(gw.url).get(ROUTES).query({ leikaKey: LEIKA.hundAnmeldung, ars: '150030000000' }).expect(200);
    expect(res.headers['content-type']).to.match(/^application\/json/);
    expect(res.headers['ratelimit-limit']).to.equal('600');
    expect(Number(res.headers['ratelimit-remaining'])).to.be.within(0, 599);
    expect(res.body).to.include({ count: 1, offset: 0, totalCount: 1 });
    const route = res.body.routes[0] as Record<string, unknown>;
    expect(route).to.include({ destinationId: DEST.magdeburgHund, destinationName: 'Landeshauptstadt Magdeburg (Demo)' });
    expect(route.destinationParameters).to.deep.include({ encryptionKid: 'enc-test-1', status: 'active', submissionUrl: `${gw.url}/fit-connect` });
    const jwks = (await request(gw.url).get('/fit-connect/routing/.well-known/jwks.json').expect(200)).body as { keys: { kid: string; d?: string }[] };
    expect(jwks.keys.map((k) => k.kid)).to.deep.equal(['routing-test-1']);
    expect(jwks.keys[0]!.d).to.equal(undefined);
    const v = await verifyRoute(route, { leikaKey: LEIKA.hundAnmeldung, ars: '150030000000' }, { jwks: jwks as never, issuer: `${gw.url}/fit-connect/routing` });
    expect(v.encryptionKey?.kid).to.equal('enc-test-1');
    await request(gw.url).get('/api/v1/messages').expect(401);
  });

  it('answers an unknown service or a place without destination with an empty list, as FIT-Connect does', async () => {
    for (const q of [{ leikaKey: '99000000000000', ars: '150030000000' }, { leikaKey: LEIKA.hundAnmeldung, ags: '15091375' }, { leikaKey: LEIKA.wohngeld, areaId: '150830490490' }]) {
      const res = await request(gw.url).get(ROUTES).query(q).expect(200);
      expect(res.body).to.deep.equal({ count: 0, offset: 0, totalCount: 0, routes: [] });
    }
  });

  it('refuses malformed queries with 400 problem+json naming the parameter, rate-limit headers included', async () => {
    const cases: [string, string][] = [
      [`ars=150030000000`, 'query.leikaKey'],
      [`leikaKey=12345678901234&ars=150030000000`, 'query.leikaKey'],
      [`leikaKey=${LEIKA.hundAnmeldung}`, 'query'],
      [`leikaKey=${LEIKA.hundAnmeldung}&ags=15003000&ars=150030000000`, 'query'],
      [`leikaKey=${LEIKA.hundAnmeldung}&ags=1500300`, 'query.ags'],
      [`leikaKey=${LEIKA.hundAnmeldung}&ars=1500300000`, 'query.ars'],
      [`leikaKey=${LEIKA.hundAnmeldung}&leikaKey=${LEIKA.wohngeld}&ars=150030000000`, 'query.leikaKey'],
      [`leikaKey=${LEIKA.hundAnmeldung}&ars=150030000000&limit=0`, 'query.limit'],
      [`leikaKey=${LEIKA.hundAnmeldung}&ars=150030000000&limit=501`, 'query.limit'],
      [`leikaKey=${LEIKA.hundAnmeldung}&ars=150030000000&offset=-1`, 'query.offset'],
      [`leikaKey=${LEIKA.hundAnmeldung}&ars=150030000000&destinationId=x`, 'query.destinationId'],
      [`leikaKey=${LEIKA.hundAnmeldung}&ars[]=150030000000`, 'query.ars[]'],
    ];
    for (const [q, path] of cases) {
      const res = await request(gw.url).get(`${ROUTES}?${q}`);
      expect(res.status, q).to.equal(400);
      expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
      expect(res.headers['ratelimit-limit']).to.equal('600');
      expect(res.body.code).to.equal('GW_BAD_REQUEST');
      expect((res.body.errors as { path: string }[]).map((e) => e.path), q).to.include(path);
    }
  });

  it('refuses oversized and hostile input without repeating it', async () => {
    const huge = '9'.repeat(5000);
    const res = await request(gw.url).get(`${ROUTES}?leikaKey=${huge}&ars=150030000000`).expect(400);
    // detail and findings name the parameter, not its value (`instance` is the request URL, as on every problem of the gateway)
    expect(JSON.stringify({ ...res.body, instance: undefined })).not.to.contain('99999999999999999999');
    const many = Array.from({ length: 11 }, (_, i) => `areaSearchexpression=Ort${i}`).join('&');
    await request(gw.url).get(`/fit-connect/routing/v1/areas?${many}`).expect(400);
    await request(gw.url).get(`/fit-connect/routing/v1/areas?areaSearchexpression=${'a'.repeat(101)}`).expect(400);
    await request(gw.url).get('/fit-connect/routing/v1/areas?areaSearchexpression=**').expect(400);
    const xss = await request(gw.url).get('/fit-connect/routing/v1/areas').query({ areaSearchexpression: '<script>' }).expect(200);
    expect(xss.body).to.deep.equal({ count: 0, offset: 0, totalCount: 0, areas: [] });
    expect(xss.headers['content-type']).to.match(/^application\/json/);
  });

  it('searches areas, tells its version, and serves nothing else on its paths', async () => {
    const found = await request(gw.url).get('/fit-connect/routing/v1/areas').query({ areaSearchexpression: 'Mag*' }).expect(200);
    expect(found.body).to.deep.equal({ count: 1, offset: 0, totalCount: 1, areas: [{ id: '150030000000', name: 'Landeshauptstadt Magdeburg', type: 'Kreisfreie Stadt' }] });
    const byId = await request(gw.url).get(ROUTES).query({ leikaKey: LEIKA.hundAnmeldung, areaId: found.body.areas[0].id }).expect(200);
    expect(byId.body.routes[0].destinationId).to.equal(DEST.magdeburgHund);
    await request(gw.url).get('/fit-connect/routing/v1/areas?areaSearchexpression=M').expect(400);
    await request(gw.url).get('/fit-connect/routing/v1/areas').expect(400);
    expect((await request(gw.url).get('/fit-connect/routing/v1/info').expect(200)).body).to.deep.equal({ version: { major: 1, minor: 2, patch: 0 } });
    const post = await request(gw.url).post(ROUTES).send({}).expect(405);
    expect(post.headers['allow']).to.equal('GET, HEAD');
    await request(gw.url).get('/fit-connect/routing/v1/nothing').expect(404);
    await request(gw.url).get('/fit-connect/routing/V1/routes').expect(404);
    await request(gw.url).get(`${ROUTES}/`).expect(404);
  });
});

describe('FIT-Connect Routing API limits and switch', function () {
  this.timeout(60_000);

  it('refuses the request over the per-address limit with 429, Retry-After and RateLimit headers', async () => {
    const cfg = demoWithFitConnect();
    const app = express();
    const signingKey = new SigningKey('unused', false);
    app.use('/fit-connect/routing', routingApi({ cfg, signingKey, publicBaseUrl: () => 'https://gateway.zsa.example', technical: async () => undefined, limit: { limit: 2, windowMs: 3_600_000, maxKeys: 10 } }));
    app.use(problemHandler(quietLog()));
    await request(app).get('/fit-connect/routing/v1/info').expect(200);
    await request(app).get('/fit-connect/routing/v1/info').expect(200);
    const res = await request(app).get('/fit-connect/routing/v1/info').expect(429);
    expect(res.body.code).to.equal('GW_RATE_LIMITED');
    expect(Number(res.headers['retry-after'])).to.be.greaterThan(0);
    expect(res.headers['ratelimit-remaining']).to.equal('0');
  });

  it('serves no Routing API when fitConnect.enabled is false', async () => {
    const base = testConfig();
    const gw = await startTestGateway(testGatewayWithFitConnect(base, { ...fitConnectBlock(), enabled: false }));
    try {
      await request(gw.url).get(ROUTES).query({ leikaKey: LEIKA.hundAnmeldung, ars: '150030000000' }).expect(404);
    } finally {
      await gw.stop();
    }
  });
});
