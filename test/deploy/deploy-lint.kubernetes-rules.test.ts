import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { containerEnv, lintGatewayConfig, loadConfigText } from '../../deploy/lint/config.js';
import { uidFindings } from '../../deploy/lint/index.js';
import { lintManifests, loadKustomization, type Manifest } from '../../deploy/lint/kubernetes.js';
import { PACKAGE_ROOT } from '../../gateway/paths.js';

const K = loadKustomization(join(PACKAGE_ROOT, 'deploy', 'kubernetes'), PACKAGE_ROOT);
const IMAGES = K.kustomization['images'] as Array<Record<string, string>>;

/** A fresh copy of the manifests, for one mutation. */
const fresh = (): Manifest[] => structuredClone(K.manifests);
const find = (ms: Manifest[], kind: string) => {
  const m = ms.find((x) => x.doc['kind'] === kind);
  if (!m) throw new Error(`no ${kind}`);
  return m;
};
const deploymentOf = (ms: Manifest[]) => find(ms, 'Deployment').doc as unknown as IDeployment;
const podOf = (ms: Manifest[]) => deploymentOf(ms).spec!.template.spec!;
const containerOf = (ms: Manifest[]): IContainer => podOf(ms).containers[0]!;
const rulesOf = (ms: Manifest[], images = IMAGES) => lintManifests(ms, images).map((f) => f.rule);

/** The config text of the ConfigMap, changed through its parsed form. */
function withConfig(ms: Manifest[], change: (cfg: Record<string, any>) => void): Manifest[] {
  const data = find(ms, 'ConfigMap').doc['data'] as Record<string, string>;
  const cfg = parseYaml(data['config.yaml']!) as Record<string, any>;
  change(cfg);
  data['config.yaml'] = stringifyYaml(cfg);
  return ms;
}
const configRulesOf = (ms: Manifest[]) => lintGatewayConfig(ms).map((f) => f.rule);

