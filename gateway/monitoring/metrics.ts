import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { serviceOfMessage } from '../auth/ownership.js';
import type { GatewayConfig } from '../config/schema.js';
import { GatewayError } from '../errors.js';
import type { IngressObserver, SubmitResult } from '../ingress/pipeline.js';
import { OPEN_STATES, type MessageState } from '../model/states.js';
import type { BreakerState } from '../outbox/breaker.js';
import type { EndpointRuntime } from '../outbox/endpoint.js';
import type { DeliveryObserver } from '../outbox/worker.js';
import type { BacklogRow, StoredMessage } from '../store/types.js';

/** Prefix of every metric of the gateway itself (the default process and Node.js metrics keep their standard names). */
export const PREFIX = 'zsa_gateway_';

/** Ingress answers within milliseconds (one group commit), slower under load: 1 ms … 10 s. */
const INGRESS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Push deliveries take milliseconds to seconds; pull mailboxes are emptied minutes or hours later: 10 ms … 1 day. */
const DELIVERY_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14_400, 86_400];
/** One SQLite transaction with fsync: 0.1 ms … 1 s. */
const COMMIT_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

const CIRCUIT_STATES: readonly BreakerState[] = ['closed', 'open', 'half-open'];
const OPEN = new Set<MessageState>(OPEN_STATES);

let processMetrics: Registry | undefined;
/**
 * prom-client's default metrics (process, heap, GC, event-loop lag sampled every 20 ms)
 * describe the process, not one gateway: one registry per process, made on first use and
 * merged into each scrape, so tests that start many gateways do not start many monitors.
 */
function processRegistry(): Registry {
  if (processMetrics === undefined) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics, eventLoopMonitoringPrecision: 20 });
  }
  return processMetrics;
}

/** The facts of a message its counters are labelled by: route, service (from LeiKa or route) and endpoint — all bounded by the configuration. */
export interface MessageFacts {
  routeName: string;
  endpointId: string;
  leika: string;
  /** Epoch ms. */
  receivedAt: number;
}

/** Where the scrape-time gauges read from: one indexed store query, the endpoints in memory, the certificates the gateway holds. */
export interface MetricSources {
  backlog(): Promise<BacklogRow[]>;
  endpoints: ReadonlyMap<string, EndpointRuntime>;
  /** Certificates by subject id (docs/metrics.md); may re-read files (at most once per scrape). */
  certificates(): ReadonlyArray<{ subject: string; notAfter: Date }>;
  /** Active alerts by rule id (gateway/monitoring/alerts.ts). */
  activeAlerts?(): ReadonlyArray<{ rule: string }>;
  /** Inbound channels (ingress connectors) with their live health; absent: none. */
  channels?(): ReadonlyArray<{ id: string; connector: string; health: { status: string } }>;
  now?: () => number;
}

type Labels3 = 'route' | 'service' | 'endpoint';

interface Series {
  accepted: Counter.Internal;
  duplicates: Counter.Internal;
  delivered: Counter.Internal;
  dead: Counter.Internal;
  latency: Histogram.Internal<Labels3>;
}

/** An endpoint is up when its connector is connected and its circuit closed (metric `endpoint_up`, alert `endpoint-down`). */
export function endpointUp(e: EndpointRuntime): boolean {
  const s = e.status();
  return s.connected && s.breaker === 'closed';
}

/** The backlog rows and, per configured endpoint, how many wait undelivered (not dead) and the age of the oldest. */
export interface BacklogView {
  rows: BacklogRow[];
  waiting: Map<string, { count: number; ageSeconds: number }>;
}

/** Sums the open states of `rows` per endpoint; every endpoint of `endpointIds` appears (0 when none waits). Used by metrics and alerts alike. */
export function backlogView(rows: readonly BacklogRow[], endpointIds: readonly string[], now: number): BacklogView {
  const acc = new Map<string, { count: number; oldest: number }>(endpointIds.map((e) => [e, { count: 0, oldest: Infinity }]));
  for (const r of rows) {
    if (!OPEN.has(r.state)) continue;
    const w = acc.get(r.endpointId) ?? { count: 0, oldest: Infinity };
    acc.set(r.endpointId, { count: w.count + r.count, oldest: Math.min(w.oldest, r.oldestReceivedAt) });
  }
  const waiting = new Map([...acc].map(([e, w]) => [e, { count: w.count, ageSeconds: w.count === 0 ? 0 : Math.max(0, (now - w.oldest) / 1000) }]));
  return { rows: [...rows], waiting };
}

