import { connect } from 'amqplib';
import type { Channel, ChannelModel, ConsumeMessage, MessagePropertyHeaders } from 'amqplib';
import { pino, type Logger } from 'pino';
import type { ConnectorHealth, ConnectorStatus } from '../types.js';
import { readTlsFiles } from '../tls.js';
import { brokerUrls, type AmqpConfig } from './config.js';
import { describeError } from './session.js';

/** One message from the reply queue as the handler sees it. */
export interface ReplyMessage {
  payload: Buffer;
  headers: MessagePropertyHeaders;
  messageId: string | undefined;
  contentType: string | undefined;
  /** True when the broker delivered it before (handler failed, or a connection was lost before the ack). */
  redelivered: boolean;
}

export interface ConsumeRepliesOptions {
  /** Unacknowledged messages in flight at once (default 10). */
  prefetch?: number;
  /** Wait before a failed message is put back (nack + requeue), so a failing handler does not spin (default 1000). */
  requeueDelayMs?: number;
  /** First and longest wait between reconnect attempts (defaults 500 and 30000). */
  reconnectDelayMs?: { initial: number; max: number };
  /** close() waits this long for running handlers before closing the connection (default 10000). */
  closeTimeoutMs?: number;
  heartbeatSeconds?: number;
  connectionName?: string;
  /** TLS files and SNI name for an `amqps://` url, read on every (re)connect. */
  tls?: AmqpConfig['tls'];
  log?: Logger;
}

