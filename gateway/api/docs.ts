import { Router as ExpressRouter, type Request, type Response } from 'express';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PACKAGE_ROOT } from '../paths.js';
import type { Contract } from './contract.js';
import { notFound } from './problem.js';

/**
 * The contract and its interactive documentation (ADR 0026): `GET /api/openapi.yaml`, the
 * page `GET /api/docs` and its assets `GET /api/docs/{asset}` — public, like the JWKS: the
 * contract says no more than docs/api.md, and the set of routes is public (ADR 0014).
 * Every asset is served by the gateway from a fixed list (no CDN, no directory serving);
 * the page has no inline script, so it runs under the strict Content-Security-Policy set
 * on every answer here.
 */
const PAGE_DIR = join(PACKAGE_ROOT, 'gateway/api/docs-page');
const UI_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

const CSP = ["default-src 'none'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:", "connect-src 'self'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'"].join('; ');

/** Asset name → file and media type; nothing else below /api/docs/ is served. */
const ASSETS: Record<string, { file: string; type: string }> = {
  'swagger-ui.css': { file: join(UI_DIR, 'swagger-ui.css'), type: 'text/css; charset=utf-8' },
  'swagger-ui-bundle.js': { file: join(UI_DIR, 'swagger-ui-bundle.js'), type: 'text/javascript; charset=utf-8' },
  'favicon-32x32.png': { file: join(UI_DIR, 'favicon-32x32.png'), type: 'image/png' },
  'init.js': { file: join(PAGE_DIR, 'init.js'), type: 'text/javascript; charset=utf-8' },
  'page.css': { file: join(PAGE_DIR, 'page.css'), type: 'text/css; charset=utf-8' },
};

function send(res: Response, type: string, body: Buffer | string): void {
  res.set({ 'Content-Security-Policy': CSP, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache' }).type(type).send(body);
}

/** Built once by createApp. Reads the page and assets lazily on first request and keeps them (a few MB, the Swagger UI bundle). */
export function contractDocs(contract: Contract): ExpressRouter {
  const r = ExpressRouter({ caseSensitive: true, strict: true });
  const cache = new Map<string, Buffer>();
  const read = (file: string) => {
    let b = cache.get(file);
    if (!b) {
      b = readFileSync(file);
      cache.set(file, b);
    }
    return b;
  };
  r.get('/api/openapi.yaml', (_req, res) => send(res, 'application/yaml; charset=utf-8', contract.text));
  r.get('/api/docs', (_req, res) => send(res, 'text/html; charset=utf-8', read(join(PAGE_DIR, 'index.html'))));
  r.get('/api/docs/:asset', (req: Request, res: Response) => {
    const name = String(req.params['asset']);
    const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!asset) notFound(req);
    send(res, asset.type, read(asset.file));
  });
  return r;
}
