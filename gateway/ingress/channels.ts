import { admittedSink, type AdmissionControl } from './admission.js';
import type { Logger } from 'pino';
import type { ConnectorHealth, ConnectorSpec, Ingress } from '../../connectors/types.js';
import type { GatewayConfig } from '../config/schema.js';
import { retryWithBackoff } from '../outbox/backoff.js';
import type { MessageWrites } from '../store/contracts.js';
import type { IngressPipeline } from './pipeline.js';
import { ChannelSink } from './sink.js';

/** One inbound channel as configured: `ingress.connectors[]`, with `ingress.amqp[]` (the short form) folded in. */
export interface InboundChannelConfig {
  id: string;
  connector: string;
  authors: string[];
  config: Record<string, unknown>;
}

/** Status of one inbound channel, shown beside the endpoints (metrics, monitoring UI). */
export interface ChannelStatus {
  id: string;
  connector: string;
  /** True once `start` resolved (the connector takes items). */
  started: boolean;
  health: ConnectorHealth;
}

const RESTART = { initialMs: 250, multiplier: 2, maxMs: 30_000, jitter: 0.2 };

/**
 * Every inbound channel of the configuration: `ingress.connectors[]` as given, then each
 * `ingress.amqp[]` entry as the `amqp091` connector with `{ url, queue, prefetch }` (the short form
 * keeps its meaning: the same queue, prefetch, authors and rejection-log name `amqp:<id>`).
 */
export function inboundChannels(cfg: GatewayConfig): InboundChannelConfig[] {
  return [
    ...cfg.ingress.connectors.map((c) => ({ id: c.id, connector: c.connector, authors: c.authors, config: c.config })),
    ...cfg.ingress.amqp.map((q) => ({ id: q.id, connector: 'amqp091', authors: q.authors, config: { url: q.url, queue: q.queue, prefetch: q.prefetch } })),
  ];
}

/**
 * One inbound channel at run time: its connector's Ingress, fed by its own ChannelSink. `start`
 * runs in the background and is retried with backoff until it succeeds or the channel is closed
 * (a broker that is down at start does not hold the gateway's start).
 */
export class ChannelRuntime {
  private started = false;
  private readonly stopped = new AbortController();
  private running: Promise<void> | undefined;

  constructor(
    readonly id: string,
    readonly connector: string,
    readonly ingress: Ingress,
    private readonly log: Logger,
  ) {}

  /** Starts the connector in the background; a second call does nothing. */
  start(): void {
    this.running ??= this.startLoop();
  }

  private async startLoop(): Promise<void> {
    const signal = this.stopped.signal;
    const attempt = await retryWithBackoff(RESTART, signal, () => this.ingress.start(signal), (err, n, delay) => {
      if (!signal.aborted) this.log.warn({ channel: this.id, attempt: n, retryInMs: delay, err: err instanceof Error ? err.message : String(err) }, 'inbound channel start failed');
    });
    if (attempt === undefined) return;
    this.started = true;
    if (attempt > 1) this.log.info({ channel: this.id, attempt }, 'inbound channel started');
  }

  status(): ChannelStatus {
    return { id: this.id, connector: this.connector, started: this.started, health: this.ingress.health() };
  }

  /** Stops the start loop, then closes the connector (running submits finish, bounded by the connector). Idempotent. */
  async close(): Promise<void> {
    this.stopped.abort();
    await this.running;
    await this.ingress.close();
  }
}

export interface ChannelDeps {
  cfg: GatewayConfig;
  connectors: Readonly<Record<string, ConnectorSpec>>;
  pipeline: Pick<IngressPipeline, 'submit'>;
  store: Pick<MessageWrites, 'recordRejection'>;
  log: Logger;
  /** Admission control (ADR 0036): a channel's submits wait their turn like HTTP's; refused (503) means undecided, the item stays at its peer. */
  admission?: AdmissionControl;
}

/**
 * Builds (does not start) one ChannelRuntime per inbound channel. Throws when a channel names a
 * connector without an ingress side — config validation (config/load.ts) refuses that first.
 */
export function buildChannels(d: ChannelDeps): Map<string, ChannelRuntime> {
  const out = new Map<string, ChannelRuntime>();
  for (const c of inboundChannels(d.cfg)) {
    const spec = d.connectors[c.connector];
    if (spec?.createIngress === undefined) throw new Error(`inbound channel ${c.id}: connector ${c.connector} has no ingress side`);
    const log = d.log.child({ component: 'ingress-channel', channel: c.id, connector: spec.name });
    const channelSink = new ChannelSink({ cfg: d.cfg, channel: c.id, authors: c.authors, pipeline: d.pipeline, store: d.store, log });
    const sink = d.admission === undefined ? channelSink : admittedSink(channelSink, d.admission, c.id);
    const config = (spec.ingressConfigSchema ?? spec.configSchema).parse(c.config);
    out.set(c.id, new ChannelRuntime(c.id, spec.name, spec.createIngress(config, { connectorId: c.id, log, sink }), log));
  }
  return out;
}
