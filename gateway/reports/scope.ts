import type { GatewayConfig } from '../config/schema.js';
import { agsOf } from '../auth/ownership.js';
import { forbidden } from '../auth/policy.js';
import type { Principal } from '../auth/principal.js';
import { GatewayError } from '../errors.js';
import { requireAgs } from '../routing/region-key.js';

/**
 * The municipalities a report may cover for this caller (ADR 0015 remit, ADR 0031):
 * operator, admin and the local admin of `auth.mode: off` all, or the one asked for; a
 * municipality only its own AGS — asked for by AGS or ARS, any other spelling is 400, any
 * other municipality 403 (rule `report.own-ags`). Returns undefined for "all".
 */
export function reportScope(cfg: GatewayConfig, p: Principal | undefined, requested: string | undefined): string[] | undefined {
  const asked = requested === undefined ? undefined : requireAgs(requested, 'query.ags');
  if (!p) throw new GatewayError('GW_UNAUTHENTICATED', 'no authenticated caller');
  if (p.role === 'operator' || p.role === 'admin') return asked === undefined ? undefined : [asked];
  if (p.role !== 'municipality' || !p.participant) throw forbidden(p, 'report.role', 'reports are for operators, admins and municipalities');
  const own = agsOf(cfg, p.participant);
  if (own.length === 0) throw forbidden(p, 'report.own-ags', 'the participant is configured for no municipality');
  if (asked === undefined) return own;
  if (!own.includes(asked)) throw forbidden(p, 'report.own-ags', `AGS ${asked} is not its municipality`);
  return [asked];
}
