import type { Logger } from 'pino';
import type { AlertRuleConfig } from '../config/schema.js';
import type { BacklogRow } from '../store/types.js';
import type { WatchedCertificate } from './certificates.js';
import { backlogView } from './metrics.js';

/** One alert: a rule broken for one subject (an endpoint id, a certificate subject). Ids and numbers only, never message content. */
export interface Alert {
  rule: string;
  kind: AlertRuleConfig['kind'];
  severity: 'warning' | 'critical';
  /** Endpoint id or certificate subject (gateway/monitoring/certificates.ts). */
  subject: string;
  status: 'firing' | 'resolved';
  /** ISO time of the evaluation that first saw it broken. */
  since: string;
  /** ISO time of the last evaluation that saw it broken. */
  lastSeen: string;
  /** ISO time of the evaluation that saw it fixed (status `resolved`). */
  resolvedAt?: string;
  /** The measured value (messages, seconds, days) and the rule's limit, in `unit`. */
  value: number;
  threshold: number;
  unit: 'messages' | 'seconds' | 'days';
  summary: string;
}

/** Where the evaluator reads: the same sources as the metrics (one indexed backlog query per evaluation). */
export interface AlertSources {
  backlog(): Promise<BacklogRow[]>;
  endpointIds: readonly string[];
  /** Down = not connected, or its circuit is not closed. */
  endpointUp(id: string): boolean;
  certificates(): readonly WatchedCertificate[];
}

/** Receives every firing and resolved alert (the webhook); must not throw. */
export interface AlertSink {
  raise(alert: Alert): void;
}

interface Breach {
  subject: string;
  value: number;
  threshold: number;
  unit: Alert['unit'];
  summary: string;
}

const DAY_MS = 86_400_000;

/**
 * Evaluates the configured alert rules (`monitoring.alerts`, ADR 0029). Each call of
 * `evaluate(now)` compares every rule with the current state, raises a `firing` alert for
 * each newly broken (rule, subject), updates `lastSeen` of those still broken, and raises
 * `resolved` for each that holds again (kept in `recent`). Raised alerts go to the log
 * (rule, subject, numbers) and to the sink (the webhook). `start` runs it every
 * `intervalMs` with the real clock; tests call `evaluate` with their own `now`.
 * Evaluations never overlap: a call while one runs waits for it and then runs.
 */
