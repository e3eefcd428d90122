import type { Issue } from '../errors.js';
import type { GatewayConfig } from '../config/schema.js';
import { outboundUrlProblem } from '../auth/outbound-url.js';

/** Participant kinds that may receive at a FIT-Connect destination. */
const RECEIVERS = new Set(['municipality', 'zsa', 'fachverfahren']);

/**
 * Cross references of `fitConnect.destinations` (called by validateConfig with the other
 * cross checks): unique ids, a receiving participant, services whose LeiKa key belongs to
 * the named gateway service (once per destination), and callback URLs within the policy
 * of gateway/auth/outbound-url.ts (development = `auth.mode: off`). Returns every finding.
 */
export function fitConnectConfigIssues(cfg: GatewayConfig): Issue[] {
  const issues: Issue[] = [];
  const problem = (path: string, message: string) => issues.push({ path, message, layer: 'config' });
  const seen = new Set<string>();
  cfg.fitConnect.destinations.forEach((d, i) => {
    const at = `fitConnect.destinations.${i}`;
    if (seen.has(d.id)) problem(`${at}.id`, `duplicate destination id "${d.id}"`);
    seen.add(d.id);
    const p = cfg.participants.find((x) => x.id === d.participant);
    if (!p) problem(`${at}.participant`, `unknown participant "${d.participant}"`);
    else if (!RECEIVERS.has(p.kind)) problem(`${at}.participant`, `participant "${d.participant}" is a ${p.kind}; a destination belongs to a municipality, the ZSA or a Fachverfahren`);
    const leikas = new Set<string>();
    d.services.forEach((s, j) => {
      const svc = cfg.services.find((x) => x.id === s.service);
      if (!svc) problem(`${at}.services.${j}.service`, `unknown service "${s.service}"`);
      else if (!svc.leika.includes(s.leika)) problem(`${at}.services.${j}.leika`, `LeiKa key ${s.leika} is not one of service "${s.service}"`);
      if (leikas.has(s.leika)) problem(`${at}.services.${j}.leika`, `LeiKa key ${s.leika} is offered twice`);
      leikas.add(s.leika);
    });
    if (d.callback) {
      const why = outboundUrlProblem(d.callback.url, { development: cfg.auth.mode === 'off' });
      if (why) problem(`${at}.callback.url`, `callback URL refused: ${why}`);
    }
  });
  return issues;
}
