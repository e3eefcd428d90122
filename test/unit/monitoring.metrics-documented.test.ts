import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GatewayMetrics, PREFIX } from '../../gateway/monitoring/metrics.js';
import { PACKAGE_ROOT } from '../../gateway/paths.js';
import { AdmissionControl } from '../../gateway/ingress/admission.js';
import { registerAdmissionMetrics } from '../../gateway/monitoring/admission-metrics.js';
import { testConfig } from '../support/gateway.js';

/** docs/metrics.md and the metrics the code registers name the same zsa_gateway_* metrics, with the same type, in both directions. */
describe('monitoring: docs/metrics.md documents every gateway metric', () => {
  it('lists each registered metric with its type, and nothing else', async () => {
    const metrics = new GatewayMetrics(testConfig(), { backlog: () => Promise.resolve([]), endpoints: new Map(), certificates: () => [], activeAlerts: () => [] }, { defaultMetrics: false });
    const cfg = testConfig();
    registerAdmissionMetrics(metrics.registry, new AdmissionControl(cfg.ingress.admission, { pressure: () => ({ pendingWrites: 0, oldestPendingMs: 0, lastCommitMs: 0 }), outboxDepth: () => Promise.resolve({}) }));
    const registered = (await metrics.registry.getMetricsAsJSON()).map((m) => `${m.name} ${String(m.type)}`).sort();
    const doc = readFileSync(join(PACKAGE_ROOT, 'docs/metrics.md'), 'utf8');
    const documented = [...doc.matchAll(/^\| `(zsa_gateway_[a-z_]+)` \| (counter|gauge|histogram) \|/gm)].map((m) => `${m[1]} ${m[2]}`).sort();
    expect(registered.every((r) => r.startsWith(PREFIX))).to.equal(true);
    expect(documented).to.deep.equal(registered);
  });
});
