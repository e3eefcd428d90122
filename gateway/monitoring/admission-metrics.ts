import { Counter, Gauge, type Registry } from 'prom-client';
import { OVERLOAD_REASONS, type AdmissionState, type RefusalReason } from '../ingress/admission.js';
import { PREFIX } from './metrics.js';

const REASONS: readonly RefusalReason[] = [...OVERLOAD_REASONS, 'over-share'];

/**
 * The metrics of admission control (ADR 0036, docs/metrics.md), read from its state on each
 * scrape: whether ingress is refused now and why, the store's write pressure, the outbox
 * backlog it decides on, requests in flight, and refusals since start.
 */
export function registerAdmissionMetrics(registry: Registry, admission: { state(): AdmissionState }): void {
  const registers = [registry];
  new Gauge({
    name: `${PREFIX}admission_overloaded`,
    help: '1 per limit of ingress.admission that is over now (ingress answers 503 GW_OVERLOADED and /ready 503), else 0.',
    labelNames: ['reason'],
    registers,
    collect() {
      const s = admission.state();
      for (const reason of OVERLOAD_REASONS) this.set({ reason }, s.reasons.includes(reason) ? 1 : 0);
    },
  });
  new Counter({
    name: `${PREFIX}admission_refused_total`,
    help: 'Ingress requests refused by admission control, by reason (`over-share`: 429 GW_CLIENT_OVER_SHARE; the others: 503 GW_OVERLOADED).',
    labelNames: ['reason'],
    registers,
    collect() {
      const refused = admission.state().refused;
      this.reset();
      for (const reason of REASONS) this.inc({ reason }, refused[reason]);
    },
  });
  // single-value gauges, each one figure of the state
  const figures: Array<[string, string, (s: AdmissionState) => number]> = [
    ['admission_in_flight', 'Ingress requests admitted and not yet answered (HTTP messages and attachments, FIT-Connect writes, ingress connectors).', (s) => s.inFlight],
    ['store_pending_writes', 'Store writes queued and not yet committed.', (s) => s.store.pendingWrites],
    ['store_oldest_pending_write_seconds', 'Age of the oldest store write not yet committed; 0 when none waits.', (s) => s.store.oldestPendingMs / 1000],
    ['store_last_commit_seconds', 'Duration of the last store write batch (BEGIN to the end of COMMIT; a batch failed on a held write lock counts).', (s) => s.store.lastCommitMs / 1000],
    ['admission_outbox_backlog_messages', 'Pending outbox items of all endpoints as admission control last read them (refused over ingress.admission.maxOutboxBacklog).', (s) => s.outboxBacklog],
  ];
  for (const [name, help, value] of figures) {
    new Gauge({
      name: `${PREFIX}${name}`,
      help,
      registers,
      collect() {
        this.set(value(admission.state()));
      },
    });
  }
}