/**
 * The gateway's Prometheus metrics (ADR 0029, docs/metrics.md), one Registry per gateway
 * (tests run several in one process); the process-wide default metrics are merged in at
 * each scrape. Counters and histograms are updated on the hot path
 * through IngressObserver / DeliveryObserver / `mailboxAcked` / `commit` — no I/O there;
 * backlog, endpoint, certificate and alert gauges are computed when /metrics is scraped.
 */
export class GatewayMetrics implements IngressObserver, DeliveryObserver {
  readonly registry = new Registry();
  private readonly received: Counter;
  private readonly accepted: Counter<Labels3>;
  private readonly duplicates: Counter<Labels3>;
  private readonly rejected: Counter<'code'>;
  private readonly delivered_: Counter<Labels3>;
  private readonly dead_: Counter<Labels3>;
  private readonly attemptsFailed: Counter<'endpoint'>;
  private readonly ingressSeconds: Histogram<'outcome'>;
  private readonly deliverySeconds: Histogram<Labels3>;
  private readonly commitSeconds: Histogram;
  private readonly services = new Map<string, string>();
  private readonly children = new Map<string, Series>();
  private readonly withDefaults: boolean;

  constructor(
    private readonly cfg: GatewayConfig,
    sources: MetricSources,
    opts: { defaultMetrics?: boolean } = {},
  ) {
    const registers = [this.registry];
    const now = sources.now ?? Date.now;
    const three: Labels3[] = ['route', 'service', 'endpoint'];
    this.withDefaults = opts.defaultMetrics !== false;
    this.received = new Counter({ name: `${PREFIX}messages_received_total`, help: 'Submissions that reached the ingress pipeline (HTTP, AMQP, JSON forms), whatever their outcome: received = accepted + duplicate + rejected.', registers });
    this.accepted = new Counter({ name: `${PREFIX}messages_accepted_total`, help: 'Messages stored (durably) as new.', labelNames: three, registers });
    this.duplicates = new Counter({ name: `${PREFIX}messages_duplicate_total`, help: 'Repeated submissions of a stored message (same author, UUID and payload), answered with the first receipt.', labelNames: three, registers });
    this.rejected = new Counter({ name: `${PREFIX}messages_rejected_total`, help: 'Submissions refused, by error code (docs/errors.md).', labelNames: ['code'], registers });
    this.delivered_ = new Counter({ name: `${PREFIX}messages_delivered_total`, help: 'Messages the receiver acknowledged: push delivery acknowledged by the peer, or pull mailbox item acknowledged.', labelNames: three, registers });
    this.dead_ = new Counter({ name: `${PREFIX}messages_dead_total`, help: 'Messages that became dead (permanent refusal, last attempt failed, delivery mapping failed); replay makes them go again.', labelNames: three, registers });
    this.attemptsFailed = new Counter({ name: `${PREFIX}delivery_attempts_failed_total`, help: 'Delivery attempts that failed with a retryable error or timeout.', labelNames: ['endpoint'], registers });
    this.ingressSeconds = new Histogram({ name: `${PREFIX}ingress_duration_seconds`, help: 'Time from the start of the pipeline to the stored message (or the refusal).', labelNames: ['outcome'], buckets: INGRESS_BUCKETS, registers });
    this.deliverySeconds = new Histogram({ name: `${PREFIX}delivery_latency_seconds`, help: 'Time from receipt by the gateway to the receiver\'s acknowledgement.', labelNames: three, buckets: DELIVERY_BUCKETS, registers });
    this.commitSeconds = new Histogram({ name: `${PREFIX}store_commit_duration_seconds`, help: 'Duration of one group commit of the store (BEGIN to COMMIT incl. fsync).', buckets: COMMIT_BUCKETS, registers });

    // --- computed on scrape -----------------------------------------------------------
    const endpointIds = [...sources.endpoints.keys()];
    // The three backlog gauges are collected together on a scrape; they share one query.
    let pending: Promise<BacklogView> | null = null;
    const view = (): Promise<BacklogView> =>
      (pending ??= sources
        .backlog()
        .then((rows) => backlogView(rows, endpointIds, now()))
        .finally(() => setImmediate(() => (pending = null))));
    new Gauge({
      name: `${PREFIX}messages`,
      help: 'Messages still on their way (open states) and dead messages, per endpoint and state (one query on the store index messages_backlog per scrape).',
      labelNames: ['endpoint', 'state'],
      registers,
      async collect() {
        const v = await view();
        this.reset();
        for (const r of v.rows) this.set({ endpoint: r.endpointId, state: r.state }, r.count);
      },
    });
    new Gauge({
      name: `${PREFIX}outbox_backlog_messages`,
      help: 'Messages not yet delivered (queued, retrying, in a pull mailbox, …; not dead), per endpoint.',
      labelNames: ['endpoint'],
      registers,
      async collect() {
        for (const [endpoint, w] of (await view()).waiting) this.set({ endpoint }, w.count);
      },
    });
    new Gauge({
      name: `${PREFIX}outbox_oldest_undelivered_age_seconds`,
      help: 'Age of the oldest message not yet delivered (not dead), per endpoint; 0 when none waits.',
      labelNames: ['endpoint'],
      registers,
      async collect() {
        for (const [endpoint, w] of (await view()).waiting) this.set({ endpoint }, w.ageSeconds);
      },
    });
    const endpoints = [...sources.endpoints.values()];
    new Gauge({
      name: `${PREFIX}endpoint_up`,
      help: '1 when the endpoint\'s connector is connected and its circuit closed, else 0.',
      labelNames: ['endpoint', 'connector'],
      registers,
      collect() {
        for (const e of endpoints) {
          this.set({ endpoint: e.id, connector: e.connector }, endpointUp(e) ? 1 : 0);
        }
      },
    });
    new Gauge({
      name: `${PREFIX}ingress_channel_up`,
      help: '1 when the inbound channel\'s connector reports up (taking items), else 0.',
      labelNames: ['channel', 'connector'],
      registers,
      collect() {
        this.reset();
        for (const c of sources.channels?.() ?? []) this.set({ channel: c.id, connector: c.connector }, c.health.status === 'up' ? 1 : 0);
      },
    });
    new Gauge({
      name: `${PREFIX}endpoint_circuit_state`,
      help: 'Circuit breaker state per endpoint: 1 for the current state, 0 for the others.',
      labelNames: ['endpoint', 'state'],
      registers,
      collect() {
        for (const e of endpoints) for (const state of CIRCUIT_STATES) this.set({ endpoint: e.id, state }, e.breaker.state === state ? 1 : 0);
      },
    });
    new Gauge({
      name: `${PREFIX}endpoint_in_flight`,
      help: 'Deliveries running now per endpoint.',
      labelNames: ['endpoint'],
      registers,
      collect() {
        for (const e of endpoints) this.set({ endpoint: e.id }, e.inFlight);
      },
    });
    const stamp = (name: string, help: string, pick: (e: EndpointRuntime) => number | null) =>
      new Gauge({
        name: `${PREFIX}${name}`,
        help,
        labelNames: ['endpoint'],
        registers,
        collect() {
          this.reset();
          for (const e of endpoints) {
            const at = pick(e);
            if (at !== null) this.set({ endpoint: e.id }, at / 1000);
          }
        },
      });
    stamp('endpoint_last_success_timestamp_seconds', 'Unix time the peer last answered a delivery (absent: not since start).', (e) => e.lastSuccessAt);
    stamp('endpoint_last_failure_timestamp_seconds', 'Unix time of the last failed delivery attempt (absent: not since start).', (e) => e.lastFailureAt);
    new Gauge({
      name: `${PREFIX}certificate_expiry_timestamp_seconds`,
      help: 'Unix time at which a certificate the gateway holds or trusts expires (notAfter), by subject id.',
      labelNames: ['subject'],
      registers,
      collect() {
        this.reset();
        for (const c of sources.certificates()) this.set({ subject: c.subject }, Math.floor(c.notAfter.getTime() / 1000));
      },
    });
    if (sources.activeAlerts) {
      const active = sources.activeAlerts;
      const ruleIds = cfg.monitoring.alerts.map((r) => r.id);
      new Gauge({
        name: `${PREFIX}alerts_active`,
        help: 'Active alerts per rule (gateway/monitoring/alerts.ts): the number of subjects (endpoints, certificates) the rule fires for.',
        labelNames: ['rule'],
        registers,
        collect() {
          const counts = new Map(ruleIds.map((r) => [r, 0]));
          for (const a of active()) counts.set(a.rule, (counts.get(a.rule) ?? 0) + 1);
          for (const [rule, n] of counts) this.set({ rule }, n);
        },
      });
    }
  }

