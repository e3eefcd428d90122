/**
 * Test support for the amqp091 connector against the real RabbitMQ: unique names, a reader
 * that takes messages back off queues through its own connection, rabbitmqctl for what
 * only the broker can do (force-closing our connections, policies). Never stops the node:
 * other tests share it.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { connect } from 'amqplib';
import type { Channel, ChannelModel, GetMessage } from 'amqplib';
import type { ReceivedMessage } from '../../test/conformance/outbound.js';

export const BROKER_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const run = promisify(execFile);
let seq = 0;

/** A name no other test run uses: `zsa-test.<what>.<pid>.<time>.<n>`. */
export function uniqueName(what: string): string {
  seq += 1;
  return `zsa-test.${what}.${process.pid}.${Date.now().toString(36)}.${seq}`;
}

export async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', ['-q', ...args], { timeout: 60_000 });
  return stdout;
}

/** Force-closes (server side) every connection whose client named itself `connectionName`; returns how many. */
export async function closeConnectionsNamed(connectionName: string, reason = 'conformance test: peer restart'): Promise<number> {
  const listing = await rabbitmqctl('list_connections', 'pid', 'client_properties');
  const pids = listing
    .split('\n')
    .filter((line) => line.includes(`{"connection_name","${connectionName}"}`))
    .map((line) => line.split('\t')[0] ?? '')
    .filter((pid) => pid.startsWith('<'));
  for (const pid of pids) await rabbitmqctl('close_connection', pid, reason);
  return pids.length;
}

/** The queue type RabbitMQ reports (`classic`, `quorum`), or undefined when the queue does not exist. */
export async function queueType(queue: string): Promise<string | undefined> {
  const listing = await rabbitmqctl('list_queues', 'name', 'type');
  const line = listing.split('\n').find((l) => l.split('\t')[0] === queue);
  return line?.split('\t')[1]?.trim();
}

/** Polls `check` until it returns true; fails after `timeoutMs` (generous: this is no timing assertion). */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function headerString(headers: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = headers?.[key];
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return undefined;
}

/** What the conformance suite compares, from a message taken off a queue. */
export function toReceived(m: GetMessage): ReceivedMessage {
  const h = m.properties.headers;
  return {
    gatewayId: String(m.properties.messageId),
    messageUuid: headerString(h, 'messageUuid') ?? '',
    payload: m.content,
    messageType: headerString(h, 'messageType'),
    vorgangId: headerString(h, 'vorgangId'),
    author: headerString(h, 'author'),
    reader: headerString(h, 'reader'),
    sha512: headerString(h, 'sha512'),
  };
}

/**
 * A separate client connection for setting up, reading back and cleaning up. It reopens
 * itself when the broker closed it (another suite's `close_all_connections` on the shared
 * node must not turn into a failed cleanup here).
 */
export class BrokerReader {
  private conn: Promise<ChannelModel> | undefined;
  private closed = false;

  static async open(): Promise<BrokerReader> {
    const reader = new BrokerReader();
    await reader.connection();
    return reader;
  }

  private connection(): Promise<ChannelModel> {
    if (this.closed) return Promise.reject(new Error('reader closed'));
    this.conn ??= connect(BROKER_URL, { clientProperties: { connection_name: uniqueName('reader') } }).then((conn) => {
      conn.on('error', () => undefined); // a test failure shows through the operation that failed
      conn.on('close', () => {
        this.conn = undefined;
      });
      return conn;
    });
    this.conn.catch(() => {
      this.conn = undefined;
    });
    return this.conn;
  }

  /** Runs `fn` on a fresh channel (a channel error, e.g. 404, then costs only that channel). */
  async withChannel<T>(fn: (ch: Channel) => Promise<T>): Promise<T> {
    const ch = await (await this.connection()).createChannel();
    ch.on('error', () => undefined);
    try {
      return await fn(ch);
    } finally {
      await ch.close().catch(() => undefined); // closed by a channel error already
    }
  }

  /** Takes every ready message off `queue` (acknowledged), oldest first. */
  drain(queue: string): Promise<GetMessage[]> {
    return this.withChannel(async (ch) => {
      const out: GetMessage[] = [];
      for (let m = await ch.get(queue, { noAck: true }); m !== false; m = await ch.get(queue, { noAck: true })) out.push(m);
      return out;
    });
  }

  async close(): Promise<void> {
    const conn = this.conn;
    this.closed = true;
    this.conn = undefined;
    if (conn) await (await conn).close();
  }
}

/** What a test created, removed in order: connectors closed, then queues and exchanges deleted, then the reader closed. */
export function teardown(reader: BrokerReader, created: { egresses?: Array<{ close(): Promise<void> }>; queues?: string[]; exchanges?: string[] }): Promise<void> {
  return cleanupAll([
    ...(created.egresses ?? []).map((e) => () => e.close()),
    ...(created.queues ?? []).map((q) => () => reader.withChannel((ch) => ch.deleteQueue(q))),
    ...(created.exchanges ?? []).map((x) => () => reader.withChannel((ch) => ch.deleteExchange(x))),
    () => reader.close(),
  ]);
}

/**
 * Runs every cleanup step even when one fails, then throws the first failure: a test
 * must never leave queues behind because an earlier step broke.
 */
export async function cleanupAll(steps: Array<() => Promise<unknown>>): Promise<void> {
  const errors: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length > 0) throw errors[0];
}

/** The error a promise rejects with; fails when it resolves. */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}
