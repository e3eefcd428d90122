/**
 * The four pilot municipalities the demo plays, with the IT each stands for (issue 8). AGS,
 * ARS, services and delegations are read from the gateway configuration (demo.yaml: real keys,
 * docs/reference-keys.md), so the demo follows the configuration; what is added here is only
 * what the configuration does not say: the channel of the municipality's Fachverfahren, a
 * postal code for synthetic addresses, and short names for the hop lines.
 */
import type { GatewayConfig } from '../config/schema.js';

export type FvChannel = 'rest' | 'pull-mailbox' | 'file-drop' | 'amqp';
export type DemoService = 'hund' | 'wohngeld';

export interface DemoMunicipality {
  ags: string;
  ars: string;
  short: string;
  city: string;
  postalCode: string;
  channel: FvChannel;
  /** Services the municipality has a Fachverfahren for (Sülzetal: hund; Landkreis Wittenberg: wohngeld). */
  services: DemoService[];
  /** Delegation mode per service at start (`none` when not listed). */
  delegation: Record<DemoService, string>;
  /** Fachverfahren endpoint id per service. */
  endpoints: Partial<Record<DemoService, string>>;
}

const PILOTS: ReadonlyArray<Pick<DemoMunicipality, 'ags' | 'short' | 'city' | 'postalCode' | 'channel'>> = [
  { ags: '15003000', short: 'Magdeburg', city: 'Magdeburg', postalCode: '39104', channel: 'rest' },
  { ags: '15002000', short: 'Halle (Saale)', city: 'Halle (Saale)', postalCode: '06108', channel: 'pull-mailbox' },
  { ags: '15083490', short: 'Sülzetal', city: 'Sülzetal', postalCode: '39171', channel: 'file-drop' },
  { ags: '15091000', short: 'LK Wittenberg', city: 'Lutherstadt Wittenberg', postalCode: '06886', channel: 'amqp' },
];

const SERVICES: readonly DemoService[] = ['hund', 'wohngeld'];

/** The pilot municipalities as configured; throws when one is missing from the configuration. */
export function pilotMunicipalities(cfg: GatewayConfig): DemoMunicipality[] {
  return PILOTS.map((p) => {
    const m = cfg.municipalities.find((x) => x.ags === p.ags);
    if (!m) throw new Error(`demo: municipality ${p.ags} (${p.short}) is not in the configuration`);
    const services = SERVICES.filter((s) => m.fachverfahren[s] !== undefined);
    return {
      ...p,
      ars: m.ars ?? p.ags,
      services,
      delegation: { hund: m.delegations['hund'] ?? 'none', wohngeld: m.delegations['wohngeld'] ?? 'none' },
      endpoints: Object.fromEntries(services.map((s) => [s, m.fachverfahren[s]])),
    };
  });
}

/** Short readable name of a participant kennung for the hop lines (`zsa:lsa` → `ZSA`). */
export function label(kennung: string, municipalities: readonly DemoMunicipality[]): string {
  const [prefix = '', rest = ''] = kennung.split(':');
  if (prefix === 'efa') return rest.startsWith('hund') ? 'EfA Hund' : 'EfA Wohngeld';
  if (prefix === 'zsa') return 'ZSA clerk';
  const ags = rest.slice(0, 8);
  const town = municipalities.find((m) => m.ags === ags)?.short ?? ags;
  return prefix === 'fv' ? `FV ${town}` : town;
}
