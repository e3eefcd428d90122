import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { GatewayConfig, ServiceConfig } from '../config/schema.js';
import type { DeadlineConfig } from '../config/service-rules.js';
import { GatewayError } from '../errors.js';
import type { Router } from '../routing/router.js';
import type { DeadlineStore, MessageReads, MessageWrites } from '../store/contracts.js';
import type { DeadlineCandidate } from '../store/types.js';
import type { MessageValidator } from '../validation/types.js';
import { closedNotice, derivedUuid } from './notice.js';

export interface DeadlineWatcherDeps {
  cfg: GatewayConfig;
  store: DeadlineStore & MessageWrites & MessageReads;
  router: Router;
  validator: MessageValidator;
  log: Logger;
  /** Called after a notice was stored, to wake the delivery worker. */
  onAccepted: () => void;
  /** The clock (tests pass a fake one); default the system clock. */
  now?: () => Date;
}

/** What one pass did, per Vorgang (for tests and logs). */
export interface DeadlineOutcome {
  vorgangId: string;
  deadline: string;
  kind: 'reminder' | 'closed';
  /** false when another pass (or instance) had recorded it first. */
  recorded: boolean;
  /** The gateway id of the notice to the municipality (kind `closed`, when one could be addressed). */
  noticeId?: string;
}

/**
 * Watches the deadlines of `services[].deadlines` (ADR 0023). Every `intervalMs` (and on
 * `tick`), for each deadline it asks the store for Vorgänge whose latest `after` message
 * was delivered and no `until` message followed; past `remindAfter` it records a
 * `reminder` case event, past `closeAfter` it writes the gateway.fehler.0902 notice to the
 * municipality's Fachverfahren (validated, routed and stored with its outbox row like any
 * message) and records the `closed` event, which makes ingress refuse further follow-ups
 * except the municipality's. Safe with several instances: events are recorded once (the
 * store ignores a second insert) and the notice's message UUID is derived from the case, so
 * a second writer gets the first one's receipt. Logs ids only.
 */
