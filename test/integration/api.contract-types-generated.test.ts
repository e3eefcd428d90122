import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../gateway/paths.js';

/** openapi-typescript lives in its own workspace (it needs TypeScript 5's compiler API; ADR 0026). */
const CLI = join(PACKAGE_ROOT, 'gateway/api/typegen/node_modules/openapi-typescript/bin/cli.js');

/**
 * gateway/api/openapi.d.ts is what openapi-typescript generates from gateway/api/openapi.yaml
 * today: a contract changed without `npm run api:types` fails here (generation also lints
 * the contract with Redocly's OpenAPI 3.1 rules and refuses an invalid document).
 */
describe('api: the committed contract types are generated from the current contract', function () {
  this.timeout(60_000);

  it('regenerates gateway/api/openapi.d.ts byte for byte', () => {
    const fresh = execFileSync(process.execPath, [CLI, join(PACKAGE_ROOT, 'gateway/api/openapi.yaml')], { cwd: PACKAGE_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const committed = readFileSync(join(PACKAGE_ROOT, 'gateway/api/openapi.d.ts'), 'utf8');
    expect(fresh.length, 'generated types are empty').to.be.greaterThan(1000);
    expect(fresh === committed, 'gateway/api/openapi.d.ts is stale: run `npm run api:types` and commit it').to.equal(true);
  });
});
