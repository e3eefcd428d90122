import type { Logger } from 'pino';
import { NotConnectedError, PermanentError } from '../errors.js';
import type { ConnectorContext, ConnectorHealth, ConnectorStatus, DeliveryReceipt, Egress, OutboundMessage } from '../types.js';
import { brokerUrls, renderRoutingKey, type AmqpConfig } from './config.js';
import { publishConfirmed } from './publish.js';
import { closeSession, describeError, openSession, type Session } from './session.js';

/**
 * Egress to a RabbitMQ exchange (AMQP 0-9-1) with publisher confirms.
 *
 * Life: connect() opens one connection and one confirm channel and declares the topology;
 * when the broker closes either (restart, forced close, channel error) health turns `down`
 * and deliver() throws NotConnectedError until the core calls connect() again. Nothing
 * reconnects by itself and nothing is retried here.
 */
export class AmqpEgress implements Egress {
  private session: Session | undefined;
  private opening: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  /** Set while the broker blocks publishing (resource alarm); connect() waits on it. */
  private block: { until: Promise<void>; lift: () => void; fail: (err: Error) => void } | undefined;
  private state: ConnectorHealth = { status: 'down', detail: 'not connected yet', since: new Date().toISOString() };
  private readonly urls: { connect: string; display: string };
  private readonly log: Logger;
  private readonly connectionName: string;

  constructor(
    private readonly config: AmqpConfig,
    ctx: ConnectorContext,
  ) {
    this.urls = brokerUrls(config);
    this.log = ctx.log.child({ connector: 'amqp091', endpoint: ctx.endpointId });
    this.connectionName = `zsa-gateway ${ctx.endpointId}`;
  }

  /**
   * Opens connection, confirm channel and topology. Resolves at once when already up;
   * concurrent calls share one attempt. Throws whatever failed (refused, auth, a queue
   * declared with other arguments); the core retries with backoff. While the broker
   * blocks publishing (health `down`), it resolves only once the broker unblocks, so the
   * core starts no deliveries that could only time out. After close() it throws
   * NotConnectedError.
   */
  connect(signal: AbortSignal): Promise<void> {
    if (this.closing) return Promise.reject(new NotConnectedError('connector is closed'));
    if (this.session?.alive) return this.block ? this.block.until : Promise.resolve();
    this.opening ??= this.open(signal).finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private async open(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    this.setHealth('connecting', `connecting to ${this.urls.display}`);
    let session: Session;
    try {
      session = await openSession(this.config, this.urls, this.connectionName, this, this.log);
    } catch (err) {
      this.setHealth(this.closing ? 'closed' : 'down', `connect failed: ${describeError(err)}`);
      throw err;
    }
    if (this.closing || signal.aborted || !session.alive) {
      await closeSession(session).catch((err: unknown) => this.log.warn({ err }, 'closing an abandoned session failed'));
      throw new NotConnectedError(this.closing ? 'connector closed while connecting' : 'connect aborted or connection lost while connecting');
    }
    this.session = session;
    this.setHealth('up', `connected to ${this.urls.display}, exchange "${this.config.exchange.name}"`);
  }

  /** Called by the session when the broker closed the connection or the channel. */
  lost(session: Session, reason: string): void {
    if (session !== this.session) return;
    this.session = undefined;
    this.liftBlock(new NotConnectedError(`connection lost while blocked: ${reason}`));
    this.log.warn({ reason }, 'amqp connection lost; waiting for the core to reconnect');
    if (!this.closing) this.setHealth('down', reason);
    // a channel error leaves the connection open: drop it too, the next connect() opens both
    session.conn.close().catch((err: unknown) => this.log.debug({ err }, 'connection already closed'));
  }

  /** Called by the session on connection.blocked / unblocked (broker resource alarm). */
  blocked(session: Session, reason: string | undefined): void {
    if (session !== this.session || this.closing) return;
    if (reason === undefined) {
      this.liftBlock();
      this.setHealth('up', 'broker unblocked publishing');
      return;
    }
    if (!this.block) {
      let lift = (): void => undefined;
      let fail = (_err: Error): void => undefined;
      const until = new Promise<void>((resolve, reject) => {
        lift = resolve;
        fail = reject;
      });
      until.catch(() => undefined); // only connect() callers care; they get the rejection themselves
      this.block = { until, lift, fail };
    }
    this.setHealth('down', `broker blocks publishing: ${reason}`);
  }

  private liftBlock(err?: Error): void {
    const block = this.block;
    this.block = undefined;
    if (block && err) block.fail(err);
    else block?.lift();
  }

  /**
   * Publishes the message persistent and mandatory and resolves after the publisher
   * confirm. Errors: see publishConfirmed(); NotConnectedError when there is no live
   * session or `signal` is already aborted (checked before publishing only); PermanentError
   * when the routing key cannot be built.
   */
  async deliver(msg: OutboundMessage, signal: AbortSignal): Promise<DeliveryReceipt> {
    if (this.closing) throw new NotConnectedError('connector is closed');
    const session = this.session;
    if (!session?.alive) throw new NotConnectedError(`not connected: ${this.state.detail ?? this.state.status}`);
    if (signal.aborted) throw new NotConnectedError('delivery aborted before publishing', { cause: signal.reason });
    let routingKey: string;
    try {
      routingKey = renderRoutingKey(this.config.routingKey, msg);
    } catch (err) {
      throw new PermanentError(describeError(err), { cause: err });
    }
    const target = { exchange: this.config.exchange.name, routingKey, unroutable: this.config.unroutable, timeoutMs: this.config.publishTimeoutMs };
    return publishConfirmed(session, target, msg);
  }

  health(): ConnectorHealth {
    return { ...this.state };
  }

  /**
   * Stops accepting deliveries, waits (at most publishTimeoutMs) for outstanding confirms,
   * then closes the connection. Same promise on every call; it rejects only when closing
   * a live connection fails.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    await this.opening?.catch(() => undefined); // open() sees `closing` and closes what it opened
    const session = this.session;
    this.session = undefined;
    this.liftBlock(new NotConnectedError('connector closed'));
    if (session?.alive) await this.settleConfirms(session);
    this.setHealth('closed', 'closed by the gateway');
    if (session) await closeSession(session);
  }

  private async settleConfirms(session: Session): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.config.publishTimeoutMs);
    });
    // a nack or a lost channel reaches the delivery that published the message, not close()
    await Promise.race([session.channel.waitForConfirms().catch(() => undefined), timeout]);
    clearTimeout(timer);
  }

  private setHealth(status: ConnectorStatus, detail: string): void {
    const since = status === this.state.status ? this.state.since : new Date().toISOString();
    if (status !== this.state.status) this.log.info({ status, detail }, 'amqp endpoint status');
    this.state = { status, detail, since };
  }
}
