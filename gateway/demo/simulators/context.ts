/** What every simulator gets from the demo: the gateway's API, the case tracker, its own seeded randomness, the pilot municipalities. */
import type { GatewayClient } from '../client.js';
import type { DemoMunicipality } from '../participants.js';
import type { Rng } from '../rng.js';
import type { Tracker } from '../tracker.js';

export interface SimContext {
  client: GatewayClient;
  tracker: Tracker;
  rng: Rng;
  municipalities: readonly DemoMunicipality[];
  /** Stops every polling loop and server of the simulators. */
  signal: AbortSignal;
  /** A simulator problem worth a line (never a citizen's data). */
  warn(line: string): void;
}

/** What a Fachverfahren simulator got, as the demo's tests check it. */
export interface Received {
  messageType: string;
  /** Wire format as received, e.g. `HSTX 2.3 XML`, `HST CSV file`, `XZSA XML via AMQP`. */
  format: string;
  /** The simulator could read the message in the format it expects. */
  readable: boolean;
}

/** Each simulator: start it, stop it (idempotent). */
export interface Simulator {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export const municipalityOf = (ctx: SimContext, ags: string): DemoMunicipality => {
  const m = ctx.municipalities.find((x) => x.ags === ags);
  if (!m) throw new Error(`simulator: AGS ${ags} is no pilot municipality`);
  return m;
};

/** YYYY-MM-DD of a date, days from today (UTC). */
export const isoDay = (offsetDays = 0): string => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
