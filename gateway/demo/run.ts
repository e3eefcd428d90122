/**
 * `zsa-gateway demo`: starts the gateway in-process with the demo configuration (config.ts)
 * and the simulated participants (simulators/), then plays synthetic cases of both pilot
 * services across the four pilot municipalities — a steady trickle until Ctrl-C, or a burst of
 * `cases` followed by a table and the line `demo: cases N completed N stuck N`. A case is
 * stuck when it has not reached its final state `stuckAfterMs` after the last submission.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { startGateway, type GatewayHandle } from '../server.js';
import { GatewayClient, sleep } from './client.js';
import { demoConfig } from './config.js';
import { pilotMunicipalities, type DemoMunicipality, type DemoService } from './participants.js';
import { finalLine, HOP_HEADER, hopLine, table, tableRows } from './report.js';
import { Rng } from './rng.js';
import type { SimContext, Simulator } from './simulators/context.js';
import { EfaServiceSimulator } from './simulators/efa-service.js';
import { HalleFachverfahrenSimulator } from './simulators/fv-halle.js';
import { MagdeburgFachverfahrenSimulator } from './simulators/fv-magdeburg.js';
import { SuelzetalFachverfahrenSimulator } from './simulators/fv-suelzetal.js';
import { brokerAnswers, WittenbergFachverfahrenSimulator } from './simulators/fv-wittenberg.js';
import { ZsaClerkSimulator } from './simulators/zsa-clerk.js';
import { Tracker } from './tracker.js';

export interface DemoOptions {
  /** Burst of this many cases; undefined: a trickle until `signal` aborts. */
  cases?: number;
  /** Cases per second (trickle default 0.5; burst default: as fast as the gateway takes them). */
  rate?: number;
  seed: number;
  /** Gateway port (0: any free one). */
  port: number;
  /** Data folder; default a fresh temporary one, removed at the end. */
  dataDir?: string;
  /** Burst: how long after the last submission a case may take before it counts as stuck. */
  stuckAfterMs: number;
  amqpUrl: string;
  /** Print every hop (default: in a trickle, and in bursts of up to 20 cases). */
  hops?: boolean;
  out(line: string): void;
  signal: AbortSignal;
  /** Called once everything runs, before the first case (tests switch a delegation here). */
  beforeCases?(gatewayUrl: string): Promise<void>;
  /** Called once a burst has settled, while the gateway still runs (tests read the Vorgang timelines here). */
  afterCases?(gatewayUrl: string, tracker: Tracker): Promise<void>;
}

export interface DemoResult {
  cases: number;
  completed: number;
  stuck: number;
  tracker: Tracker;
  amqp: boolean;
  dropDir: string;
  /** What Magdeburg's Fachverfahren answered (REST JSON decisions with their PDF). */
  answered: { magdeburg: MagdeburgFachverfahrenSimulator['answered'] };
  received: { magdeburg: MagdeburgFachverfahrenSimulator['received']; halle: HalleFachverfahrenSimulator['received']; suelzetal: SuelzetalFachverfahrenSimulator['received']; wittenberg: WittenbergFachverfahrenSimulator['received'] };
  /** Every Hund Bescheid the EfA service got, as it checked it (ADR 0024). */
  bescheide: EfaServiceSimulator['bescheide'];
}

/** Every (service, municipality) pair the pilot plays, in a fixed order: case i takes pair i mod n. */
export function casePlan(municipalities: readonly DemoMunicipality[]): Array<{ service: DemoService; m: DemoMunicipality }> {
  return (['hund', 'wohngeld'] as const).flatMap((service) => municipalities.filter((m) => m.services.includes(service)).map((m) => ({ service, m })));
}

/** The lines that say what runs: the simulators, the broker fallback, each municipality's delegations and channel. */
function intro(simulators: readonly string[], municipalities: readonly DemoMunicipality[], noBrokerAt: string | undefined): string[] {
  const via = (m: DemoMunicipality): string => (m.channel === 'amqp' && noBrokerAt !== undefined ? 'pull mailbox (AMQP fallback)' : m.channel);
  return [
    `simulators: ${simulators.join('; ')}`,
    ...(noBrokerAt === undefined ? [] : [`note: no RabbitMQ at ${noBrokerAt.replace(/\/\/[^@/]*@/, '//***@')}: Landkreis Wittenberg's Fachverfahren pulls a mailbox instead of AMQP`]),
    ...municipalities.map((m) => `  ${m.short} (AGS ${m.ags}, ARS ${m.ars}): ${m.services.map((x) => `${x} ${m.delegation[x]}`).join(', ')}; Fachverfahren via ${via(m)}`),
  ];
}

/** Submits the cases: `o.cases` of them (a burst: 16 in flight unless `o.rate`), or one every 1/rate s until aborted. */
async function playCases(o: DemoOptions, efa: EfaServiceSimulator, plan: ReadonlyArray<{ service: DemoService; m: DemoMunicipality }>): Promise<void> {
  const burst = o.cases !== undefined;
  const gapMs = o.rate !== undefined ? 1000 / o.rate : burst ? 0 : 2000;
  const inFlight = new Set<Promise<unknown>>();
  for (let i = 0; (!burst || i < (o.cases ?? 0)) && !o.signal.aborted; i += 1) {
    const { service, m } = plan[i % plan.length]!;
    const p = efa.submitCase(service, m);
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    if (gapMs > 0) await sleep(gapMs, o.signal);
    else if (inFlight.size >= 16) await Promise.race(inFlight);
  }
  await Promise.allSettled([...inFlight]);
}

