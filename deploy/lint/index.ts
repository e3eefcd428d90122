import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { PACKAGE_ROOT } from '../../gateway/paths.js';
import { lintGatewayConfig } from './config.js';
import { lintDockerfile, lintDockerignore, runtimeUid } from './dockerfile.js';
import type { Finding } from './findings.js';
import { lintManifests, loadKustomization, type Manifest } from './kubernetes.js';
import { lintRuntimeImportsAt } from './runtime-deps.js';

/**
 * The deployment lint (ADR 0046): deploy/Dockerfile, .dockerignore, the manifests under
 * deploy/kubernetes and the gateway configuration in their ConfigMap. Nothing is built or
 * applied. Run by `npm run lint:deploy` (run.ts) and test/deploy/deploy-lint.test.ts.
 */

/** The image's uid and the pod's runAsUser must agree (files in the image are made for that uid). */
export function uidFindings(dockerfile: string, manifests: Manifest[]): Finding[] {
  const uid = runtimeUid(dockerfile);
  const d = manifests.find((m) => m.doc['kind'] === 'Deployment');
  const podUid = (d?.doc as unknown as IDeployment | undefined)?.spec?.template.spec?.securityContext?.runAsUser;
  return uid !== undefined && podUid !== undefined && uid !== podUid && d
    ? [{ file: d.file, rule: 'consistency.uid', message: `the pod runs as uid ${podUid}, the image was made for uid ${uid}` }]
    : [];
}

/** Every finding for the deployment artefacts of the work tree at `root`. */
export function lintDeploy(root = PACKAGE_ROOT): Finding[] {
  const dockerfile = readFileSync(join(root, 'deploy', 'Dockerfile'), 'utf8');
  const ignorePath = join(root, '.dockerignore');
  const k = loadKustomization(join(root, 'deploy', 'kubernetes'), root);
  const images = Array.isArray(k.kustomization['images']) ? (k.kustomization['images'] as Array<Record<string, string>>) : [];
  return [
    ...lintDockerfile(dockerfile),
    ...lintDockerignore(existsSync(ignorePath) ? readFileSync(ignorePath, 'utf8') : undefined),
    ...k.findings,
    ...lintManifests(k.manifests, images),
    ...lintGatewayConfig(k.manifests),
    ...uidFindings(dockerfile, k.manifests),
    ...lintRuntimeImportsAt(root),
  ];
}

