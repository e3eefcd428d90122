import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { CONNECTORS } from '../../connectors/index.js';
import { loadConfigFile } from '../../gateway/config/load.js';
import type { GatewayConfig } from '../../gateway/config/schema.js';
import { GatewayError } from '../../gateway/errors.js';
import type { Finding } from './findings.js';
import type { Manifest } from './kubernetes.js';

/**
 * Checks the gateway configuration the ConfigMap carries against the Deployment that mounts
 * it (ADR 0046): the gateway's own loader accepts it (every GW_CONFIG_INVALID issue is a
 * finding), every `${VAR}` it needs is set, every key is configured (no instance generates
 * its own development key), every file it names lies on a mounted volume, and no SQLite
 * file of the data folder is shared by several replicas.
 */

/** What a Secret-backed variable stands for while the config is checked: synthetic, never a real secret. */
const PLACEHOLDER_VALUES: Record<string, string> = {
  DATABASE_URL: 'postgres://gateway@postgres.invalid:5432/zsa',
  AMQP_URL: 'amqps://gateway@rabbitmq.invalid:5671/zsa',
};

/** The environment the container gets: literal values as written, Secret references as placeholders. */
export function containerEnv(c: IContainer): Record<string, string> {
  return Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? PLACEHOLDER_VALUES[e.name] ?? `placeholder-${e.name.toLowerCase()}`]));
}

/** Loads a configuration text with the gateway's real loader (from a file, as `serve` reads it). */
export function loadConfigText(text: string, env: NodeJS.ProcessEnv): GatewayConfig {
  const dir = mkdtempSync(join(tmpdir(), 'zsa-deploy-config-'));
  try {
    writeFileSync(join(dir, 'config.yaml'), text);
    return loadConfigFile(join(dir, 'config.yaml'), CONNECTORS, env);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every string of the loaded config that is an absolute file path. */
function filePaths(value: unknown, at = ''): Array<{ at: string; path: string }> {
  if (typeof value === 'string') return /^\/(etc|var|run|srv|opt|mnt|home|tmp|data)\//.test(value) ? [{ at, path: value }] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => filePaths(v, `${at}.${i}`));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => filePaths(v, at ? `${at}.${k}` : k));
  return [];
}

const under = (path: string, dir: string) => path === dir || path.startsWith(`${dir.replace(/\/$/, '')}/`);

/** Lints the config of the ConfigMap mounted at the directory of the Deployment's `ZSA_CONFIG`. */
export function lintGatewayConfig(manifests: Manifest[]): Finding[] {
  const deployment = manifests.find((m) => m.doc['kind'] === 'Deployment');
  const container = (deployment?.doc as unknown as IDeployment | undefined)?.spec?.template.spec?.containers[0];
  if (!deployment || !container) return [];
  const out: Finding[] = [];
  const env = containerEnv(container);
  const configPath = env['ZSA_CONFIG'];
  const mounts = container.volumeMounts ?? [];
  const configMount = configPath ? mounts.find((vm) => under(configPath, vm.mountPath)) : undefined;
  const volume = configMount ? deployment.doc && (deployment.doc as unknown as IDeployment).spec?.template.spec?.volumes?.find((v) => v.name === configMount.name) : undefined;
  const cm = manifests.find((m) => m.doc['kind'] === 'ConfigMap' && (m.doc['metadata'] as { name?: string }).name === volume?.configMap?.name);
  const key = configPath && configMount ? configPath.slice(configMount.mountPath.replace(/\/$/, '').length + 1) : undefined;
  const text = key ? (cm?.doc['data'] as Record<string, string> | undefined)?.[key] : undefined;
  if (!cm || text === undefined) return [{ file: deployment.file, rule: 'config.mounted', message: `ZSA_CONFIG (${configPath ?? 'not set'}) is not a key of a ConfigMap mounted into the container` }];
  const add = (rule: string, message: string) => out.push({ file: cm.file, rule, message });

  for (const m of text.matchAll(/\$\{([A-Z0-9_]+)\}/g)) if (env[m[1]!] === undefined) add('config.env', `the config uses \${${m[1]}} but the container does not set ${m[1]}`);
  let cfg: GatewayConfig;
  try {
    cfg = loadConfigText(text, env);
  } catch (err) {
    if (!(err instanceof GatewayError)) throw err;
    add('config.invalid', err.message);
    for (const i of err.issues) add('config.invalid', `${i.path ?? ''}: ${i.message}`);
    return out;
  }
  const keys = cfg.crypto.atRest;
  if (!keys) add('config.dev-keys', 'crypto.atRest is not configured: each instance would generate its own development at-rest key');
  else for (const k of keys.keys) if (k.keyFile === undefined) add('config.dev-keys', `crypto.atRest key ${k.id} is written inline; use keyFile on a Secret volume`);
  if (!cfg.crypto.signingKeyFile) add('config.dev-keys', 'crypto.signingKeyFile is not configured: each instance would sign receipts with its own development key');
  if (!cfg.crypto.routingSigningKeyFile) add('config.dev-keys', 'crypto.routingSigningKeyFile is not configured: each instance would generate its own development key');
  if (!cfg.auth.tokenKeyFile) add('config.dev-keys', 'auth.tokenKeyFile is not configured: a token from one instance would not be accepted by another');
  if (cfg.auth.mode !== 'required') add('config.auth', `auth.mode is ${cfg.auth.mode}: every caller would be the local admin`);

  for (const { at, path } of filePaths(cfg)) {
    if (!mounts.some((vm) => under(path, vm.mountPath))) add('config.paths', `${at}: ${path} is on no volume mounted into the container`);
  }
  const replicas = (deployment.doc as unknown as IDeployment).spec?.replicas ?? 1;
  if (replicas > 1 && cfg.fitConnect.enabled) {
    add('config.shared-sqlite', `fitConnect.enabled with ${replicas} replicas: the FIT-Connect callback queue is a SQLite file in the shared data folder, which instances on several nodes must not open together`);
  }
  const dataMount = mounts.find((vm) => vm.mountPath.replace(/\/$/, '') === cfg.store.dataDir.replace(/\/$/, ''));
  if (!dataMount || dataMount.readOnly === true) add('config.data-dir', `store.dataDir ${cfg.store.dataDir} is not a writable volume mount (the root file system is read-only)`);
  return out;
}
