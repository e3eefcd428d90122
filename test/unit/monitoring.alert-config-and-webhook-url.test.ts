import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { CONNECTORS } from '../../connectors/index.js';
import { DEMO_CONFIG_PATH, substituteEnv, validateConfig } from '../../gateway/config/load.js';
import { GatewayError } from '../../gateway/errors.js';
import { outboundUrlProblem } from '../../gateway/auth/outbound-url.js';

const demo = () => substituteEnv(parseYaml(readFileSync(DEMO_CONFIG_PATH, 'utf8')), {}) as Record<string, unknown> & { auth?: Record<string, unknown> };

function issuesOf(raw: unknown): Array<{ path: string; message: string }> {
  try {
    validateConfig(raw, CONNECTORS);
  } catch (err) {
    if (err instanceof GatewayError) return err.issues.map((i) => ({ path: i.path ?? '', message: i.message }));
    throw err;
  }
  return [];
}

describe('monitoring config: alert rules and the webhook URL', () => {
  it('accepts the demo rules', () => {
    const cfg = validateConfig(demo(), CONNECTORS);
    expect(cfg.monitoring.alerts.map((a) => a.kind)).to.have.members(['backlog', 'oldest-undelivered', 'dead-letters', 'endpoint-down', 'certificate-expiry']);
    expect(cfg.monitoring.alerts.find((a) => a.kind === 'dead-letters')).to.include({ threshold: 0, severity: 'critical' });
  });

  it('lists every problem: unknown kind, unknown endpoint, a rule id used twice, a missing threshold', () => {
    const raw = demo();
    raw['monitoring'] = {
      alerts: [
        { id: 'a', kind: 'backlog', threshold: 10, endpoint: 'no-such-endpoint' },
        { id: 'a', kind: 'dead-letters' },
      ],
    };
    expect(issuesOf(raw).map((i) => i.path)).to.have.members(['monitoring.alerts.0.endpoint', 'monitoring.alerts.1']);
    raw['monitoring'] = { alerts: [{ id: 'x', kind: 'disk-full' }, { id: 'y', kind: 'backlog' }] };
    expect(issuesOf(raw).map((i) => i.path)).to.have.members(['monitoring.alerts.0.kind', 'monitoring.alerts.1.threshold']);
  });

  it('takes https anywhere but link-local, multicast and unspecified addresses; http only to loopback in development', () => {
    const prod = { development: false };
    const dev = { development: true };
    expect(outboundUrlProblem('https://alerts.example.org/zsa', prod)).to.equal(undefined);
    expect(outboundUrlProblem('https://10.1.2.3:9093/hook', prod)).to.equal(undefined);
    expect(outboundUrlProblem('http://127.0.0.1:9000/a', dev)).to.equal(undefined);
    expect(outboundUrlProblem('http://[::1]:9000/a', dev)).to.equal(undefined);
    const refused: Array<[string, { development: boolean }]> = [
      ['http://alerts.example.org/zsa', prod],
      ['http://alerts.example.org/zsa', dev],
      ['http://127.0.0.1:9000/a', prod],
      ['https://localhost/a', prod],
      ['https://169.254.169.254/latest/meta-data', prod],
      ['https://[fe80::1]/a', prod],
      ['https://0.0.0.0/a', prod],
      ['https://224.0.0.1/a', prod],
      ['https://[::ffff:169.254.169.254]/a', prod],
      ['https://[::ffff:127.0.0.1]/a', prod],
      ['https://user:secret@alerts.example.org/a', prod],
      ['https://alerts.example.org/a#frag', prod],
      ['ftp://alerts.example.org/a', prod],
      ['file:///etc/passwd', dev],
      ['alerts.example.org/a', prod],
    ];
    for (const [url, mode] of refused) expect(outboundUrlProblem(url, mode), url).to.be.a('string');
  });

  it('refuses a plain-http webhook when auth.mode is required, naming the key', () => {
    const raw = demo();
    raw['auth'] = { ...(raw['auth'] ?? {}), mode: 'required' };
    raw['monitoring'] = { webhook: { url: 'http://127.0.0.1:9000/alerts' } };
    expect(issuesOf(raw)).to.deep.equal([{ path: 'monitoring.webhook.url', message: 'must use https (http only to a loopback host in development, auth.mode off)' }]);
  });
});