/** The Kubernetes manifests (ADR 0046): as committed they pass; each rule fails on manifests that break it. */
describe('deploy lint: Kubernetes manifests and the ConfigMap config', () => {
  it('the kustomization lists every manifest, and the manifests pass every rule', () => {
    expect(K.findings).to.deep.equal([]);
    expect(lintManifests(K.manifests, IMAGES)).to.deep.equal([]);
    expect(K.manifests.map((m) => m.doc['kind']).sort()).to.deep.equal(['ConfigMap', 'Deployment', 'NetworkPolicy', 'PersistentVolumeClaim', 'PodDisruptionBudget', 'Service', 'ServiceAccount']);
  });

  it('the Deployment as committed: 2 replicas, /health and /ready probes, non-root, read-only root, DATABASE_URL from a Secret', () => {
    const c = containerOf(K.manifests);
    expect(deploymentOf(K.manifests).spec?.replicas).to.equal(2);
    expect([c.startupProbe?.httpGet?.path, c.livenessProbe?.httpGet?.path, c.readinessProbe?.httpGet?.path]).to.deep.equal(['/health', '/health', '/ready']);
    expect(c.securityContext?.readOnlyRootFilesystem).to.equal(true);
    expect(podOf(K.manifests).securityContext?.runAsUser).to.equal(1000);
    expect(c.env?.find((e) => e.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef?.name).to.equal('zsa-gateway-database');
  });

  const cases: Array<[string, string, (ms: Manifest[]) => void]> = [
    ['k8s.replicas', 'one replica', (ms) => (deploymentOf(ms).spec!.replicas = 1)],
    ['k8s.probes', 'readiness on /health instead of /ready', (ms) => (containerOf(ms).readinessProbe!.httpGet!.path = '/health')],
    ['k8s.probes', 'no liveness probe', (ms) => delete containerOf(ms).livenessProbe],
    ['k8s.probes', 'no startup probe', (ms) => delete containerOf(ms).startupProbe],
    ['k8s.probes', 'a probe on an undeclared port', (ms) => (containerOf(ms).livenessProbe!.httpGet!.port = 9999)],
    ['k8s.resources', 'no memory limit', (ms) => delete containerOf(ms).resources!.limits!['memory']],
    ['k8s.resources', 'no requests', (ms) => delete containerOf(ms).resources!.requests],
    ['k8s.non-root', 'runAsNonRoot false', (ms) => {
      podOf(ms).securityContext!.runAsNonRoot = false;
      containerOf(ms).securityContext!.runAsNonRoot = false;
    }],
    ['k8s.non-root', 'runAsUser 0', (ms) => (podOf(ms).securityContext!.runAsUser = 0)],
    ['k8s.read-only-root', 'a writable root file system', (ms) => (containerOf(ms).securityContext!.readOnlyRootFilesystem = false)],
    ['k8s.privilege', 'privilege escalation allowed', (ms) => (containerOf(ms).securityContext!.allowPrivilegeEscalation = true)],
    ['k8s.capabilities', 'capabilities not dropped', (ms) => (containerOf(ms).securityContext!.capabilities!.drop = ['NET_RAW'])],
    ['k8s.capabilities', 'a capability added', (ms) => (containerOf(ms).securityContext!.capabilities!.add = ['NET_ADMIN'])],
    ['k8s.seccomp', 'no seccomp profile', (ms) => {
      delete podOf(ms).securityContext!.seccompProfile;
      delete containerOf(ms).securityContext!.seccompProfile;
    }],
    ['k8s.tmp', 'no /tmp mount', (ms) => (containerOf(ms).volumeMounts = containerOf(ms).volumeMounts!.filter((v) => v.mountPath !== '/tmp'))],
    ['k8s.secret-inline', 'DATABASE_URL written inline', (ms) => (containerOf(ms).env = containerOf(ms).env!.map((e) => (e.name === 'DATABASE_URL' ? { name: e.name, value: 'postgres://gw@db/zsa' } : e)))],
    ['k8s.secret-refs', 'no DATABASE_URL at all', (ms) => (containerOf(ms).env = containerOf(ms).env!.filter((e) => e.name !== 'DATABASE_URL'))],
    ['k8s.secret-inline', 'a Secret with its values in the manifests', (ms) => ms.push({ file: 'secret.yaml', doc: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'zsa-gateway-database' }, stringData: { url: 'postgres://gw@db/zsa' } } })],
    ['k8s.secret-inline', 'a password in the ConfigMap', (ms) => withConfig(ms, (c) => (c['endpoints'][0].config.url = 'amqps://gateway:hunter2@rabbitmq:5671/zsa'))],
    ['k8s.secret-inline', 'a PEM key in the ConfigMap', (ms) => ((find(ms, 'ConfigMap').doc['data'] as Record<string, string>)['key.pem'] = '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n')],
    ['k8s.pdb', 'no PodDisruptionBudget', (ms) => ms.splice(ms.indexOf(find(ms, 'PodDisruptionBudget')), 1)],
    ['k8s.pdb', 'a PodDisruptionBudget selecting other pods', (ms) => ((find(ms, 'PodDisruptionBudget').doc['spec'] as any).selector.matchLabels = { app: 'other' })],
    ['k8s.service', 'a Service selecting other pods', (ms) => ((find(ms, 'Service').doc['spec'] as any).selector = { app: 'other' })],
    ['k8s.service', 'a Service targeting an undeclared port', (ms) => ((find(ms, 'Service').doc['spec'] as any).ports[0].targetPort = 'metrics')],
    ['k8s.config', 'a volume naming a missing ConfigMap', (ms) => (podOf(ms).volumes!.find((v) => v.name === 'config')!.configMap!.name = 'nope')],
    ['k8s.schema', 'replicas as a string', (ms) => ((deploymentOf(ms).spec as any).replicas = 'two')],
    ['k8s.schema', 'a kind the lint does not know', (ms) => ms.push({ file: 'x.yaml', doc: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' } } })],
  ];
  for (const [rule, what, change] of cases) {
    it(`${rule}: ${what}`, () => {
      const ms = fresh();
      change(ms);
      expect(rulesOf(ms)).to.include(rule);
    });
  }

  it('k8s.image: the tag latest, in the Deployment or set by the kustomization', () => {
    const ms = fresh();
    containerOf(ms).image = 'zsa-gateway:latest';
    expect(rulesOf(ms, [])).to.include('k8s.image');
    expect(rulesOf(fresh(), [{ name: 'zsa-gateway', newTag: 'latest' }])).to.include('k8s.image');
    expect(rulesOf(fresh(), [])).to.not.include('k8s.image'); // the Deployment's own tag 0.1.0 is pinned
  });

  it('consistency.uid: the pod runs as another uid than the image was made for', () => {
    const dockerfile = readFileSync(join(PACKAGE_ROOT, 'deploy', 'Dockerfile'), 'utf8');
    expect(uidFindings(dockerfile, K.manifests)).to.deep.equal([]);
    const ms = fresh();
    podOf(ms).securityContext!.runAsUser = 2000;
    expect(uidFindings(dockerfile, ms).map((f) => f.rule)).to.deep.equal(['consistency.uid']);
  });

  it('the ConfigMap config loads with the gateway\'s own loader, with the env of the Deployment (Secrets as placeholders)', () => {
    const text = (find(K.manifests, 'ConfigMap').doc['data'] as Record<string, string>)['config.yaml']!;
    const env = containerEnv(containerOf(K.manifests));
    const cfg = loadConfigText(text, env);
    expect(cfg.server.port).to.equal(8443);
    expect(cfg.store.dataDir).to.equal('/var/lib/zsa-gateway');
    expect(cfg.auth.mode).to.equal('required');
    expect(cfg.crypto.atRest?.keys.every((k) => k.keyFile !== undefined && k.key === undefined)).to.equal(true);
    expect(cfg.endpoints.find((e) => e.id === 'zsa-hund')?.config['url']).to.equal(env['AMQP_URL']);
    expect(() => loadConfigText(text.replace('to: reader', 'to: nobody'), env)).to.throw(/configuration does not match the schema/);
    expect(lintGatewayConfig(K.manifests)).to.deep.equal([]);
  });

  const configCases: Array<[string, string, (ms: Manifest[]) => void]> = [
    ['config.invalid', 'a route to an unknown endpoint', (ms) => withConfig(ms, (c) => c['routes'][0].targets.push({ to: 'endpoint:nowhere' }))],
    ['config.dev-keys', 'no at-rest keys', (ms) => withConfig(ms, (c) => delete c['crypto'].atRest)],
    ['config.dev-keys', 'no token signing key', (ms) => withConfig(ms, (c) => delete c['auth'].tokenKeyFile)],
    ['config.dev-keys', 'no receipt signing key', (ms) => withConfig(ms, (c) => delete c['crypto'].signingKeyFile)],
    ['config.auth', 'auth off', (ms) => withConfig(ms, (c) => (c['auth'].mode = 'off'))],
    ['config.paths', 'a key file on no mounted volume', (ms) => withConfig(ms, (c) => (c['crypto'].signingKeyFile = '/opt/keys/sig.jwk.json'))],
    ['config.data-dir', 'the data folder not mounted', (ms) => (containerOf(ms).volumeMounts = containerOf(ms).volumeMounts!.filter((v) => v.name !== 'data'))],
    ['config.env', 'a variable the container does not set', (ms) => withConfig(ms, (c) => (c['monitoring'].webhook.url = '${ALERT_URL}'))],
    ['config.shared-sqlite', 'FIT-Connect (its callback queue is SQLite) with 2 replicas', (ms) => withConfig(ms, (c) => (c['fitConnect'] = { enabled: true }))],
    ['config.mounted', 'ZSA_CONFIG outside the ConfigMap mount', (ms) => (containerOf(ms).env!.find((e) => e.name === 'ZSA_CONFIG')!.value = '/app/config.yaml')],
  ];
  for (const [rule, what, change] of configCases) {
    it(`${rule}: ${what}`, () => {
      const ms = fresh();
      change(ms);
      expect(configRulesOf(ms)).to.include(rule);
    });
  }
});