export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const tempData = o.dataDir === undefined;
  const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'zsa-demo-'));
  const stopSims = new AbortController();
  const rng = new Rng(o.seed);
  const tracker = new Tracker();
  // Once the result is printed nothing else is: hops and simulator warnings of the shutdown are not news.
  let printing = true;
  const ctx: SimContext = { client: new GatewayClient('http://127.0.0.1:0'), tracker, rng: rng.fork('ctx'), municipalities: [], signal: stopSims.signal, warn: (line) => printing && o.out(`! ${line}`) };
  // Magdeburg's server must listen before the configuration names its URL; its context object gets the client once the gateway runs.
  const magdeburgCtx: SimContext = { ...ctx, rng: rng.fork('magdeburg') };
  const magdeburg = new MagdeburgFachverfahrenSimulator(magdeburgCtx);
  const sims: Simulator[] = [];
  let wittenbergSim: WittenbergFachverfahrenSimulator | undefined;
  let gw: GatewayHandle | undefined;
  let stopProgress = (): void => undefined;
  try {
    await magdeburg.start();
    const amqp = await brokerAnswers(o.amqpUrl);
    const run = randomUUID().slice(0, 8);
    const amqpSource = amqp ? { url: o.amqpUrl, exchange: `zsa-demo.${run}`, queue: `zsa-demo.${run}.fv-15091000-wohngeld` } : undefined;
    const dropDir = join(dataDir, 'filedrop-suelzetal');
    mkdirSync(join(dropDir, 'eingang'), { recursive: true });
    const cfg = demoConfig({ dataDir, port: o.port, magdeburgUrl: magdeburg.url, suelzetalDropDir: join(dropDir, 'eingang'), ...(amqpSource ? { amqp: amqpSource } : {}) });
    gw = await startGateway(cfg, { log: pino({ level: 'error' }, pino.destination(2)), port: o.port, host: '127.0.0.1' });
    ctx.client = new GatewayClient(gw.url);
    ctx.municipalities = pilotMunicipalities(cfg);
    Object.assign(magdeburgCtx, { client: ctx.client, municipalities: ctx.municipalities });
    const efa = new EfaServiceSimulator({ ...ctx, rng: rng.fork('efa') });
    const halle = new HalleFachverfahrenSimulator({ ...ctx, rng: rng.fork('halle') });
    const suelzetal = new SuelzetalFachverfahrenSimulator({ ...ctx, rng: rng.fork('suelzetal') }, dropDir);
    const wittenberg = new WittenbergFachverfahrenSimulator({ ...ctx, rng: rng.fork('wittenberg') }, amqpSource);
    wittenbergSim = wittenberg;
    sims.push(efa, new ZsaClerkSimulator({ ...ctx, rng: rng.fork('clerk') }), halle, suelzetal, wittenberg);
    for (const s of sims) await s.start();

    o.out(`zsa-gateway demo — gateway ${gw.url}, data ${dataDir}${tempData ? ' (temporary)' : ''}, seed ${o.seed}`);
    intro([...sims.map((x) => x.name), magdeburg.name], ctx.municipalities, amqp ? undefined : o.amqpUrl).forEach((l) => o.out(l));
    const printHops = o.hops ?? (o.cases === undefined || o.cases <= 20);
    if (printHops) {
      o.out(HOP_HEADER);
      tracker.onHop((h) => printing && o.out(hopLine(h)));
    }

    // Without hop lines a burst still shows it is moving: one progress line every 5 s.
    const progress = printHops ? undefined : setInterval(() => {
      const all = [...tracker.cases.values()];
      o.out(`demo: ${all.length}${o.cases === undefined ? '' : `/${o.cases}`} submitted, ${all.filter((c) => c.done).length} completed`);
    }, 5000);
    stopProgress = () => clearInterval(progress);
    await o.beforeCases?.(gw.url);
    const burst = o.cases !== undefined;
    await playCases(o, efa, casePlan(ctx.municipalities));
    if (burst) await tracker.settle(o.stuckAfterMs, o.signal);
    await o.afterCases?.(gw.url, tracker);

    const cases = tracker.cases.size;
    const completed = [...tracker.cases.values()].filter((c) => c.done).length;
    if (burst) {
      o.out('');
      table(tableRows(tracker.cases.values())).forEach((l) => o.out(l));
      for (const c of tracker.cases.values()) if (!c.done) o.out(`stuck: Vorgang ${c.vorgangId} (${c.service}, ${c.municipality}) after ${c.hops.map((h) => h.to).join(' → ')}${c.failed ? `: ${c.failed}` : ''}`);
    }
    stopProgress();
    printing = false;
    if (burst) o.out(finalLine(cases, completed));
    else o.out(`demo: stopped after ${cases} case${cases === 1 ? '' : 's'}, completed ${completed}, still on their way ${cases - completed}`);
    return { cases, completed, stuck: cases - completed, tracker, amqp, dropDir, received: { magdeburg: magdeburg.received, halle: halle.received, suelzetal: suelzetal.received, wittenberg: wittenberg.received }, bescheide: efa.bescheide, answered: { magdeburg: magdeburg.answered } };
  } finally {
    stopProgress();
    stopSims.abort();
    printing = false;
    await Promise.allSettled(sims.map((s) => s.stop()));
    await magdeburg.stop();
    await gw?.close();
    await wittenbergSim?.removeTopology().catch((err: unknown) => o.out(`! could not remove the demo's AMQP queue: ${String(err)}`));
    if (tempData) rmSync(dataDir, { recursive: true, force: true });
  }
}
