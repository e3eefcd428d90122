import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { parse as parseYaml } from 'yaml';
import { PACKAGE_ROOT } from '../../gateway/paths.js';
import { requiredAuthConfig } from '../auth/oauth-fixture.js';
import { startTestGateway } from '../support/gateway.js';

/**
 * /api/docs and /api/openapi.yaml (ADR 0026): public also with `auth.mode: required`, every
 * asset from the gateway itself (no other origin), no inline script, under a strict
 * Content-Security-Policy; anything but the listed assets is 404 problem+json.
 */
describe('api: /api/docs serves the contract as interactive docs from the gateway alone', function () {
  this.timeout(60_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  before(async () => {
    gw = await startTestGateway(requiredAuthConfig());
  });
  after(() => gw?.stop());

  it('serves the contract file as it is, without credentials', async () => {
    const res = await request(gw.url).get('/api/openapi.yaml').buffer(true).parse((r, cb) => {
      let t = '';
      r.on('data', (c: Buffer) => (t += c.toString('utf8')));
      r.on('end', () => cb(null, t));
    });
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.match(/^application\/yaml/);
    expect(res.body).to.equal(readFileSync(join(PACKAGE_ROOT, 'gateway/api/openapi.yaml'), 'utf8'));
    expect((parseYaml(res.body as string) as { openapi: string }).openapi).to.match(/^3\.1\./);
  });

  it('serves a page without inline scripts, under a CSP that allows only its own origin, whose every asset the gateway serves', async () => {
    const page = await request(gw.url).get('/api/docs');
    expect(page.status).to.equal(200);
    expect(page.headers['content-type']).to.match(/^text\/html/);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).to.contain("default-src 'none'").and.contain("script-src 'self'").and.not.match(/script-src[^;]*unsafe/);
    const html = page.text;
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts).to.have.length.greaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs, 'every script is a file').to.match(/\ssrc="[^"]+"/);
      expect(body!.trim(), 'no inline script').to.equal('');
    }
    expect(html).to.not.match(/\son[a-z]+=/i); // no inline event handlers
    const refs = [...html.matchAll(/\s(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.filter((r) => /^(?:[a-z]+:)?\/\//i.test(r)), 'no other origin').to.deep.equal([]);
    for (const ref of refs) {
      const url = new URL(ref, `${gw.url}/api/docs`);
      const res = await request(gw.url).get(url.pathname);
      expect(res.status, url.pathname).to.equal(200);
      expect(res.headers['x-content-type-options'], url.pathname).to.equal('nosniff');
    }
  });

  it('answers 404 problem+json for anything below /api/docs that is not one of its assets', async () => {
    for (const path of ['/api/docs/index.html', '/api/docs/package.json', '/api/docs/..%2F..%2Fpackage.json', '/api/docs/swagger-ui-bundle.js.map', '/api/docs/', '/api/Docs', '/api/docs/init.js/x']) {
      const res = await request(gw.url).get(path);
      expect(res.status, path).to.equal(404);
      expect(res.headers['content-type'], path).to.match(/^application\/problem\+json/);
    }
  });
});
