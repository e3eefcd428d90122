import { expect } from 'chai';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONNECTORS } from '../../connectors/index.js';
import { DEMO_CONFIG_PATH, loadConfigFile, validateConfig } from '../../gateway/config/load.js';
import { configReference } from '../../gateway/config/docs.js';
import { GatewayError } from '../../gateway/errors.js';
import { configProblems, demoRaw } from '../support/demo-config.js';

const problems = (raw: unknown) => configProblems(() => validateConfig(raw, CONNECTORS));

describe('configuration', () => {
  it('the reference names every connector the gateway has (connectors/index.ts)', () => {
    const reference = configReference();
    for (const name of Object.keys(CONNECTORS)) expect(reference, name).to.contain(`\`${name}\``);
  });

  it('accepts the embedded demo configuration', () => {
    const cfg = loadConfigFile(DEMO_CONFIG_PATH, CONNECTORS, {});
    expect(cfg.municipalities.map((m) => m.ags)).to.include.members(['15003000', '15002000']);
    expect(cfg.server.port).to.equal(8080);
    expect(cfg.server.maxMessageBytes).to.equal(20 * 1024 * 1024);
  });

  it('takes values from the environment with ${VAR:-default}', () => {
    const cfg = loadConfigFile(DEMO_CONFIG_PATH, CONNECTORS, { PORT: '9123' });
    expect(cfg.server.port).to.equal(9123);
  });

  it('lists every cross-reference problem at once, each with its path', () => {
    const raw = demoRaw();
    raw['municipalities'][0].delegations.katzen = 'e2e';
    raw['municipalities'][0].fachverfahren.hund = 'no-such-endpoint';
    raw['services'][1].zsaEndpoint = 'missing-queue';
    raw['endpoints'][0].connector = 'carrier-pigeon';
    raw['routes'][0].targets[1].to = 'endpoint:nowhere';
    const found = problems(raw);
    const paths = found.map((p) => p.path);
    expect(paths).to.include.members([
      'municipalities.0.delegations.katzen',
      'municipalities.0.fachverfahren.hund',
      'services.1.zsaEndpoint',
      'endpoints.0.connector',
      'routes.0.targets.1.to',
    ]);
    expect(found.length).to.be.at.least(5);
  });

  it('rejects a bad delegation mode, AGS and connector config with schema paths', () => {
    const raw = demoRaw();
    raw['municipalities'][0].delegations.hund = 'sometimes';
    raw['municipalities'][1].ags = '1500';
    const found = problems(raw);
    expect(found.map((p) => p.path)).to.include.members(['municipalities.0.delegations.hund', 'municipalities.1.ags']);
  });

  it('validates each endpoint with its connector schema', () => {
    const raw = demoRaw();
    raw['endpoints'][0].config = { mailbox: 'Not Valid!' };
    expect(problems(raw).map((p) => p.path)).to.include('endpoints.0.config.mailbox');
  });

  it('reports a YAML syntax error with line and column', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zsa-cfg-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'routes:\n  - name: x\n   match: [\n');
    try {
      loadConfigFile(file, CONNECTORS, {});
      throw new Error('accepted');
    } catch (err) {
      expect((err as GatewayError).code).to.equal('GW_CONFIG_INVALID');
      expect((err as GatewayError).issues[0]?.line).to.be.a('number');
    }
  });

  it('keeps docs/config.md equal to the reference generated from the schemas', () => {
    const onDisk = readFileSync(new URL('../../docs/config.md', import.meta.url), 'utf8');
    expect(onDisk, 'run `npm run docs:config`').to.equal(configReference());
  });
});
