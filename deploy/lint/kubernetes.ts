import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IService } from 'kubernetes-models/v1/Service';
import { inlineSecretKinds, type Finding } from './findings.js';
import { schemaErrors } from './schemas.js';

/**
 * Rules for the Kubernetes manifests under deploy/kubernetes (ADR 0046): every object valid
 * against the Kubernetes schema (kubernetes-models), then the project's rules for the gateway
 * Deployment — replicas, probes on /health and /ready, resources, non-root, read-only root
 * file system, no capabilities, seccomp, tmp on an emptyDir, pinned image, secrets only by
 * reference — and a PodDisruptionBudget and a Service that select its pods.
 */

/** One parsed manifest object and the file it came from. */
export interface Manifest {
  file: string;
  doc: Record<string, unknown>;
}

/** The kustomization's resources, parsed; findings for a missing or unlisted file. */
export function loadKustomization(dir: string, root = process.cwd()): { manifests: Manifest[]; kustomization: Record<string, unknown>; findings: Finding[] } {
  const kfile = relative(root, join(dir, 'kustomization.yaml'));
  const findings: Finding[] = [];
  if (!existsSync(join(dir, 'kustomization.yaml'))) return { manifests: [], kustomization: {}, findings: [{ file: kfile, rule: 'k8s.kustomization', message: 'no kustomization.yaml' }] };
  const kustomization = (parseAllDocuments(readFileSync(join(dir, 'kustomization.yaml'), 'utf8'))[0]?.toJS() ?? {}) as Record<string, unknown>;
  const resources = Array.isArray(kustomization['resources']) ? (kustomization['resources'] as string[]) : [];
  const manifests: Manifest[] = [];
  for (const r of resources) {
    const path = join(dir, r);
    if (!existsSync(path)) {
      findings.push({ file: kfile, rule: 'k8s.kustomization', message: `resource ${r} does not exist` });
      continue;
    }
    for (const d of parseAllDocuments(readFileSync(path, 'utf8'))) {
      if (d.errors.length > 0) findings.push({ file: relative(root, path), rule: 'k8s.yaml', message: d.errors.map((e) => e.message).join('; ') });
      const doc: unknown = d.toJS();
      if (doc !== null && typeof doc === 'object') manifests.push({ file: relative(root, path), doc: doc as Record<string, unknown> });
    }
  }
  for (const f of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml')) {
    if (!resources.includes(f)) findings.push({ file: kfile, rule: 'k8s.kustomization', message: `${f} is in the folder but not listed in resources` });
  }
  return { manifests, kustomization, findings };
}

const kindOf = (m: Manifest) => String(m.doc['kind']);
const nameOf = (m: Manifest) => String((m.doc['metadata'] as { name?: unknown } | undefined)?.name ?? '?');

/** True when every label of `selector` is among `labels` (a matchLabels selector). */
export function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** An image reference with an explicit tag other than `latest`, or a digest. */
export function imageProblem(image: string | undefined): string | undefined {
  if (!image) return 'no image';
  if (image.includes('@sha256:')) return undefined;
  const tag = /:([^/:]+)$/.exec(image)?.[1];
  if (!tag) return `image ${image} has no tag`;
  if (tag === 'latest') return `image ${image} uses the tag latest`;
  return undefined;
}

const SECRET_ENV = /PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE|CREDENTIAL|^DATABASE_URL$|^AMQP_URL$/;

function probeProblems(c: IContainer): string[] {
  const problems: string[] = [];
  const portNames = new Set((c.ports ?? []).flatMap((p) => [p.name, p.containerPort].filter((x) => x !== undefined).map(String)));
  const check = (name: string, probe: IProbe | undefined, path: string) => {
    if (!probe) return problems.push(`container ${c.name} has no ${name}`);
    if (probe.httpGet?.path !== path) return problems.push(`${name} of container ${c.name} does not GET ${path}`);
    if (!portNames.has(String(probe.httpGet.port))) problems.push(`${name} of container ${c.name} names port ${String(probe.httpGet.port)}, which the container does not declare`);
    return undefined;
  };
  check('startupProbe', c.startupProbe, '/health');
  check('livenessProbe', c.livenessProbe, '/health');
  check('readinessProbe', c.readinessProbe, '/ready');
  return problems;
}