export class DeadlineWatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<DeadlineOutcome[]> | undefined;
  /**
   * Per `<service>/<deadline>`: the seq from which the next pass scans (MessageStore.deadlineWatermark).
   * In memory: after a restart the first pass scans from the start once.
   */
  private readonly watermarks = new Map<string, number>();
  private readonly now: () => Date;

  constructor(private readonly deps: DeadlineWatcherDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** Starts the periodic pass (no-op without deadlines or when disabled). */
  start(): void {
    const s = this.deps.cfg.deadlines;
    if (!s.enabled || this.timer !== undefined || !this.deps.cfg.services.some((x) => x.deadlines.length > 0)) return;
    this.timer = setInterval(() => void this.tick().catch((err: unknown) => this.deps.log.error({ err: err instanceof Error ? err.message : String(err) }, 'deadline pass failed')), s.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a running pass. Idempotent. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** One pass at `now` (default the clock); passes never overlap in one process. */
  tick(now: Date = this.now()): Promise<DeadlineOutcome[]> {
    const previous = this.running ?? Promise.resolve([]);
    const next = previous.catch(() => []).then(() => this.pass(now));
    this.running = next;
    return next;
  }

  private async pass(now: Date): Promise<DeadlineOutcome[]> {
    const out: DeadlineOutcome[] = [];
    for (const service of this.deps.cfg.services) {
      for (const d of service.deadlines) {
        const query = { deadline: d.name, after: d.after, until: d.until, leika: service.leika };
        const key = `${service.id}/${d.name}`;
        const candidates = await this.deps.store.deadlineCandidates({ ...query, fromSeq: this.watermarks.get(key) ?? 0 });
        for (const c of candidates) {
          const elapsed = now.getTime() - Date.parse(c.deliveredAt);
          try {
            if (elapsed >= d.closeAfter) out.push(await this.close(service, d, c, now));
            else if (elapsed >= d.remindAfter && !c.recorded.includes('reminder')) out.push(await this.remind(d, c, now));
          } catch (err) {
            // one case's fault (a notice that does not validate or route) must not stall the others; the next pass tries again
            const code = err instanceof GatewayError ? err.code : 'GW_INTERNAL';
            this.deps.log.error({ vorgangId: c.vorgangId, deadline: d.name, afterMessageId: c.afterMessageId, code }, 'deadline could not be processed; retried on the next pass');
          }
        }
        // after this pass's closes: everything below the watermark is settled for good (ADR 0036)
        this.watermarks.set(key, await this.deps.store.deadlineWatermark({ ...query, fromSeq: this.watermarks.get(key) ?? 0 }));
      }
    }
    return out;
  }

  private async remind(d: DeadlineConfig, c: DeadlineCandidate, now: Date): Promise<DeadlineOutcome> {
    const recorded = await this.deps.store.recordVorgangEvent({ vorgangId: c.vorgangId, kind: 'reminder', deadline: d.name, afterMessageId: c.afterMessageId, at: now });
    if (recorded) this.deps.log.info({ vorgangId: c.vorgangId, deadline: d.name, afterMessageId: c.afterMessageId, event: 'reminder' }, 'deadline reminder: the message that started it is unanswered');
    return { vorgangId: c.vorgangId, deadline: d.name, kind: 'reminder', recorded };
  }

  private async close(service: ServiceConfig, d: DeadlineConfig, c: DeadlineCandidate, now: Date): Promise<DeadlineOutcome> {
    const noticeId = await this.writeNotice(service, d, c, now);
    const recorded = await this.deps.store.recordVorgangEvent({ vorgangId: c.vorgangId, kind: 'closed', deadline: d.name, afterMessageId: c.afterMessageId, at: now, ...(noticeId !== undefined && { noticeMessageId: noticeId }) });
    if (recorded) this.deps.log.warn({ vorgangId: c.vorgangId, deadline: d.name, afterMessageId: c.afterMessageId, noticeId, event: 'closed' }, 'deadline ran out: Vorgang closed as incomplete');
    return { vorgangId: c.vorgangId, deadline: d.name, kind: 'closed', recorded, ...(noticeId !== undefined && { noticeId }) };
  }

  /**
   * Stores the notice to the municipality's Fachverfahren; its gateway id, or undefined
   * (logged) when the case names no municipality with a Fachverfahren participant for the
   * service. A notice that fails validation or routing is a configuration fault: it throws,
   * it is logged (ids and code) and the next pass tries again, so the case is not closed unannounced.
   */
  private async writeNotice(service: ServiceConfig, d: DeadlineConfig, c: DeadlineCandidate, now: Date): Promise<string | undefined> {
    const { cfg, store, router, validator } = this.deps;
    const after = await store.getMessage(c.afterMessageId);
    const reader = after === null ? undefined : fachverfahrenOf(cfg, after.ags, service.id);
    if (after === null || reader === undefined) {
      this.deps.log.error({ vorgangId: c.vorgangId, deadline: d.name, service: service.id }, 'deadline closed a Vorgang, but no Fachverfahren participant of its municipality can be told');
      return undefined;
    }
    const messageUuid = derivedUuid('deadline-closed', c.vorgangId, d.name, c.afterMessageId);
    const payload = closedNotice({ after, deadline: d.name, author: cfg.deadlines.kennung, reader, messageUuid, now });
    const checked = validator.check(payload);
    const decision = await router.decide(checked.header);
    const result = await store.accept({
      id: randomUUID(),
      header: checked.header,
      payload,
      payloadSha512: createHash('sha512').update(payload).digest('hex'),
      attachments: [],
      routeName: decision.routeName,
      endpointId: decision.endpointId,
      routeReason: `deadline ${d.name} closed the Vorgang; ${decision.reason}`,
      warnings: checked.warnings,
    });
    // 'duplicate' or 'conflict': another pass or instance wrote this notice first (its time differs): that one stands.
    if (result.kind === 'created') this.deps.onAccepted();
    return result.receipt.gatewayId;
  }
}

/** The municipality's Fachverfahren participant for the service, else the municipality's own participant. */
function fachverfahrenOf(cfg: GatewayConfig, ags: string, service: string): { kennung: string; name: string } | undefined {
  const m = cfg.municipalities.find((x) => x.ags === ags);
  const endpoint = m?.fachverfahren[service];
  if (m === undefined || endpoint === undefined) return undefined;
  const p = cfg.participants.find((x) => x.kind === 'fachverfahren' && x.endpoint === endpoint) ?? cfg.participants.find((x) => x.id === m.participant);
  return p === undefined ? undefined : { kennung: p.kennung, name: p.name ?? p.id };
}