export interface ReplyConsumer {
  /** `up` while consuming; `down` between reconnect attempts; `closed` after close(). */
  health(): ConnectorHealth;
  /** Resolves once the consumer is (again) registered at the broker. */
  consuming(): Promise<void>;
  /** Cancels the consumer, waits for running handlers (bounded), closes the connection. Same promise on every call. */
  close(): Promise<void>;
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/**
 * Consumes the reply channel (Rückkanal) queue and feeds each message to `handler`, which
 * the gateway points at its ingress. A message is acknowledged only after `handler`
 * resolved (ingress committed `received`); when it rejects, the message is put back
 * (nack + requeue) after `requeueDelayMs`. A lost connection or channel is reopened with
 * exponential backoff, for as long as the consumer is not closed; acks of messages from a
 * lost channel are dropped (the broker redelivers them: at-least-once, ingress dedupes by
 * author and message UUID). The queue must exist (it is checked, not declared).
 * Never throws and never emits unhandled errors; problems go to the log and to health().
 */
export function consumeReplies(
  url: string,
  queue: string,
  handler: (msg: ReplyMessage) => Promise<void>,
  options: ConsumeRepliesOptions = {},
): ReplyConsumer {
  const log = options.log ?? pino({ level: 'silent' });
  const prefetch = options.prefetch ?? 10;
  const requeueDelayMs = options.requeueDelayMs ?? 1000;
  const backoff = options.reconnectDelayMs ?? { initial: 500, max: 30_000 };
  const urls = brokerUrls({ url, heartbeatSeconds: options.heartbeatSeconds ?? 30 });
  const stop = new AbortController();
  const running = new Set<Promise<void>>();
  let state: ConnectorHealth = { status: 'connecting', detail: `connecting to ${urls.display}`, since: new Date().toISOString() };
  let waiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  let current: { conn: ChannelModel; channel: Channel; consumerTag?: string } | undefined;
  let closing: Promise<void> | undefined;

  const setHealth = (status: ConnectorStatus, detail: string): void => {
    state = { status, detail, since: status === state.status ? state.since : new Date().toISOString() };
    if (status === 'up' || status === 'closed') {
      for (const w of waiters) {
        if (status === 'up') w.resolve();
        else w.reject(new Error('reply consumer closed'));
      }
      waiters = [];
    }
  };

  const handle = (channel: Channel, raw: ConsumeMessage): void => {
    const msg: ReplyMessage = {
      payload: raw.content,
      headers: raw.properties.headers ?? {},
      messageId: typeof raw.properties.messageId === 'string' ? raw.properties.messageId : undefined,
      contentType: typeof raw.properties.contentType === 'string' ? raw.properties.contentType : undefined,
      redelivered: raw.fields.redelivered,
    };
    const settle = async (): Promise<void> => {
      try {
        await handler(msg);
      } catch (err) {
        log.warn({ err, messageId: msg.messageId }, 'reply handler failed; message goes back to the queue');
        await sleep(requeueDelayMs, stop.signal);
        settleOnChannel(channel, () => channel.nack(raw, false, true), msg.messageId);
        return;
      }
      settleOnChannel(channel, () => channel.ack(raw), msg.messageId);
    };
    const p = settle();
    running.add(p);
    void p.finally(() => running.delete(p));
  };

  const settleOnChannel = (channel: Channel, op: () => void, messageId: string | undefined): void => {
    if (current?.channel !== channel) {
      log.info({ messageId }, 'channel of this message is gone; the broker redelivers it');
      return;
    }
    try {
      op();
    } catch (err) {
      log.info({ err, messageId }, 'ack/nack failed; the broker redelivers the message');
    }
  };

  /** One connection's life: resolves when it ends (closed by either side). */
  const session = async (): Promise<void> => {
    const conn = await connect(urls.connect, {
      ...(await readTlsFiles(options.tls)),
      timeout: 10_000,
      clientProperties: { connection_name: options.connectionName ?? `zsa-gateway replies ${queue}` },
    });
    const ended = new Promise<string>((resolve) => {
      conn.on('error', (err: Error) => log.warn({ err }, 'reply consumer connection error'));
      conn.on('close', (err?: Error) => resolve(err ? err.message : 'connection closed'));
    });
    try {
      const channel = await conn.createChannel();
      channel.on('error', (err: Error) => log.warn({ err }, 'reply consumer channel error'));
      channel.on('close', () => void conn.close().catch(() => undefined)); // reopen both on the next round
      await channel.prefetch(prefetch);
      await channel.checkQueue(queue);
      // current before consume: deliveries can arrive in the same read as consume-ok, and their acks need it
      const live: { conn: ChannelModel; channel: Channel; consumerTag?: string } = { conn, channel };
      current = live;
      const { consumerTag } = await channel.consume(queue, (raw) => {
        if (raw === null) {
          // the broker cancelled the consumer (queue deleted): reconnect and check again
          void conn.close().catch(() => undefined);
          return;
        }
        handle(channel, raw);
      });
      live.consumerTag = consumerTag;
      if (stop.signal.aborted) void conn.close().catch(() => undefined);
      else setHealth('up', `consuming ${queue} on ${urls.display}`);
    } catch (err) {
      current = undefined;
      await conn.close().catch(() => undefined); // the setup error below is the one that matters
      throw err;
    }
    const reason = await ended;
    current = undefined;
    if (!stop.signal.aborted) throw new Error(reason);
  };

  const run = async (): Promise<void> => {
    let delay = backoff.initial;
    while (!stop.signal.aborted) {
      try {
        await session();
      } catch (err) {
        if (stop.signal.aborted) break;
        if (state.status === 'up') delay = backoff.initial; // it was consuming: start the backoff over
        setHealth('down', `${describeError(err)}; reconnecting in ${delay} ms`);
        log.warn({ err, delay }, 'reply consumer lost its connection');
      }
      await sleep(delay, stop.signal);
      delay = Math.min(backoff.max, delay * 2);
    }
  };
  const loop = run();

  const shutdown = async (): Promise<void> => {
    stop.abort();
    const now = current;
    if (now?.consumerTag) await now.channel.cancel(now.consumerTag).catch(() => undefined); // the connection may be gone already
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, options.closeTimeoutMs ?? 10_000);
    });
    await Promise.race([Promise.allSettled([...running]), limit]);
    clearTimeout(timer);
    setHealth('closed', 'closed by the gateway');
    if (now) await now.conn.close().catch((err: unknown) => log.debug({ err }, 'reply consumer connection already closed'));
    await loop;
  };

  return {
    health: () => ({ ...state }),
    consuming: () => {
      if (state.status === 'up') return Promise.resolve();
      if (state.status === 'closed') return Promise.reject(new Error('reply consumer closed'));
      return new Promise<void>((resolve, reject) => waiters.push({ resolve, reject }));
    },
    close: () => (closing ??= shutdown()),
  };
}