/** The gateway Deployment's rules; `kustomizeImages` are the kustomization's `images` entries. */
function lintDeployment(m: Manifest, all: Manifest[], kustomizeImages: Array<Record<string, string>>): Finding[] {
  const out: Finding[] = [];
  const add = (rule: string, message: string) => out.push({ file: m.file, rule, message });
  const d = m.doc as unknown as IDeployment;
  const pod = d.spec?.template.spec;
  const podLabels = d.spec?.template.metadata?.labels;
  if ((d.spec?.replicas ?? 1) < 2) add('k8s.replicas', `Deployment ${nameOf(m)} has ${d.spec?.replicas ?? 1} replica(s); at least 2, so one may be replaced at any moment`);
  if (!pod) return [...out, { file: m.file, rule: 'k8s.schema', message: 'Deployment without a pod template' }];
  const podSec = pod.securityContext ?? {};
  if (podSec.runAsUser === 0) add('k8s.non-root', 'pod securityContext.runAsUser is 0 (root)');
  const volumes = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
  for (const c of pod.containers) {
    const sec = c.securityContext ?? {};
    if ((sec.runAsNonRoot ?? podSec.runAsNonRoot) !== true) add('k8s.non-root', `container ${c.name}: runAsNonRoot is not true (pod or container securityContext)`);
    if (sec.runAsUser === 0) add('k8s.non-root', `container ${c.name}: runAsUser is 0 (root)`);
    if (sec.readOnlyRootFilesystem !== true) add('k8s.read-only-root', `container ${c.name}: readOnlyRootFilesystem is not true`);
    if (sec.allowPrivilegeEscalation !== false || sec.privileged === true) add('k8s.privilege', `container ${c.name}: allowPrivilegeEscalation must be false and privileged not true`);
    if (!(sec.capabilities?.drop ?? []).includes('ALL') || (sec.capabilities?.add ?? []).length > 0) add('k8s.capabilities', `container ${c.name}: capabilities must drop ALL and add none`);
    if ((sec.seccompProfile?.type ?? podSec.seccompProfile?.type) !== 'RuntimeDefault') add('k8s.seccomp', `container ${c.name}: seccompProfile is not RuntimeDefault (pod or container)`);
    for (const p of probeProblems(c)) add('k8s.probes', p);
    for (const kind of ['requests', 'limits'] as const) {
      for (const r of ['cpu', 'memory']) if (c.resources?.[kind]?.[r] === undefined) add('k8s.resources', `container ${c.name}: resources.${kind}.${r} is not set`);
    }
    const tmp = (c.volumeMounts ?? []).find((vm) => vm.mountPath === '/tmp');
    if (!tmp || !volumes.get(tmp.name)?.emptyDir) add('k8s.tmp', `container ${c.name}: /tmp is not mounted from an emptyDir (the root file system is read-only)`);
    const renamed = kustomizeImages.find((i) => i['name'] === c.image?.replace(/[:@].*$/, ''));
    const problem = imageProblem(renamed?.['newTag'] !== undefined ? `${renamed['newName'] ?? renamed['name']}:${renamed['newTag']}` : c.image);
    if (problem) add('k8s.image', `container ${c.name}: ${problem}`);
    for (const e of c.env ?? []) {
      if (e.value !== undefined && SECRET_ENV.test(e.name)) add('k8s.secret-inline', `container ${c.name}: env ${e.name} is written inline; take it from a Secret (valueFrom.secretKeyRef)`);
    }
    if (!(c.env ?? []).some((e) => e.name === 'DATABASE_URL' && e.valueFrom?.secretKeyRef)) add('k8s.secret-refs', `container ${c.name}: DATABASE_URL does not come from a Secret (valueFrom.secretKeyRef)`);
  }
  const pdbs = all.filter((x) => kindOf(x) === 'PodDisruptionBudget' && selects((x.doc as unknown as IPodDisruptionBudget).spec?.selector?.matchLabels, podLabels));
  if (pdbs.length === 0) add('k8s.pdb', `no PodDisruptionBudget selects the pods of Deployment ${nameOf(m)}`);
  const services = all.filter((x) => kindOf(x) === 'Service' && selects((x.doc as unknown as IService).spec?.selector, podLabels));
  if (services.length === 0) add('k8s.service', `no Service selects the pods of Deployment ${nameOf(m)}`);
  const portNames = new Set(pod.containers.flatMap((c) => (c.ports ?? []).flatMap((p) => [p.name, p.containerPort].filter((x) => x !== undefined).map(String))));
  for (const s of services) {
    for (const p of (s.doc as unknown as IService).spec?.ports ?? []) {
      if (!portNames.has(String(p.targetPort ?? p.port))) add('k8s.service', `Service ${nameOf(s)} targets port ${String(p.targetPort ?? p.port)}, which no container declares`);
    }
  }
  for (const v of volumes.values()) {
    const cm = v.configMap?.name;
    if (cm && !all.some((x) => kindOf(x) === 'ConfigMap' && nameOf(x) === cm)) add('k8s.config', `volume ${v.name} names ConfigMap ${cm}, which the manifests do not define`);
  }
  return out;
}

/** Lints parsed manifests; `kustomizeImages` are the kustomization's `images` entries. */
export function lintManifests(manifests: Manifest[], kustomizeImages: Array<Record<string, string>> = []): Finding[] {
  const out: Finding[] = [];
  for (const m of manifests) {
    for (const e of schemaErrors(m.doc)) out.push({ file: m.file, rule: 'k8s.schema', message: `${kindOf(m)} ${nameOf(m)}: ${e}` });
    if (kindOf(m) === 'Secret' && (m.doc['data'] !== undefined || m.doc['stringData'] !== undefined)) {
      out.push({ file: m.file, rule: 'k8s.secret-inline', message: `Secret ${nameOf(m)} carries its values in the manifest; create Secrets out of band (docs/operations.md)` });
    }
    if (kindOf(m) === 'ConfigMap') {
      for (const kind of inlineSecretKinds(JSON.stringify(m.doc['data'] ?? {}).replace(/\\n/g, '\n'))) out.push({ file: m.file, rule: 'k8s.secret-inline', message: `ConfigMap ${nameOf(m)} holds ${kind}` });
    }
  }
  const deployments = manifests.filter((m) => kindOf(m) === 'Deployment');
  if (deployments.length === 0) out.push({ file: manifests[0]?.file ?? 'deploy/kubernetes', rule: 'k8s.deployment', message: 'no Deployment' });
  for (const d of deployments) out.push(...lintDeployment(d, manifests, kustomizeImages));
  for (const i of kustomizeImages) {
    if (i['newTag'] === 'latest') out.push({ file: 'kustomization.yaml', rule: 'k8s.image', message: `images: ${i['name']} is set to the tag latest` });
  }
  return out;
}
