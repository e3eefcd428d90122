import type { Logger } from 'pino';
import type { OutboundMessage } from '../../connectors/types.js';
import { NotConnectedError, PermanentError, RetryableError } from '../../connectors/errors.js';
import type { DeliveryConfig } from '../config/schema.js';
import type { OutboxStore } from '../store/contracts.js';
import type { OutboxItem, StoredMessage } from '../store/types.js';
import { backoffDelay } from './backoff.js';
import { RecipientEncryption, type RecipientKeys } from './recipient-encryption.js';
import type { EndpointRuntime } from './endpoint.js';
import type { MappingStep } from '../ingress/mapping-step.js';

export interface WorkerOptions {
  store: OutboxStore;
  endpoints: ReadonlyMap<string, EndpointRuntime>;
  delivery: DeliveryConfig;
  log: Logger;
  /** Lease owner id of this process (see ADR 0011). */
  owner: string;
  /** Encryption keys of receiving participants by endpoint id: deliveries there are JWE (ADR 0009). */
  recipientKeys?: RecipientKeys;
  /** Maps a replayed message whose delivery mapping failed before (ADR 0020). */
  mapping?: MappingStep;
  /** Told each recorded outcome (gateway/monitoring); called after the store committed it. */
  observer?: DeliveryObserver;
}

/**
 * What the worker tells metrics, after the state transition committed. Must not throw and
 * must not do I/O (hot path). A message put into a pull mailbox is not `delivered` yet: the
 * mailbox acknowledgement is (gateway/api/mailboxes.ts).
 */
export interface DeliveryObserver {
  delivered(m: StoredMessage): void;
  dead(m: StoredMessage): void;
  /** A retryable attempt failed (the message will go again). */
  attemptFailed(endpointId: string): void;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function toOutbound(item: OutboxItem, attempt: number): OutboundMessage {
  const m = item.message;
  return {
    gatewayId: m.id,
    messageUuid: m.messageUuid,
    messageType: m.messageType,
    vorgangId: m.vorgangId,
    author: m.author,
    reader: m.reader,
    leika: m.leika,
    ags: m.ags,
    attempt,
    contentType: item.form?.mediaType ?? (m.payloadFormat === 'jwe' ? 'application/jose' : 'application/xml'),
    payload: item.payload,
    sha512: item.form?.sha512 ?? m.sha512,
    ...(item.form !== undefined && { form: item.form.name }),
    attachments: m.attachments,
    test: m.test,
  };
}

/**
 * The delivery side of the transactional outbox. It claims due outbox items with a lease,
 * hands each to its endpoint's connector within the endpoint's concurrency and circuit
 * breaker, and turns the outcome into exactly one state transition:
 * delivered / in_mailbox, retrying (backoff with jitter), dead (permanent error or last
 * attempt), or released (not connected, shutdown: no attempt counted).
 * At-least-once: a crash between the peer's acknowledgement and `markDelivered` makes the
 * lease expire and the message go again.
 */
export class DeliveryWorker {
  private stopping = false;
  private readonly abort = new AbortController();
  private wakeUp: (() => void) | null = null;
  private loopDone: Promise<void> | null = null;
  private readonly running = new Set<Promise<void>>();

  private readonly encryption: RecipientEncryption;

  constructor(private readonly o: WorkerOptions) {
    this.encryption = new RecipientEncryption(o.recipientKeys);
  }

  start(): void {
    for (const ep of this.o.endpoints.values()) ep.ensureConnected();
    this.loopDone ??= this.loop();
  }