  /** The service label: the configured service of the LeiKa key or route, `none` otherwise (bounded by the configuration). */
  private serviceOf(leika: string, routeName: string): string {
    const key = `${routeName}\u0000${leika}`;
    let s = this.services.get(key);
    if (s === undefined) {
      s = serviceOfMessage(this.cfg, { leika, routeName })?.id ?? 'none';
      // only configured LeiKa keys are remembered, so the cache cannot grow with what senders write
      if (this.cfg.services.some((x) => x.leika.includes(leika))) this.services.set(key, s);
    }
    return s;
  }

  /** The labelled children of one (route, service, endpoint), made once: the hot path then skips prom-client's label hashing. */
  private series(m: { routeName: string; endpointId: string; leika: string }): Series {
    const service = this.serviceOf(m.leika, m.routeName);
    const key = `${m.routeName}\u0000${service}\u0000${m.endpointId}`;
    let s = this.children.get(key);
    if (s === undefined) {
      const l = { route: m.routeName, service, endpoint: m.endpointId };
      s = { accepted: this.accepted.labels(l), duplicates: this.duplicates.labels(l), delivered: this.delivered_.labels(l), dead: this.dead_.labels(l), latency: this.deliverySeconds.labels(l) };
      this.children.set(key, s);
    }
    return s;
  }

