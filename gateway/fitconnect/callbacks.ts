import { readFileSync } from 'node:fs';
import { request as httpRequest, type ClientRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/schema.js';
import { GatewayError, type Issue } from '../errors.js';
import { backoffDelay, type BackoffPolicy } from '../outbox/backoff.js';
import { addressProblem, outboundUrlProblem as callbackUrlProblem, type OutboundUrlPolicy as CallbackUrlPolicy } from '../auth/outbound-url.js';
import type { CallbackStore } from './callback-store.js';
import { CALLBACK_AUTH_HEADER, CALLBACK_TIMESTAMP_HEADER, callbackHmac, NEW_SUBMISSIONS_TYPE } from './client/verify-callback.js';

/**
 * Callbacks of FIT-Connect destinations (ADR 0028): after a submission to a destination is
 * durably stored, the submission side calls `notifyNewSubmissions`; the callback is written
 * to the callback store (callback-store.ts) and POSTed in the background to the
 * destination's `callback.url` with FIT-Connect's headers, a fresh timestamp and HMAC per
 * attempt, retried with exponential backoff until a 2xx answer or `maxAttempts`. Nothing
 * here ever waits for the receiver on the caller's path.
 */

/** A destination's callback as configured, with its secret read from `secretRef`. */
export interface CallbackTarget {
  url: string;
  secret: string;
}

export const MIN_CALLBACK_SECRET_LENGTH = 32;

/**
 * Reads every configured callback secret (`env:<VARIABLE>` or `file:<path>`, trimmed) at
 * start. Throws GW_CONFIG_INVALID listing every destination whose secret is missing,
 * unreadable or shorter than 32 characters; the secret itself never appears in the error.
 */
export function loadCallbackTargets(cfg: GatewayConfig, env: NodeJS.ProcessEnv = process.env): Map<string, CallbackTarget> {
  const out = new Map<string, CallbackTarget>();
  const issues: Issue[] = [];
  cfg.fitConnect.destinations.forEach((d, i) => {
    if (!d.callback) return;
    const path = `fitConnect.destinations.${i}.callback.secretRef`;
    const ref = d.callback.secretRef;
    let secret: string | undefined;
    if (ref.startsWith('env:')) secret = env[ref.slice(4)];
    else {
      try {
        secret = readFileSync(ref.slice(5), 'utf8');
      } catch (cause) {
        issues.push({ path, message: `secret file cannot be read (${(cause as NodeJS.ErrnoException).code ?? 'error'})`, layer: 'config' });
        return;
      }
    }
    secret = secret?.trim();
    if (!secret) issues.push({ path, message: `${ref.startsWith('env:') ? `environment variable ${ref.slice(4)} is not set` : 'secret file is empty'}`, layer: 'config' });
    else if (secret.length < MIN_CALLBACK_SECRET_LENGTH) issues.push({ path, message: `the callback secret must have at least ${MIN_CALLBACK_SECRET_LENGTH} characters`, layer: 'config' });
    else out.set(d.id, { url: d.callback.url, secret });
  });
  if (issues.length > 0) throw new GatewayError('GW_CONFIG_INVALID', `FIT-Connect callback secrets: ${issues.length} problem(s)`, { issues });
  return out;
}

/**
 * A DNS lookup for callback requests that fails when any address of the host is outside
 * the outbound URL policy (gateway/auth/outbound-url.ts), so a name cannot lead the gateway to a refused
 * address (checked on each connection, after resolution; no redirects are followed).
 */
export function guardedLookup(policy: CallbackUrlPolicy): NonNullable<RequestOptions['lookup']> {
  return (host, opts, cb) =>
    dnsLookup(host, { ...opts, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return cb(err, '', 0);
      const bad = addresses.map((a) => addressProblem(a.address, policy)).find((p) => p !== undefined);
      if (bad) return cb(new Error(`callback host ${host} resolves to a refused address: ${bad}`), '', 0);
      if ((opts as { all?: boolean }).all) return (cb as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      return cb(null, addresses[0]!.address, addresses[0]!.family);
    });
}

/** One submission a callback announces. A bare id is announced in `submissionIds` only. */
export type NewSubmissionRef = string | { submissionId: string; caseId: string };

/** The callback body FIT-Connect defines for new submissions (`submissionIds` is deprecated there but still sent). */
export function newSubmissionsBody(destinationId: string, submissions: readonly NewSubmissionRef[]): string {
  const ids = submissions.map((s) => (typeof s === 'string' ? s : s.submissionId));
  const full = submissions.filter((s): s is { submissionId: string; caseId: string } => typeof s !== 'string');
  return JSON.stringify({
    type: NEW_SUBMISSIONS_TYPE,
    submissionIds: ids,
    submissions: full.map((s) => ({ destinationId, submissionId: s.submissionId, caseId: s.caseId })),
  });
}

/** The submission ids a stored callback body announces (newSubmissionsBody); none for a body that is not one. */
function announcedIds(body: string): string[] {
  try {
    const ids = (JSON.parse(body) as { submissionIds?: unknown }).submissionIds;
    return Array.isArray(ids) ? ids.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * How long callbacks set over the API on another instance may take to be used here (ADR 0043):
 * the stored targets are re-read at most this often.
 */
export const TARGETS_REFRESH_MS = 1000;
/** A claim lasts the request timeout and this much more, so it never ends while its request may still be answered. */
const CLAIM_MARGIN_MS = 30_000;

export interface CallbackNotifierOptions {
  store: CallbackStore;
  targets: ReadonlyMap<string, CallbackTarget>;
  urlPolicy: CallbackUrlPolicy;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  backoff: BackoffPolicy;
  maxAttempts: number;
  timeoutMs: number;
  /** How often due callbacks are looked for when nothing wakes the loop. */
  pollMs: number;
  /** Parallel deliveries at most. */
  concurrency?: number;
  now?: () => number;
}

/** A callback the receiver answered with 2xx: the destination and the submissions it announced. */
export interface DeliveredCallback {
  destinationId: string;
  submissionIds: string[];
}

export class CallbackNotifier {
  private delivered: ((c: DeliveredCallback) => Promise<void>) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly inFlight = new Set<number>();
  private readonly requests = new Set<ClientRequest>();
  private stopped = true;
  private readonly now: () => number;

  /** The targets set over the API (stored, so they outlive a restart and reach every instance), as last read, overlaying the configured ones. */
  private stored: { at: number; targets: Map<string, CallbackTarget> } | undefined;

  constructor(private readonly o: CallbackNotifierOptions) {
    this.now = o.now ?? Date.now;
  }

  /** The callback in force for a destination: set over the API (re-read after TARGETS_REFRESH_MS), else configured. */
  private async targetOf(destinationId: string): Promise<CallbackTarget | undefined> {
    if (this.stored === undefined || this.now() - this.stored.at >= TARGETS_REFRESH_MS) {
      const at = this.now();
      this.stored = { at, targets: new Map((await this.o.store.targets()).map((t) => [t.destinationId, { url: t.url, secret: t.secret }])) };
    }
    return this.stored.targets.get(destinationId) ?? this.o.targets.get(destinationId);
  }

  /**
   * Sets or rotates `destinationId`'s callback (PATCH /v1/destinations/{id}, ADR 0041): the URL
   * must pass the outbound URL policy and the secret have 32 to 512 printable ASCII characters;
   * both are stored before this returns and used from the next attempt on (also for callbacks
   * still pending). Throws GW_BAD_REQUEST naming the member that was refused (never the secret).
   * Returns the URL now in force.
   */
  async setTarget(destinationId: string, target: CallbackTarget, by: string): Promise<{ url: string }> {
    const issues: Issue[] = [];
    const why = callbackUrlProblem(target.url, this.o.urlPolicy);
    if (why) issues.push({ message: `callback URL refused: ${why}`, path: '/callback/url', rule: 'callback.url' });
    if (target.secret.length < MIN_CALLBACK_SECRET_LENGTH || target.secret.length > 512 || !/^[\x21-\x7e]+$/.test(target.secret)) {
      issues.push({ message: `the callback secret must have ${MIN_CALLBACK_SECRET_LENGTH} to 512 printable ASCII characters without spaces`, path: '/callback/secret', rule: 'callback.secret' });
    }
    if (issues.length > 0) throw new GatewayError('GW_BAD_REQUEST', `the callback cannot be set: ${issues.map((i) => i.message).join('; ')}`, { issues });
    const id = destinationId.toLowerCase();
    await this.o.store.saveTarget({ destinationId: id, url: target.url, secret: target.secret }, by, this.now());
    this.stored?.targets.set(id, { url: target.url, secret: target.secret });
    return { url: target.url };
  }

  /** The URL of `destinationId`'s callback in force, if it has one (the secret is never handed out). */
  async targetUrl(destinationId: string): Promise<string | undefined> {
    return (await this.targetOf(destinationId.toLowerCase()))?.url;
  }

  /**
   * Announces new submissions of `destinationId` to its callback. Called by the submission
   * side after the submit is durably stored. Resolves true once the callback is stored
   * (durable) and false when the destination has no callback; it never rejects and never
   * waits for the receiver: a store failure is logged (the subscriber still finds the
   * submission when it lists its destination).
   */
  async notifyNewSubmissions(destinationId: string, submissions: readonly NewSubmissionRef[]): Promise<boolean> {
    const id = destinationId.toLowerCase();
    if (submissions.length === 0) return false;
    try {
      if ((await this.targetOf(id)) === undefined) return false;
      await this.o.store.enqueue(id, newSubmissionsBody(id, submissions), this.now());
    } catch (err) {
      this.o.log.error({ destinationId: id, err: err instanceof Error ? err.message : String(err) }, 'FIT-Connect callback could not be stored; it is not sent');
      return false;
    }
    this.wake();
    return true;
  }

  /**
   * Registers what is done once a receiver answered 2xx, before the callback is marked
   * delivered (the Submission API records notify-submission, ADR 0041). A failure of `fn` is
   * logged and does not make the callback be sent again; a crash between the two sends it
   * again, so `fn` must be idempotent.
   */
  onDelivered(fn: (c: DeliveredCallback) => Promise<void>): void {
    this.delivered = fn;
  }

  /** Starts the background loop (idempotent). Callbacks stored by an earlier run are resumed. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.wake();
  }

  /**
   * Stops the loop; requests in flight are cut off and count as no attempt (they stay due
   * and are sent after the next start), so a receiver that holds its answer cannot hold the
   * shutdown. Idempotent.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const r of this.requests) r.destroy(new Error('the gateway is stopping'));
    await this.running;
  }

  /** Runs one round now (also called by the loop): every due callback is attempted once. */
  wake(): void {
    if (this.stopped || this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.running = this.round()
      .catch((err: unknown) => this.o.log.error({ err: err instanceof Error ? err.message : String(err) }, 'FIT-Connect callback round failed'))
      .then(() => (this.stopped ? undefined : this.o.store.nextDue()))
      .catch(() => undefined) // the store is unreachable: look again after pollMs
      .then((next) => {
        this.running = undefined;
        if (this.stopped) return;
        const wait = next === undefined ? this.o.pollMs : Math.max(0, Math.min(this.o.pollMs, next - this.now()));
        this.timer = setTimeout(() => this.wake(), wait);
        this.timer.unref();
      });
  }

  private async round(): Promise<void> {
    // claimed: no other instance (nor a later round here) takes these until their outcome is recorded or the claim ends
    const due = (await this.o.store.claimDue(this.now(), this.o.concurrency ?? 8, this.o.timeoutMs + CLAIM_MARGIN_MS)).filter((c) => !this.inFlight.has(c.id));
    await Promise.all(due.map((c) => this.attempt(c.id, c.destinationId, c.body, c.attempts)));
    // more were due than one round takes: go on at once
    if (due.length > 0 && !this.stopped && ((await this.o.store.nextDue()) ?? Infinity) <= this.now()) await this.round();
  }

  private async attempt(id: number, destinationId: string, body: string, attempts: number): Promise<void> {
    this.inFlight.add(id);
    try {
      const target = await this.targetOf(destinationId);
      if (!target) {
        await this.o.store.failed(id, 'the destination has no callback configured any more', this.now(), undefined);
        return;
      }
      const answer = await this.post(target, body).then(
        (a) => a,
        (err: unknown) => (err instanceof Error ? err.message : String(err)),
      );
      if (typeof answer !== 'string' && answer.status >= 200 && answer.status < 300) {
        await this.delivered?.({ destinationId, submissionIds: announcedIds(body) }).catch((err: unknown) =>
          this.o.log.error({ destinationId, callback: id, err: err instanceof Error ? err.message : String(err) }, 'FIT-Connect callback delivered; recording it in the event log failed'),
        );
        await this.o.store.delivered(id, this.now());
        return;
      }
      if (this.stopped) {
        await this.o.store.release(id); // cut off by stop(): no attempt, due again at once
        return;
      }
      const error = typeof answer === 'string' ? answer : `HTTP ${answer.status}`;
      const n = attempts + 1;
      const retryAfterMs = typeof answer === 'string' ? undefined : answer.retryAfterMs;
      const retryAt = n >= this.o.maxAttempts ? undefined : this.now() + backoffDelay(this.o.backoff, n, retryAfterMs);
      await this.o.store.failed(id, error, this.now(), retryAt);
      const log = { destinationId, callback: id, attempt: n, error };
      if (retryAt === undefined) this.o.log.error(log, 'FIT-Connect callback given up after the last attempt');
      else this.o.log.warn(log, 'FIT-Connect callback failed; will retry');
    } finally {
      this.inFlight.delete(id);
    }
  }

  /**
   * One POST; resolves with the status code and a `Retry-After` in seconds if the receiver
   * sent one. Refuses URLs and resolved addresses outside the callback policy; follows no redirects.
   */
  private post(target: CallbackTarget, body: string): Promise<{ status: number; retryAfterMs?: number }> {
    const why = callbackUrlProblem(target.url, this.o.urlPolicy);
    if (why) return Promise.reject(new Error(`callback URL refused: ${why}`));
    const url = new URL(target.url);
    const timestamp = String(Math.floor(this.now() / 1000));
    const lookup = guardedLookup(this.o.urlPolicy);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<{ status: number; retryAfterMs?: number }>((ok, fail) => {
      const req = send(
        url,
        {
          method: 'POST',
          lookup,
          timeout: this.o.timeoutMs,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            [CALLBACK_AUTH_HEADER]: callbackHmac(target.secret, timestamp, body),
            [CALLBACK_TIMESTAMP_HEADER]: timestamp,
          },
        },
        (res) => {
          res.resume();
          const after = /^\d{1,6}$/.exec(String(res.headers['retry-after'] ?? ''))?.[0];
          res.on('end', () => ok({ status: res.statusCode ?? 0, ...(after !== undefined ? { retryAfterMs: Number(after) * 1000 } : {}) }));
          res.on('error', fail);
        },
      );
      this.requests.add(req);
      req.on('close', () => this.requests.delete(req));
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.o.timeoutMs} ms`)));
      req.on('error', fail);
      req.end(body);
    });
  }
}
