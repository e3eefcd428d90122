import { IllegalOperationError, connect } from 'amqplib';
import type { ChannelModel, ConfirmChannel, Message } from 'amqplib';
import type { Logger } from 'pino';
import { readTlsFiles } from '../tls.js';
import type { AmqpConfig } from './config.js';
import { declareTopology } from './topology.js';

/** Why a broker returned a message published with `mandatory`. */
export interface ReturnInfo {
  replyCode: number;
  replyText: string;
  routingKey: string;
}

/**
 * One broker connection with its confirm channel, opened by AmqpEgress.connect(). A session
 * never comes back: once the connection or the channel closes, `alive` turns false for good
 * and the egress opens a new session on the next connect().
 */
export interface Session {
  readonly conn: ChannelModel;
  readonly channel: ConfirmChannel;
  alive: boolean;
  /** Returns seen on this channel, by messageId, until that message's confirm arrives. */
  readonly returned: Map<string, ReturnInfo>;
}

export interface SessionEvents {
  /** The connection or the channel closed (broker restart, forced close, channel error). */
  lost(session: Session, reason: string): void;
  blocked(session: Session, reason: string | undefined): void;
}

export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Opens a connection and a confirm channel and declares the topology (exchange, queues,
 * bindings), all durable. Every 'error' and 'close' is handled: nothing here can raise an
 * unhandled 'error' event. On any failure the half-open connection is closed and the
 * error rethrown.
 */
export async function openSession(
  config: AmqpConfig,
  urls: { connect: string },
  connectionName: string,
  events: SessionEvents,
  log: Logger,
): Promise<Session> {
  const tls = await readTlsFiles(config.tls); // read on every connect: renewed certificates count from the next one
  const conn = await connect(urls.connect, {
    ...tls,
    timeout: config.connectTimeoutMs,
    clientProperties: { connection_name: connectionName },
  });
  let session: Session | undefined;
  let lostBeforeReady: string | undefined;
  const lose = (reason: string): void => {
    if (session === undefined) {
      lostBeforeReady ??= reason;
      return;
    }
    if (!session.alive) return;
    session.alive = false;
    events.lost(session, reason);
  };
  conn.on('error', (err: Error) => log.warn({ err }, 'amqp connection error'));
  conn.on('close', (err?: Error) => lose(err ? `connection closed: ${err.message}` : 'connection closed'));
  conn.on('blocked', (reason: string) => session && events.blocked(session, reason));
  conn.on('unblocked', () => session && events.blocked(session, undefined));
  try {
    const channel = await conn.createConfirmChannel();
    const returned = new Map<string, ReturnInfo>();
    let channelError: string | undefined;
    channel.on('error', (err: Error) => {
      channelError = err.message;
      log.warn({ err }, 'amqp channel error');
    });
    // when the connection goes, the channel closes first: let the connection's reason win
    channel.on('close', () => setImmediate(() => lose(channelError ? `channel closed: ${channelError}` : 'channel closed')));
    channel.on('return', (msg: Message) => {
      const id: unknown = msg.properties.messageId;
      if (typeof id !== 'string') return;
      const fields = msg.fields as Message['fields'] & { replyCode?: number; replyText?: string };
      returned.set(id, { replyCode: fields.replyCode ?? 312, replyText: fields.replyText ?? 'NO_ROUTE', routingKey: fields.routingKey });
    });
    await declareTopology(channel, config);
    if (lostBeforeReady !== undefined) throw new Error(lostBeforeReady);
    session = { conn, channel, alive: true, returned };
    return session;
  } catch (err) {
    await conn.close().catch(() => undefined); // already failing: the original error is the one to report
    throw err;
  }
}

/**
 * Closes a session on purpose. A connection the broker already closed is not an error;
 * anything else is passed on to the caller.
 */
export async function closeSession(session: Session): Promise<void> {
  const wasAlive = session.alive;
  session.alive = false;
  if (!wasAlive) return;
  try {
    await session.conn.close();
  } catch (err) {
    if (err instanceof IllegalOperationError) return; // closed under us meanwhile
    throw err;
  }
}