  /** Called after ingress committed new messages, and whenever a slot frees up. */
  wake(): void {
    const w = this.wakeUp;
    this.wakeUp = null;
    w?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wakeUp = null;
        resolve();
      }, ms);
      this.wakeUp = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      let claimed = 0;
      try {
        const capacity: Record<string, number> = {};
        for (const ep of this.o.endpoints.values()) {
          const free = Math.min(ep.capacity(), this.o.delivery.batchSize);
          if (free > 0) capacity[ep.id] = free;
        }
        if (Object.keys(capacity).length > 0) {
          const items = await this.o.store.claimDue({ owner: this.o.owner, leaseMs: this.o.delivery.leaseMs, capacity });
          claimed = items.length;
          if (this.stopping) {
            // stop() began while this claim ran: give the items back instead of starting them.
            await Promise.all(items.map((item) => this.o.store.release(item, 'gateway shutting down before delivery started')));
            break;
          }
          for (const item of items) this.track(this.deliverOne(item));
        }
      } catch (err) {
        this.o.log.error({ err: errorText(err) }, 'outbox claim failed; retrying after the poll interval');
      }
      if (claimed === 0 && !this.stopping) await this.sleep(this.o.delivery.pollMs);
    }
  }

  private track(p: Promise<void>): void {
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
  }

  private async deliverOne(item: OutboxItem): Promise<void> {
    const ep = this.o.endpoints.get(item.endpointId);
    if (!ep) return; // claimDue only returns endpoints we asked for
    const attempt = item.attempts + 1;
    ep.inFlight += 1;
    ep.breaker.started();
    const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.o.delivery.timeoutMs)]);
    try {
      const ready = await this.withForm(item);
      if (ready === null) return;
      item = ready;
      const outbound = await this.encryption.outbound(toOutbound(item, attempt), item.endpointId);
      const receipt = await raceAbort(ep.egress.deliver(outbound, signal), signal);
      ep.breaker.success();
      ep.lastSuccessAt = Date.now();
      if (receipt.outcome === 'in_mailbox') await this.o.store.markInMailbox(item, receipt.mailbox ?? ep.id);
      else {
        await this.o.store.markDelivered(item, receipt.detail);
        this.o.observer?.delivered(item.message);
      }
    } catch (err) {
      await this.onFailure(ep, item, attempt, err).catch((markErr: unknown) =>
        this.o.log.error({ gatewayId: item.messageId, err: errorText(markErr) }, 'could not record delivery outcome; the lease will expire and the message go again'),
      );
    } finally {
      ep.inFlight -= 1;
      this.wake();
    }
  }

  /**
   * A message whose route named a mapping but that has no delivery form yet (its mapping
   * failed at ingress, then it was replayed) is mapped now and the form stored. When the
   * mapping fails again the message goes back to `dead` with the reason (no attempt
   * counted) and null is returned.
   */
  private async withForm(item: OutboxItem): Promise<OutboxItem | null> {
    const name = item.message.mapping;
    if (name === null || item.form !== undefined) return item;
    const outcome = this.o.mapping === undefined ? { kind: 'failed' as const, reason: `mapping ${name} is not loaded` } : await this.o.mapping.deliver(name, item.payload, item.message);
    if (outcome.kind === 'mapped') {
      const form = await this.o.store.putForm(item.messageId, outcome.form);
      return { ...item, payload: outcome.form.body, form: { name: form.name, mediaType: form.mediaType, sha512: form.sha512 } };
    }
    if (outcome.kind === 'none') return item;
    this.o.log.error({ gatewayId: item.messageId, mapping: name, reason: outcome.reason }, 'delivery mapping failed again; message is dead');
    await this.o.store.markDead(item, outcome.reason, false);
    this.o.observer?.dead(item.message);
    return null;
  }

  private async onFailure(ep: EndpointRuntime, item: OutboxItem, attempt: number, err: unknown): Promise<void> {
    const log = this.o.log.child({ gatewayId: item.messageId, endpoint: ep.id, attempt });
    if (this.abort.signal.aborted) {
      ep.breaker.neutral();
      await this.o.store.release(item, 'gateway shutting down: delivery interrupted, not counted');
      return;
    }
    if (err instanceof NotConnectedError) {
      ep.breaker.neutral();
      ep.markDisconnected(err.message);
      await this.o.store.release(item, `not connected: ${err.message}`);
      return;
    }
    if (err instanceof PermanentError) {
      ep.breaker.success(); // the peer answered; it refused this message only
      ep.lastSuccessAt = Date.now();
      log.warn({ reason: err.message }, 'delivery refused permanently; message is dead');
      await this.o.store.markDead(item, `refused by ${ep.id}: ${err.message}`, true);
      this.o.observer?.dead(item.message);
      return;
    }
    ep.breaker.failure();
    ep.lastFailureAt = Date.now();
    this.o.observer?.attemptFailed(ep.id);
    const reason = err instanceof RetryableError ? err.message : `unexpected error: ${errorText(err)}`;
    if (attempt >= this.o.delivery.maxAttempts) {
      log.warn({ reason }, 'last attempt failed; message is dead');
      await this.o.store.markDead(item, `gave up after ${attempt} attempts: ${reason}`, true);
      this.o.observer?.dead(item.message);
      return;
    }
    const retryAfter = err instanceof RetryableError ? err.retryAfterMs : undefined;
    const delay = backoffDelay(this.o.delivery.backoff, attempt, retryAfter);
    log.info({ reason, retryInMs: delay }, 'delivery failed; will retry');
    await this.o.store.markRetrying(item, reason, new Date(Date.now() + delay));
  }

  /**
   * Stops claiming, lets in-flight deliveries finish for up to `shutdownGraceMs`, then
   * aborts the rest (they are released, not counted) and gives back every lease.
   */
  async stop(): Promise<void> {
    if (this.stopping) return this.loopDone ?? undefined;
    this.stopping = true;
    this.wake();
    await this.loopDone;
    const drained = Promise.allSettled([...this.running]);
    const grace = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), this.o.delivery.shutdownGraceMs).unref());
    if ((await Promise.race([drained, grace])) === 'timeout') {
      this.o.log.warn({ inFlight: this.running.size }, 'shutdown grace over: releasing in-flight deliveries');
      this.abort.abort(new Error('shutdown'));
      await drained;
    }
    await this.o.store.releaseOwner(this.o.owner);
  }
}

/** Rejects when the signal aborts even if the connector ignores it, so a hung peer never blocks a slot forever. */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new RetryableError('delivery aborted before start'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new RetryableError(`delivery timed out or aborted: ${errorText(signal.reason)}`));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e: unknown) => (signal.removeEventListener('abort', onAbort), reject(e)),
    );
  });
}