export class AlertEvaluator {
  private readonly activeAlerts = new Map<string, Alert>();
  private readonly recentAlerts: Alert[] = [];
  /** When each endpoint was first seen down by an evaluation (cleared when seen up). */
  private readonly downSince = new Map<string, number>();
  private running: Promise<Alert[]> = Promise.resolve([]);
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly rules: readonly AlertRuleConfig[],
    private readonly sources: AlertSources,
    private readonly sink: AlertSink,
    private readonly log: Pick<Logger, 'warn' | 'info' | 'error'>,
    private readonly keepRecent = 200,
  ) {}

  /** Runs one evaluation at `now` (epoch ms); resolves with the alerts raised by it (firing and resolved). */
  evaluate(now: number): Promise<Alert[]> {
    this.running = this.running.catch(() => []).then(() => this.evaluateNow(now));
    return this.running;
  }

  active(): Alert[] {
    return [...this.activeAlerts.values()].map((a) => ({ ...a }));
  }

  /** Resolved alerts, newest first. */
  recent(): Alert[] {
    return this.recentAlerts.map((a) => ({ ...a }));
  }

  start(intervalMs: number, clock: () => number = Date.now): void {
    if (this.timer !== null || this.rules.length === 0) return;
    this.timer = setInterval(() => {
      this.evaluate(clock()).catch((err: unknown) => this.log.error({ err: err instanceof Error ? err.message : String(err) }, 'alert evaluation failed; next try at the next interval'));
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a running evaluation. Idempotent. */
  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.running.catch(() => undefined);
  }

  private async evaluateNow(now: number): Promise<Alert[]> {
    const needsBacklog = this.rules.some((r) => r.kind === 'backlog' || r.kind === 'oldest-undelivered' || r.kind === 'dead-letters');
    const rows = needsBacklog ? await this.sources.backlog() : [];
    const view = backlogView(rows, this.sources.endpointIds, now);
    const dead = new Map<string, number>(this.sources.endpointIds.map((e) => [e, 0]));
    for (const r of rows) if (r.state === 'dead') dead.set(r.endpointId, (dead.get(r.endpointId) ?? 0) + r.count);
    for (const id of this.sources.endpointIds) {
      if (this.sources.endpointUp(id)) this.downSince.delete(id);
      else if (!this.downSince.has(id)) this.downSince.set(id, now);
    }
    const certificates = this.rules.some((r) => r.kind === 'certificate-expiry') ? this.sources.certificates() : [];

    const raised: Alert[] = [];
    for (const rule of this.rules) {
      const breaches = this.breaches(rule, now, view.waiting, dead, certificates);
      const broken = new Set<string>();
      for (const b of breaches) {
        const key = `${rule.id}\u0000${b.subject}`;
        broken.add(key);
        const a = this.activeAlerts.get(key);
        if (a) {
          Object.assign(a, { lastSeen: iso(now), value: b.value, summary: b.summary });
          continue;
        }
        const fresh: Alert = { rule: rule.id, kind: rule.kind, severity: rule.severity, subject: b.subject, status: 'firing', since: iso(now), lastSeen: iso(now), value: b.value, threshold: b.threshold, unit: b.unit, summary: b.summary };
        this.activeAlerts.set(key, fresh);
        raised.push({ ...fresh });
      }
      for (const [key, a] of this.activeAlerts) {
        if (a.rule !== rule.id || broken.has(key)) continue;
        this.activeAlerts.delete(key);
        const done: Alert = { ...a, status: 'resolved', resolvedAt: iso(now) };
        this.recentAlerts.unshift(done);
        raised.push({ ...done });
      }
    }
    if (this.recentAlerts.length > this.keepRecent) this.recentAlerts.length = this.keepRecent;
    for (const a of raised) {
      const fields = { alert: a.rule, kind: a.kind, subject: a.subject, value: a.value, threshold: a.threshold, unit: a.unit };
      if (a.status === 'firing') this.log.warn(fields, 'alert firing');
      else this.log.info(fields, 'alert resolved');
      this.sink.raise(a);
    }
    return raised;
  }

  private breaches(rule: AlertRuleConfig, now: number, waiting: Map<string, { count: number; ageSeconds: number }>, dead: Map<string, number>, certificates: readonly WatchedCertificate[]): Breach[] {
    const endpoints = (only: string | undefined) => this.sources.endpointIds.filter((e) => only === undefined || e === only);
    switch (rule.kind) {
      case 'backlog':
        return endpoints(rule.endpoint).flatMap((e) => {
          const n = waiting.get(e)?.count ?? 0;
          return n > rule.threshold ? [{ subject: e, value: n, threshold: rule.threshold, unit: 'messages' as const, summary: `${n} messages wait at endpoint ${e} (limit ${rule.threshold})` }] : [];
        });
      case 'oldest-undelivered':
        return endpoints(rule.endpoint).flatMap((e) => {
          const w = waiting.get(e);
          const age = Math.floor(w?.ageSeconds ?? 0);
          return w !== undefined && w.count > 0 && age > rule.olderThanSeconds
            ? [{ subject: e, value: age, threshold: rule.olderThanSeconds, unit: 'seconds' as const, summary: `the oldest undelivered message at endpoint ${e} is ${age} s old (limit ${rule.olderThanSeconds} s)` }]
            : [];
        });
      case 'dead-letters':
        return endpoints(rule.endpoint).flatMap((e) => {
          const n = dead.get(e) ?? 0;
          return n > rule.threshold ? [{ subject: e, value: n, threshold: rule.threshold, unit: 'messages' as const, summary: `${n} dead messages at endpoint ${e} (limit ${rule.threshold})` }] : [];
        });
      case 'endpoint-down':
        return endpoints(rule.endpoint).flatMap((e) => {
          const since = this.downSince.get(e);
          const down = since === undefined ? -1 : Math.floor((now - since) / 1000);
          return since !== undefined && down >= rule.forSeconds ? [{ subject: e, value: down, threshold: rule.forSeconds, unit: 'seconds' as const, summary: `endpoint ${e} has been down for ${down} s (limit ${rule.forSeconds} s)` }] : [];
        });
      case 'certificate-expiry':
        return certificates.flatMap((c) => {
          const days = Math.floor((c.notAfter.getTime() - now) / DAY_MS);
          if (days >= rule.withinDays) return [];
          const what = days < 0 ? `expired on ${c.notAfter.toISOString().slice(0, 10)}` : `expires in ${days} days (${c.notAfter.toISOString().slice(0, 10)})`;
          return [{ subject: c.subject, value: days, threshold: rule.withinDays, unit: 'days' as const, summary: `certificate ${c.subject} ${what}` }];
        });
    }
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
