import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import request from 'supertest';
import { startTestGateway } from '../support/gateway.js';
import { requiredAuthConfig, tokenFor } from '../auth/oauth-fixture.js';

/** OAuth2 client credentials at POST /token, and the checks every Bearer token passes on /api/v1. */
describe('auth: token endpoint and access-token checks', function () {
  this.timeout(60_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  before(async () => {
    gw = await startTestGateway(requiredAuthConfig());
  });
  after(() => gw?.stop());

  const form = (body: Record<string, string>) => request(gw.url).post('/token').type('form').send(body);
  const api = (token: string) => request(gw.url).get('/api/v1/admin/stats').set('authorization', `Bearer ${token}`);

  describe('POST /token', () => {
    it('issues a short-lived ES256 Bearer token for good client credentials', async () => {
      const res = await form({ grant_type: 'client_credentials', client_id: 'betrieb', client_secret: 'demo-operator-secret' });
      expect(res.status).to.equal(200);
      expect(res.headers['cache-control']).to.equal('no-store');
      expect(res.body).to.include({ token_type: 'Bearer', expires_in: 300, scope: 'operator operator:read' }); // without `scope`, every scope registered for the client (gateway/config/demo.yaml)
      const [header, payload] = (res.body.access_token as string).split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>);
      expect(header).to.include({ alg: 'ES256', typ: 'at+jwt' });
      expect(payload).to.include({ iss: 'urn:zsa-gateway', aud: 'urn:zsa-gateway:api', sub: 'betrieb', client_id: 'betrieb' });
      expect((payload!['exp'] as number) - (payload!['iat'] as number)).to.equal(300);
      expect((await api(res.body.access_token)).status).to.equal(200);
    });

    it('answers only at the exact path /token (other spellings are no token endpoint)', async () => {
      for (const path of ['/TOKEN', '/Token', '/token/', '//token', '/token;x']) {
        const res = await request(gw.url).post(path).type('form').send({ grant_type: 'client_credentials', client_id: 'betrieb', client_secret: 'demo-operator-secret' });
        expect(res.status, path).to.equal(404);
        expect(res.body.access_token, path).to.equal(undefined);
      }
    });

    it('accepts the client credentials as HTTP Basic', async () => {
      const res = await request(gw.url).post('/token').auth('admin', 'demo-admin-secret').type('form').send({ grant_type: 'client_credentials' });
      expect(res.status).to.equal(200);
      expect(res.body.scope).to.equal('admin');
    });

    it('refuses a wrong secret and an unknown client with invalid_client 401', async () => {
      for (const [id, secret] of [['betrieb', 'wrong'], ['nobody', 'demo-operator-secret']]) {
        const res = await form({ grant_type: 'client_credentials', client_id: id!, client_secret: secret! });
        expect(res.status).to.equal(401);
        expect(res.body.error).to.equal('invalid_client');
        expect(res.headers['www-authenticate']).to.match(/^Basic/);
      }
      const basic = await request(gw.url).post('/token').auth('admin', 'nope').type('form').send({ grant_type: 'client_credentials' });
      expect(basic.status).to.equal(401);
    });

    it('refuses other grants, foreign scopes and malformed requests with 400 OAuth2 errors', async () => {
      const creds = { client_id: 'magdeburg', client_secret: 'demo-magdeburg-secret' };
      const cases: Array<[Record<string, string>, string]> = [
        [{ ...creds, grant_type: 'password' }, 'unsupported_grant_type'],
        [{ ...creds, grant_type: 'authorization_code' }, 'unsupported_grant_type'],
        [{ ...creds }, 'invalid_request'],
        [{ ...creds, grant_type: 'client_credentials', scope: 'admin' }, 'invalid_scope'],
        [{ ...creds, grant_type: 'client_credentials', scope: 'municipality operator' }, 'invalid_scope'],
      ];
      for (const [body, error] of cases) {
        const res = await form(body);
        expect(res.status, JSON.stringify(body)).to.equal(400);
        expect(res.body.error).to.equal(error);
      }
      const json = await request(gw.url).post('/token').send({ grant_type: 'client_credentials', ...creds });
      expect(json.status).to.equal(400);
      expect(json.body.error).to.equal('invalid_request');
      const both = await request(gw.url).post('/token').auth('magdeburg', 'demo-magdeburg-secret').type('form').send({ grant_type: 'client_credentials', ...creds });
      expect(both.body.error).to.equal('invalid_request');
    });

    it('issues a narrower registered scope on request', async () => {
      const res = await form({ grant_type: 'client_credentials', client_id: 'magdeburg', client_secret: 'demo-magdeburg-secret', scope: 'municipality:read' });
      expect(res.status).to.equal(200);
      expect(res.body.scope).to.equal('municipality:read');
    });
  });

  describe('Bearer tokens on /api/v1', () => {
    const tokenKey = async () => {
      await tokenFor(gw.url, 'admin'); // the key exists after the first token
      const jwk = JSON.parse(readFileSync(join(gw.services.cfg.store.dataDir, 'keys', 'gateway-token.private.jwk.json'), 'utf8')) as JWK;
      return { key: await importJWK(jwk, 'ES256'), kid: jwk.kid! };
    };
    const claims = { client_id: 'admin', scope: 'admin' };
    const now = () => Math.floor(Date.now() / 1000);
    const sign = (key: Parameters<SignJWT['sign']>[0], kid: string, o: { aud?: string; iat?: number; exp?: number; nbf?: number } = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid })
        .setIssuer('urn:zsa-gateway')
        .setAudience(o.aud ?? 'urn:zsa-gateway:api')
        .setSubject('admin')
        .setJti('t-1')
        .setIssuedAt(o.iat ?? now())
        .setNotBefore(o.nbf ?? now())
        .setExpirationTime(o.exp ?? now() + 300)
        .sign(key);

    async function refused(token: string, reason: string) {
      const res = await api(token);
      expect(res.status, JSON.stringify(res.body)).to.equal(401);
      expect(res.headers['content-type']).to.match(/problem\+json/);
      expect(res.body).to.include({ code: 'GW_UNAUTHENTICATED', reason });
    }

    it('accepts a token signed like the gateway\'s own (control for the cases below)', async () => {
      const { key, kid } = await tokenKey();
      expect((await api(await sign(key, kid))).status).to.equal(200);
    });

    it('refuses an expired token', async () => {
      const { key, kid } = await tokenKey();
      await refused(await sign(key, kid, { iat: now() - 900, nbf: now() - 900, exp: now() - 600 }), 'token-expired');
    });

    it('refuses a token not yet valid', async () => {
      const { key, kid } = await tokenKey();
      await refused(await sign(key, kid, { nbf: now() + 600, exp: now() + 900 }), 'token-not-yet-valid');
    });

    it('refuses alg none', async () => {
      const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const t = `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64({ ...claims, iss: 'urn:zsa-gateway', aud: 'urn:zsa-gateway:api', sub: 'admin', jti: 'x', iat: now(), nbf: now(), exp: now() + 300 })}.`;
      await refused(t, 'token-alg');
    });

    it('refuses another alg (HS256 with the public key as secret)', async () => {
      const { kid } = await tokenKey();
      const t = await new SignJWT({ ...claims, sub: 'admin', jti: 'x' }).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid }).setIssuer('urn:zsa-gateway').setAudience('urn:zsa-gateway:api').setIssuedAt().setNotBefore(now()).setExpirationTime('5m').sign(new Uint8Array(32));
      await refused(t, 'token-alg');
    });

    it('refuses a token signed by another key', async () => {
      const { kid } = await tokenKey();
      const { privateKey } = await generateKeyPair('ES256');
      await refused(await sign(privateKey, kid), 'token-signature');
    });

    it('refuses a token for another audience', async () => {
      const { key, kid } = await tokenKey();
      await refused(await sign(key, kid, { aud: 'https://fit-connect.example/api' }), 'token-claims');
    });

    it('refuses a tampered token, garbage and other schemes', async () => {
      const good = await tokenFor(gw.url, 'admin');
      const [h, p, s] = good.split('.');
      const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), sub: 'betrieb' })).toString('base64url');
      await refused(`${h}.${forged}.${s}`, 'token-signature');
      await refused('not.a.jwt', 'token-malformed');
      const basic = await request(gw.url).get('/api/v1/admin/stats').auth('admin', 'demo-admin-secret');
      expect(basic.status).to.equal(401);
      expect(basic.body.reason).to.equal('unsupported-scheme');
      const none = await request(gw.url).get('/api/v1/admin/stats');
      expect(none.status).to.equal(401);
      expect(none.body.reason).to.equal('no-credentials');
    });
  });
});
