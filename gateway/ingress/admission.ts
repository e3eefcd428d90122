import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { IngressSink } from '../../connectors/types.js';
import { principalOf } from '../auth/principal.js';
import type { AdmissionConfig } from '../config/schema.js';
import { GatewayError } from '../errors.js';
import type { StorePressure } from '../store/types.js';

/** Why ingress refuses with 503: which limit of `ingress.admission` is over. */
export type OverloadReason = 'pending-writes' | 'oldest-pending' | 'slow-commit' | 'outbox-backlog';
export const OVERLOAD_REASONS: readonly OverloadReason[] = ['pending-writes', 'oldest-pending', 'slow-commit', 'outbox-backlog'];
/** Every refusal of admission control: the overload reasons, and `over-share` (429). */
export type RefusalReason = OverloadReason | 'over-share';

/** Where admission control reads how far the store and the outbox are behind. */
export interface AdmissionSources {
  /** Synchronous and cheap: read on every request. */
  pressure(): StorePressure;
  /** Pending outbox items per endpoint (running counts, migration 13): read every `refreshMs`, never per request. */
  outboxDepth(): Promise<Record<string, number>>;
}

/** What `/api/v1/admin/stats` and the metrics show of admission control. */
export interface AdmissionState {
  enabled: boolean;
  /** True while new messages are refused with 503. */
  overloaded: boolean;
  reasons: OverloadReason[];
  store: StorePressure;
  /** Pending outbox items of all endpoints as last read. */
  outboxBacklog: number;
  /** Ingress requests in flight now, and from how many clients. */
  inFlight: number;
  clients: number;
  /** Refusals since start, by reason. */
  refused: Record<RefusalReason, number>;
  limits: AdmissionConfig;
}

/**
 * Admission control at ingress (ADR 0036). Every ingress request (HTTP messages, FIT-Connect
 * writes, ingress connectors) calls `enter(client)` before it reads its body; it gets a release
 * function to call once the request is answered, or a thrown refusal:
 *
 * - 503 GW_OVERLOADED while the store's writes are behind (queued writes, the age of the
 *   oldest, a slow commit — held for `commitHoldMs`, then the next commit decides) or the
 *   outbox holds more than `maxOutboxBacklog` pending items; nothing is queued for later.
 * - 429 GW_CLIENT_OVER_SHARE for a client at `maxInFlightPerClient`, or — while `maxInFlight`
 *   requests are in flight — at its fair share (`maxInFlight` ÷ clients in flight). A client
 *   under its share is still taken when ingress is full: one flooding client cannot starve
 *   the others, and the total stays below about twice `maxInFlight`.
 *
 * State is in memory, per process; `start` reads the outbox backlog every `refreshMs`.
 */
export class AdmissionControl {
  private readonly inFlight = new Map<string, number>();
  private total = 0;
  private outboxBacklog = 0;
  /** The slow commit duration seen last and until when it holds refusals (performance.now()). */
  private slowCommitSeen = 0;
  private slowCommitUntil = 0;
  private readonly refused: Record<RefusalReason, number> = { 'pending-writes': 0, 'oldest-pending': 0, 'slow-commit': 0, 'outbox-backlog': 0, 'over-share': 0 };
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly cfg: AdmissionConfig,
    private readonly sources: AdmissionSources,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Reads the outbox backlog now and then every `refreshMs` (unref'd timer). */
  async start(): Promise<void> {
    await this.refresh();
    if (this.timer !== undefined || !this.cfg.enabled) return;
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), this.cfg.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reads the outbox backlog from the store's running counts. */
  async refresh(): Promise<void> {
    const depth = await this.sources.outboxDepth();
    this.outboxBacklog = Object.values(depth).reduce((a, b) => a + b, 0);
  }

  /**
   * Admits one ingress request of `client` or throws GW_OVERLOADED / GW_CLIENT_OVER_SHARE
   * (both with `retryAfterSeconds`). The returned release is idempotent.
   */
  enter(client: string): () => void {
    if (!this.cfg.enabled) return () => undefined;
    const reasons = this.overloadReasons();
    if (reasons.length > 0) {
      const reason = reasons[0]!;
      this.refused[reason] += 1;
      throw new GatewayError('GW_OVERLOADED', `The gateway takes no new messages for now (${describe(reason)}); nothing was stored. Retry after ${this.cfg.retryAfterSeconds} s.`, {
        extra: { retryAfterSeconds: this.cfg.retryAfterSeconds, reason },
      });
    }
    const mine = this.inFlight.get(client) ?? 0;
    const share = this.shareOf(mine);
    if (mine >= share) {
      this.refused['over-share'] += 1;
      throw new GatewayError('GW_CLIENT_OVER_SHARE', `This client already has ${mine} ingress requests in flight, its share is ${share}; retry after ${this.cfg.retryAfterSeconds} s.`, {
        extra: { retryAfterSeconds: this.cfg.retryAfterSeconds, inFlight: mine, share },
      });
    }
    this.inFlight.set(client, mine + 1);
    this.total += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total -= 1;
      const n = (this.inFlight.get(client) ?? 1) - 1;
      if (n <= 0) this.inFlight.delete(client);
      else this.inFlight.set(client, n);
    };
  }

