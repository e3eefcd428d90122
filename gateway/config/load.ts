import { outboundUrlProblem } from '../auth/outbound-url.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { GatewayError, type Issue } from '../errors.js';
import type { ConnectorSpec } from '../../connectors/types.js';
import { configSchema, type GatewayConfig } from './schema.js';
import { PACKAGE_ROOT } from '../paths.js';
import { arsMismatch } from '../routing/region-key.js';
import { fitConnectConfigIssues } from '../fitconnect/config-check.js';
import { xtaConfigProblems } from '../xta/accounts.js';

/** The embedded default configuration with demo participants (used by `npm start`). */
export const DEMO_CONFIG_PATH = join(PACKAGE_ROOT, 'gateway', 'config', 'demo.yaml');

const PLACEHOLDER = /\$\{([A-Z0-9_]+)(?::-([^}]*))?\}/g;
const WHOLE_PLACEHOLDER = /^\$\{[A-Z0-9_]+(?::-[^}]*)?\}$/;

/**
 * Replaces `${VAR}` and `${VAR:-default}` in every string of a parsed YAML tree.
 * Called before schema validation so secrets and URLs can come from the environment.
 */
export function substituteEnv(value: unknown, env: NodeJS.ProcessEnv): unknown {
  if (typeof value === 'string') {
    const replaced = value.replace(PLACEHOLDER, (_m, name: string, dflt: string | undefined) => env[name] ?? dflt ?? '');
    // A value that is one placeholder alone takes the YAML type of what it became (`${PORT:-8080}` → 8080).
    return replaced !== value && WHOLE_PLACEHOLDER.test(value) ? (parseYaml(replaced) as unknown) ?? replaced : replaced;
  }
  if (Array.isArray(value)) return value.map((v) => substituteEnv(v, env));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteEnv(v, env)]));
  }
  return value;
}

function zodIssues(issues: readonly z.core.$ZodIssue[], prefix: string): Issue[] {
  return issues.map((i) => ({ message: i.message, path: [prefix, ...i.path.map(String)].filter(Boolean).join('.'), layer: 'config' }));
}

/**
 * Validates a parsed configuration tree: the schema, every cross reference and every
 * endpoint's connector config. Throws GW_CONFIG_INVALID listing every problem, not the first.
 */
export function validateConfig(raw: unknown, connectors: Readonly<Record<string, ConnectorSpec>>): GatewayConfig {
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw new GatewayError('GW_CONFIG_INVALID', 'configuration does not match the schema', { issues: zodIssues(parsed.error.issues, '') });
  }
  const cfg = parsed.data;
  const issues: Issue[] = [];
  const problem = (path: string, message: string) => issues.push({ path, message, layer: 'config' });

  const dupes = (ids: string[], what: string) => {
    const seen = new Set<string>();
    ids.forEach((id, i) => (seen.has(id) ? problem(`${what}.${i}`, `duplicate ${what} id "${id}"`) : seen.add(id)));
    return seen;
  };
  const endpoints = dupes(cfg.endpoints.map((e) => e.id), 'endpoints');
  const services = dupes(cfg.services.map((s) => s.id), 'services');
  const participants = dupes(cfg.participants.map((p) => p.id), 'participants');
  dupes(cfg.participants.map((p) => p.kennung), 'participants.kennung');
  dupes(cfg.municipalities.map((m) => m.ags), 'municipalities.ags');
  dupes(cfg.routes.map((r) => r.name), 'routes');
  const leika = new Map<string, string>();
  cfg.services.forEach((s, i) =>
    s.leika.forEach((k) => (leika.has(k) ? problem(`services.${i}.leika`, `LeiKa key ${k} already belongs to service "${leika.get(k)}"`) : leika.set(k, s.id))),
  );

  const needEndpoint = (path: string, id: string | undefined) => {
    if (id !== undefined && !endpoints.has(id)) problem(path, `unknown endpoint "${id}"`);
  };
  cfg.endpoints.forEach((e, i) => {
    const spec = connectors[e.connector];
    if (!spec) return problem(`endpoints.${i}.connector`, `unknown connector "${e.connector}" (known: ${Object.keys(connectors).join(', ')})`);
    if (spec.create === undefined) return problem(`endpoints.${i}.connector`, `connector "${e.connector}" has no egress side (it is ${spec.direction}-only)`);
    const c = spec.configSchema.safeParse(e.config);
    if (!c.success) issues.push(...zodIssues(c.error.issues, `endpoints.${i}.config`));
  });
  cfg.participants.forEach((p, i) => needEndpoint(`participants.${i}.endpoint`, p.endpoint));
  cfg.services.forEach((s, i) => needEndpoint(`services.${i}.zsaEndpoint`, s.zsaEndpoint));
  cfg.municipalities.forEach((m, i) => {
    if (m.participant !== undefined && !participants.has(m.participant)) problem(`municipalities.${i}.participant`, `unknown participant "${m.participant}"`);
    const arsProblem = m.ars === undefined ? undefined : arsMismatch(m.ags, m.ars);
    if (arsProblem) problem(`municipalities.${i}.ars`, arsProblem);
    for (const svc of Object.keys(m.delegations)) if (!services.has(svc)) problem(`municipalities.${i}.delegations.${svc}`, `unknown service "${svc}"`);
    for (const [svc, ep] of Object.entries(m.fachverfahren)) {
      if (!services.has(svc)) problem(`municipalities.${i}.fachverfahren.${svc}`, `unknown service "${svc}"`);
      needEndpoint(`municipalities.${i}.fachverfahren.${svc}`, ep);
    }
  });
  /** An author list names participants that write messages. */
  const needAuthor = (path: string, id: string) => {
    const p = cfg.participants.find((x) => x.id === id);
    if (!p) problem(path, `unknown participant "${id}"`);
    else if (!['efa-service', 'municipality', 'fachverfahren', 'zsa'].includes(p.kind)) problem(path, `participant "${id}" is a ${p.kind}, which never writes messages`);
  };
  cfg.ingress.amqp.forEach((q, i) => q.authors.forEach((id, j) => needAuthor(`ingress.amqp.${i}.authors.${j}`, id)));
  issues.push(...ingressChannelIssues(cfg, connectors));
  cfg.ingress.connectors.forEach((c, i) => c.authors.forEach((id, j) => needAuthor(`ingress.connectors.${i}.authors.${j}`, id)));
  cfg.mappings.ingress.forEach((e, i) => (e.authors ?? []).forEach((id, j) => needAuthor(`mappings.ingress.${i}.authors.${j}`, id)));
  cfg.routes.forEach((r, i) => {
    if (r.service !== undefined && !services.has(r.service)) problem(`routes.${i}.service`, `unknown service "${r.service}"`);
  });
  cfg.routes.forEach((r, i) =>
    r.targets.forEach((t, j) => {
      if (t.to.startsWith('endpoint:')) needEndpoint(`routes.${i}.targets.${j}.to`, t.to.slice('endpoint:'.length));
    }),
  );
  issues.push(...fitConnectConfigIssues(cfg));
  dupes(cfg.monitoring.alerts.map((a) => a.id), 'monitoring.alerts');
  cfg.monitoring.alerts.forEach((a, i) => {
    if ('endpoint' in a) needEndpoint(`monitoring.alerts.${i}.endpoint`, a.endpoint);
  });
  const hook = cfg.monitoring.webhook;
  const hookProblem = hook === undefined ? undefined : outboundUrlProblem(hook.url, { development: cfg.auth.mode === 'off' });
  if (hookProblem !== undefined) problem('monitoring.webhook.url', hookProblem);
  xtaConfigProblems(cfg).forEach((x) => problem(x.path, x.message));
  if (issues.length > 0) throw new GatewayError('GW_CONFIG_INVALID', `configuration has ${issues.length} problem(s)`, { issues });
  return cfg;
}

