import type { Logger } from 'pino';
import { wireHeaders } from '../../gateway/model/wire-headers.js';
import { Pool } from 'undici';
import { NotConnectedError, RetryableError } from '../errors.js';
import { readTlsFiles, type TlsSocketOptions } from '../tls.js';
import type { ConnectorContext, ConnectorHealth, ConnectorStatus, DeliveryReceipt, Egress, OutboundMessage } from '../types.js';
import { readExcerpt, statusError, transportError } from './answer.js';
import type { HttpConfig } from './config.js';

/** The request headers for one message (besides the configured ones). */
export function messageHeaders(msg: OutboundMessage): Record<string, string> {
  return {
    'content-type': msg.contentType,
    ...wireHeaders({
      gatewayId: msg.gatewayId,
      messageUuid: msg.messageUuid,
      messageType: msg.messageType,
      vorgangId: msg.vorgangId,
      author: msg.author,
      reader: msg.reader,
      ags: msg.ags,
      leika: msg.leika,
      attempt: String(msg.attempt),
      test: String(msg.test),
      ...(msg.form !== undefined && { form: msg.form }),
    }),
    // RFC 9530: digest of the representation, here the bytes as sent (XML, mapped form or JWE)
    'repr-digest': `sha-512=:${Buffer.from(msg.sha512, 'hex').toString('base64')}:`,
    'idempotency-key': msg.gatewayId,
  };
}

/**
 * Egress to an HTTP inbox: one request per message, delivered on a success status.
 * connect() creates the connection pool (it does not call the peer); deliver() decides from
 * the answer: success → delivered; 408, 429, 5xx, timeouts and network errors (refused
 * included) → RetryableError, with Retry-After honoured; any other status → PermanentError
 * carrying the status and the first 4 KB of the answer. Health follows the last outcome.
 */
export class HttpEgress implements Egress {
  private pool: Pool | undefined;
  private opening: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private state: ConnectorHealth = { status: 'down', detail: 'not connected yet', since: new Date().toISOString() };
  private readonly url: URL;
  private readonly log: Logger;

  constructor(
    private readonly config: HttpConfig,
    ctx: ConnectorContext,
  ) {
    this.url = new URL(config.url);
    this.log = ctx.log.child({ connector: 'http', endpoint: ctx.endpointId });
  }

  /**
   * Creates the pool for the endpoint's origin (reads the TLS files); it does not call the
   * peer. Called again while health is `down` (the core's reconnect after failed
   * deliveries), it re-arms the endpoint: status `up`, the last failure kept in the detail.
   * Throws NotConnectedError after close().
   */
  connect(signal: AbortSignal): Promise<void> {
    if (this.closing) return Promise.reject(new NotConnectedError('connector is closed'));
    if (this.pool) {
      if (this.state.status === 'down') this.setHealth('up', `ready again; before: ${this.state.detail ?? 'down'}`);
      return Promise.resolve();
    }
    this.opening ??= this.open(signal).finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private async open(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    this.setHealth('connecting', `preparing ${this.url.origin}`);
    let tls: TlsSocketOptions;
    try {
      tls = await readTlsFiles(this.config.tls);
    } catch (err) {
      this.setHealth('down', `cannot read TLS files: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
    if (this.closing) throw new NotConnectedError('connector closed while connecting');
    this.pool = new Pool(this.url.origin, { connect: { ...tls, timeout: this.config.connectTimeoutMs } });
    this.setHealth('up', `ready for ${this.url.origin} (no delivery yet)`);
  }

  /**
   * Sends the message and resolves on a success status. Errors: see the class comment;
   * NotConnectedError before connect(), after close() or when `signal` is already aborted.
   */
  async deliver(msg: OutboundMessage, signal: AbortSignal): Promise<DeliveryReceipt> {
    const pool = this.pool;
    if (this.closing || !pool) throw new NotConnectedError(this.closing ? 'connector is closed' : 'not connected');
    if (signal.aborted) throw new NotConnectedError('delivery aborted before sending', { cause: signal.reason });

    const { timeoutMs } = this.config;
    // one deadline for the whole exchange; `signal` is only checked before sending, so a
    // running request always ends with a known outcome within timeoutMs
    const abort = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      abort.abort();
    }, timeoutMs);
    const started = Date.now();
    let status: number;
    let answer: { excerpt: string; retryAfter: string | string[] | undefined; location: string | string[] | undefined };
    try {
      const res = await pool.request({
        path: `${this.url.pathname}${this.url.search}`,
        method: this.config.method,
        headers: { ...this.config.headers, ...messageHeaders(msg) },
        body: msg.payload,
        signal: abort.signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      status = res.statusCode;
      answer = { excerpt: await readExcerpt(res.body), retryAfter: res.headers['retry-after'], location: res.headers.location };
    } catch (err) {
      const mapped = transportError(err, timedOut, timeoutMs);
      if (!(mapped instanceof NotConnectedError)) this.setHealth('down', `last delivery: ${mapped.message.slice(0, 200)}`);
      throw mapped;
    } finally {
      clearTimeout(timer);
    }
    const { successStatuses } = this.config;
    if (successStatuses ? successStatuses.includes(status) : status >= 200 && status < 300) {
      this.setHealth('up', `last delivery: ${status} after ${Date.now() - started} ms`);
      return { outcome: 'delivered', detail: `${this.config.method} ${this.url.origin}${this.url.pathname} → ${status}` };
    }
    const err = statusError(status, answer.excerpt, answer.retryAfter, answer.location);
    // a refusing peer is still a reachable peer: only a retryable answer marks it down
    this.setHealth(err instanceof RetryableError ? 'down' : 'up', `last delivery: ${err.message.slice(0, 200)}`);
    throw err;
  }

  health(): ConnectorHealth {
    return { ...this.state };
  }

  /** Lets running requests finish, then closes the pool's connections. Same promise on every call. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    await this.opening?.catch(() => undefined);
    this.setHealth('closed', 'closed by the gateway');
    const pool = this.pool;
    this.pool = undefined;
    if (pool) await pool.close();
  }

  private setHealth(status: ConnectorStatus, detail: string): void {
    if (this.closing && status !== 'closed') return;
    const since = status === this.state.status ? this.state.since : new Date().toISOString();
    if (status !== this.state.status) this.log.info({ status, detail }, 'http endpoint status');
    this.state = { status, detail, since };
  }
}
