/**
 * The demo's gateway configuration, derived in code from gateway/config/demo.yaml so that
 * `npm start` stays mailbox-only and needs nothing installed. What the demo changes, and only
 * for its own run:
 * - a fresh data folder and a port of its own, quick delivery polling;
 * - (JSON form ingress for the two EfA forms is in demo.yaml itself, so `npm start` takes them too);
 * - per-municipality dialect mappings: for each entry of DIALECTS whose mapping folder exists,
 *   a copy of the route restricted to that AGS (`match.ags`) whose Fachverfahren target names
 *   the mapping, placed before the route it copies — the message paths stay those of demo.yaml;
 * - the Fachverfahren endpoints of Magdeburg on HTTP (the simulator's REST server), of
 *   Sülzetal on the file drop (`filedrop` connector) and of Landkreis Wittenberg on AMQP
 *   (when a broker answers; otherwise it stays a mailbox).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CONNECTORS } from '../../connectors/index.js';
import { DEMO_CONFIG_PATH, substituteEnv, validateConfig } from '../config/load.js';
import type { GatewayConfig, RouteConfig } from '../config/schema.js';
import { PACKAGE_ROOT } from '../paths.js';

/** Which mapping each municipality's Fachverfahren gets for a message type (ADR 0019); entries whose mapping does not exist are skipped. */
export const DIALECTS: ReadonlyArray<{ route: string; messageType: string; ags: string; mapping: string }> = [
  { route: 'hund-anmeldung', messageType: 'hund.anmeldung.0101', ags: '15002000', mapping: 'xzsa-to-fv-legacy-xml' },
  { route: 'hund-anmeldung', messageType: 'hund.anmeldung.0101', ags: '15003000', mapping: 'xzsa-to-fv-rest-json' },
  { route: 'hund-anmeldung', messageType: 'hund.anmeldung.0101', ags: '15083490', mapping: 'xzsa-to-fv-csv' },
  { route: 'hund-steuerfestsetzung', messageType: 'hund.steuerfestsetzung.0102', ags: '15003000', mapping: 'xzsa-steuerfestsetzung-to-fv-rest-json' },
  { route: 'hund-steuerfestsetzung', messageType: 'hund.steuerfestsetzung.0102', ags: '15083490', mapping: 'xzsa-steuerfestsetzung-to-fv-csv' },
];

export interface DemoConfigOptions {
  dataDir: string;
  port: number;
  /** Base URL of the Magdeburg Fachverfahren simulator (REST). */
  magdeburgUrl: string;
  /** Import directory of the Sülzetal Fachverfahren (filedrop connector); must exist. */
  suelzetalDropDir: string;
  /** AMQP endpoint of the Wittenberg Fachverfahren, when a broker answers. */
  amqp?: { url: string; exchange: string; queue: string };
}

export const mappingExists = (name: string): boolean => existsSync(join(PACKAGE_ROOT, 'mappings', name, 'mapping.yaml'));

/** The routes of demo.yaml with the dialect copies in front of the routes they copy. */
function withDialects(routes: RouteConfig[]): RouteConfig[] {
  const out: RouteConfig[] = [];
  for (const route of routes) {
    for (const d of DIALECTS.filter((x) => x.route === route.name && mappingExists(x.mapping))) {
      out.push({
        ...route,
        name: `${route.name}-${d.ags}`,
        match: { ...route.match, messageType: d.messageType, ags: [d.ags] },
        targets: route.targets.map((t) => (t.to === 'fachverfahren' ? { ...t, mapping: d.mapping } : t)),
      });
    }
    out.push(route);
  }
  return out;
}

/** Reads demo.yaml, applies the demo's changes and validates the result (GW_CONFIG_INVALID lists every problem). */
export function demoConfig(o: DemoConfigOptions): GatewayConfig {
  const raw = substituteEnv(parseYaml(readFileSync(DEMO_CONFIG_PATH, 'utf8')), {}) as Record<string, unknown> & { endpoints: Array<{ id: string }> };
  raw['store'] = { dataDir: o.dataDir };
  raw['server'] = { port: o.port, host: '127.0.0.1' };
  raw['mailbox'] = { leaseMs: 10_000 };
  raw['delivery'] = { pollMs: 20, backoff: { initialMs: 200, multiplier: 2, maxMs: 2000, jitter: 0.1 } };
  const swap: Record<string, { connector: string; config: Record<string, unknown> }> = {
    'fv-15003000-hund': { connector: 'http', config: { url: `${o.magdeburgUrl}/hund`, successStatuses: [202] } },
    'fv-15003000-wohngeld': { connector: 'http', config: { url: `${o.magdeburgUrl}/wohngeld`, successStatuses: [202] } },
    'fv-15083490-hund': { connector: 'filedrop', config: { dir: o.suelzetalDropDir } },
  };
  if (o.amqp) {
    swap['fv-15091000-wohngeld'] = {
      connector: 'amqp091',
      config: { url: o.amqp.url, exchange: { name: o.amqp.exchange, type: 'topic', durable: false }, queues: [{ name: o.amqp.queue, routingKey: '#', queueType: 'classic' }] },
    };
  }
  raw.endpoints = raw.endpoints.map((e) => (swap[e.id] ? { id: e.id, ...swap[e.id] } : e));
  // Validated twice: the dialect copies are built from the parsed routes and checked like any route.
  const parsed = validateConfig(raw, CONNECTORS);
  return validateConfig({ ...raw, routes: withDialects(parsed.routes) }, CONNECTORS);
}