  /** True while new messages are refused with 503 (`/ready` answers 503 then). */
  overloaded(): boolean {
    return this.cfg.enabled && this.overloadReasons().length > 0;
  }

  state(): AdmissionState {
    const reasons = this.cfg.enabled ? this.overloadReasons() : [];
    return {
      enabled: this.cfg.enabled,
      overloaded: reasons.length > 0,
      reasons,
      store: this.sources.pressure(),
      outboxBacklog: this.outboxBacklog,
      inFlight: this.total,
      clients: this.inFlight.size,
      refused: { ...this.refused },
      limits: this.cfg,
    };
  }

  /** How many requests a client holding `mine` may have in flight now. */
  private shareOf(mine: number): number {
    if (this.total < this.cfg.maxInFlight) return this.cfg.maxInFlightPerClient;
    const clients = this.inFlight.size + (mine === 0 ? 1 : 0);
    return Math.min(this.cfg.maxInFlightPerClient, Math.max(1, Math.floor(this.cfg.maxInFlight / clients)));
  }

  private overloadReasons(): OverloadReason[] {
    const p = this.sources.pressure();
    const c = this.cfg;
    const out: OverloadReason[] = [];
    if (p.pendingWrites > c.maxPendingWrites) out.push('pending-writes');
    if (p.oldestPendingMs > c.maxOldestPendingMs) out.push('oldest-pending');
    if (this.slowCommit(p.lastCommitMs)) out.push('slow-commit');
    if (this.outboxBacklog > c.maxOutboxBacklog) out.push('outbox-backlog');
    return out;
  }

  /**
   * A commit over `maxCommitMs` holds refusals for `commitHoldMs` from when it was first seen.
   * The same duration seen again is the same commit (no write since — refusals stop writes):
   * it does not hold again, so the next request after the hold is taken and its commit decides.
   */
  private slowCommit(lastCommitMs: number): boolean {
    const now = this.now();
    if (lastCommitMs > this.cfg.maxCommitMs && lastCommitMs !== this.slowCommitSeen) {
      this.slowCommitSeen = lastCommitMs;
      this.slowCommitUntil = now + this.cfg.commitHoldMs;
    }
    return now < this.slowCommitUntil;
  }
}

function describe(reason: OverloadReason): string {
  switch (reason) {
    case 'pending-writes':
      return 'too many store writes wait for their commit';
    case 'oldest-pending':
      return 'store writes wait too long for their commit';
    case 'slow-commit':
      return 'the store commits slowly';
    case 'outbox-backlog':
      return 'too many messages wait for delivery';
  }
}

/** Who a request counts against: the participant, else the caller's address (never a value from the body). */
export function clientOf(req: Request, res: Response): string {
  const p = principalOf(res);
  if (p?.participant) return `participant:${p.participant.id}`;
  return `address:${req.socket.remoteAddress ?? 'unknown'}`;
}

/**
 * Express middleware for an ingress route, placed after its policy guard and before any body
 * parser: refused requests are answered before the body is read (problemHandler sets
 * `Retry-After` and drains the body); admitted ones hold their slot until the response is finished or the
 * connection closed.
 */
export function admit(admission: AdmissionControl | undefined): RequestHandler {
  return function admit(req: Request, res: Response, next: NextFunction): void {
    if (admission === undefined) return next();
    let release: () => void;
    try {
      release = admission.enter(clientOf(req, res));
    } catch (err) {
      return next(err);
    }
    res.once('finish', release);
    res.once('close', release);
    next();
  };
}

/**
 * An IngressSink under admission control: each submit counts against `client` (the connector
 * id); a refusal rejects the submit with GW_OVERLOADED / GW_CLIENT_OVER_SHARE, so the
 * connector leaves the item at its peer and offers it again later (IngressSink contract).
 */
export function admittedSink(sink: IngressSink, admission: AdmissionControl, client: string): IngressSink {
  return {
    async submit(item, signal) {
      const release = admission.enter(`connector:${client}`);
      try {
        return await sink.submit(item, signal);
      } finally {
        release();
      }
    },
  };
}