  submitted(startedAt: number, outcome: { result: SubmitResult } | { error: unknown }): void {
    this.received.inc();
    const seconds = (performance.now() - startedAt) / 1000;
    if ('result' in outcome) {
      const r = outcome.result;
      const series = this.series(r);
      (r.outcome === 'created' ? series.accepted : series.duplicates).inc();
      // stored dead at ingress (its delivery mapping failed, ADR 0020)
      if (r.outcome === 'created' && r.receipt.state === 'dead') series.dead.inc();
      this.ingressSeconds.observe({ outcome: r.outcome }, seconds);
      return;
    }
    const code = outcome.error instanceof GatewayError ? outcome.error.code : 'GW_INTERNAL';
    this.rejected.inc({ code });
    this.ingressSeconds.observe({ outcome: 'rejected' }, seconds);
  }

  delivered(m: StoredMessage): void {
    this.deliveredFacts({ routeName: m.routeName, endpointId: m.endpointId, leika: m.leika, receivedAt: Date.parse(m.receivedAt) });
  }

  /** A pull mailbox item was acknowledged and its message became delivered (gateway/api/mailboxes.ts). */
  deliveredFacts(f: MessageFacts): void {
    const series = this.series(f);
    series.delivered.inc();
    series.latency.observe(Math.max(0, (Date.now() - f.receivedAt) / 1000));
  }

  dead(m: StoredMessage): void {
    this.series(m).dead.inc();
  }

  attemptFailed(endpointId: string): void {
    this.attemptsFailed.inc({ endpoint: endpointId });
  }

  /** One committed store batch (gateway/store/sqlite/group-commit.ts). */
  commit(seconds: number): void {
    this.commitSeconds.observe(seconds);
  }

  /** The exposition text and its content type (text/plain; version=0.0.4). */
  async scrape(): Promise<{ contentType: string; body: string }> {
    const registry = this.withDefaults ? Registry.merge([processRegistry(), this.registry]) : this.registry;
    return { contentType: registry.contentType, body: await registry.metrics() };
  }
}