/**
 * Inbound channels (`ingress.connectors[]`, `ingress.amqp[]`): ids unique across both lists, each
 * connector known and with an ingress side, each `config` valid under its ingress schema.
 */
function ingressChannelIssues(cfg: GatewayConfig, connectors: Readonly<Record<string, ConnectorSpec>>): Issue[] {
  const issues: Issue[] = [];
  const seen = new Set<string>();
  const ids = [...cfg.ingress.connectors.map((c, i) => ({ id: c.id, path: `ingress.connectors.${i}.id` })), ...cfg.ingress.amqp.map((q, i) => ({ id: q.id, path: `ingress.amqp.${i}.id` }))];
  for (const { id, path } of ids) {
    if (seen.has(id)) issues.push({ path, message: `duplicate inbound channel id "${id}"`, layer: 'config' });
    seen.add(id);
  }
  cfg.ingress.connectors.forEach((c, i) => {
    const spec = connectors[c.connector];
    const ingressNames = Object.values(connectors).filter((s) => s.createIngress !== undefined).map((s) => s.name);
    if (spec?.createIngress === undefined) {
      issues.push({ path: `ingress.connectors.${i}.connector`, message: `"${c.connector}" is no connector with an ingress side (known: ${ingressNames.join(', ')})`, layer: 'config' });
      return;
    }
    const parsed = (spec.ingressConfigSchema ?? spec.configSchema).safeParse(c.config);
    if (!parsed.success) issues.push(...zodIssues(parsed.error.issues, `ingress.connectors.${i}.config`));
  });
  return issues;
}

/** Reads, substitutes and validates a YAML configuration file. */
export function loadConfigFile(path: string, connectors: Readonly<Record<string, ConnectorSpec>>, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new GatewayError('GW_CONFIG_INVALID', `cannot read configuration file ${path}`, { cause });
  }
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true });
  } catch (cause) {
    const issue: Issue = { message: cause instanceof Error ? cause.message : String(cause), layer: 'config', path };
    if (cause instanceof YAMLParseError && cause.linePos?.[0]) {
      issue.line = cause.linePos[0].line;
      issue.column = cause.linePos[0].col;
    }
    throw new GatewayError('GW_CONFIG_INVALID', `configuration file ${path} is not valid YAML`, { issues: [issue], cause });
  }
  return validateConfig(substituteEnv(raw, env), connectors);
}
