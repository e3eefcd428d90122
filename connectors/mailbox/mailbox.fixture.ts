/**
 * Test support for the mailbox connector against the real embedded store: a SQLite store
 * in a temporary folder, a receiver that takes messages out the way the mailbox API does
 * (list, fetch with lease, acknowledge), and a second process that holds the database
 * write lock (what the CLI or a backup tool does) to make the store refuse writes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../gateway/paths.js';
import { createStore } from '../../gateway/store/index.js';
import type { MailboxStore, MessageStore, MessageWrites, NewMessage } from '../../gateway/store/types.js';
import type { OutboundMessage } from '../types.js';
import type { ReceivedMessage } from '../../test/conformance/outbound.js';

export interface TempStore {
  store: MessageStore;
  dbPath: string;
  /** Closes the store and removes the folder. */
  remove(): Promise<void>;
}

export async function tempStore(): Promise<TempStore> {
  const dir = mkdtempSync(join(tmpdir(), 'zsa-mailbox-test-'));
  const dbPath = join(dir, 'gateway.db');
  const store = await createStore({ kind: 'sqlite', path: dbPath });
  return {
    store,
    dbPath,
    async remove() {
      try {
        await store.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** The message as ingress would have stored it (the outbox only hands stored messages to connectors). */
export function asNewMessage(msg: OutboundMessage, endpointId: string): NewMessage {
  return {
    id: msg.gatewayId,
    header: {
      messageUuid: msg.messageUuid,
      messageType: msg.messageType,
      namespace: 'urn:xoev-de:zsa:test',
      standard: 'XZSA',
      version: '0.1',
      createdAt: new Date().toISOString(),
      author: msg.author,
      reader: msg.reader,
      vorgangId: msg.vorgangId,
      leika: msg.leika,
      ags: msg.ags,
      test: msg.test,
    },
    payload: msg.payload,
    payloadSha512: msg.sha512,
    attachments: msg.attachments,
    routeName: 'conformance',
    endpointId,
    routeReason: 'stored by the mailbox conformance fixture',
    warnings: [],
  };
}

const isBusy = (err: unknown): boolean => typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'SQLITE_BUSY';

/** Stores the message like ingress does; waits out another process's write lock (SQLITE_BUSY), bounded. */
export async function storeMessage(store: Pick<MessageWrites, 'accept'>, msg: OutboundMessage, endpointId: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const r = await store.accept(asNewMessage(msg, endpointId));
      if (r.kind === 'conflict') throw new Error(`fixture bug: ${msg.messageUuid} stored with another payload`);
      return;
    } catch (err) {
      if (!isBusy(err) || attempt >= 10) throw err;
    }
  }
}

/**
 * A receiver of one mailbox, as a Fachverfahren uses the mailbox API: list what waits,
 * fetch each item with a lease, acknowledge it. `take()` returns everything taken so far.
 */
export class Receiver {
  readonly taken: ReceivedMessage[] = [];
  constructor(
    private readonly store: MailboxStore,
    private readonly mailbox: string,
  ) {}

  async take(): Promise<ReceivedMessage[]> {
    for (;;) {
      const items = await this.store.mailboxList(this.mailbox, 500);
      if (items.length === 0) return [...this.taken];
      for (const item of items) {
        const lease = await this.store.mailboxFetch(this.mailbox, 60_000, item.id);
        if (!lease) continue;
        const i = lease.item;
        this.taken.push({ gatewayId: i.messageId, messageUuid: i.messageUuid, payload: lease.payload, messageType: i.messageType, vorgangId: i.vorgangId, author: i.author });
        await this.store.mailboxAck(this.mailbox, i.id, lease.leaseToken, 'conformance-receiver');
      }
    }
  }
}

const LOCKER = `
const Database = require('better-sqlite3');
const db = new Database(process.argv[1]);
db.exec('BEGIN IMMEDIATE');
process.stdout.write('locked\\n');
const release = () => { db.exec('COMMIT'); db.close(); process.exit(0); };
const holdMs = Number(process.argv[2]);
if (holdMs > 0) setTimeout(release, holdMs);
process.stdin.on('data', release);
process.stdin.on('end', release);
`;

/** A second process holding the write lock of the database; `release()` ends it and resolves when it is gone. */
export interface WriteLock {
  release(): Promise<void>;
  /** Resolves when the process exited (by itself after `holdMs`, or released). */
  readonly gone: Promise<void>;
}

/**
 * Starts a process that takes the database write lock (`BEGIN IMMEDIATE`) and keeps it
 * until released, or for `holdMs` when given — it releases by itself, so it also works
 * while this process's event loop is blocked in SQLite's busy wait.
 */
export async function holdWriteLock(dbPath: string, holdMs = 0): Promise<WriteLock> {
  const child: ChildProcess = spawn(process.execPath, ['-e', LOCKER, dbPath, String(holdMs)], { cwd: PACKAGE_ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  const gone = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`lock holder exited with ${String(code)}`))));
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    gone.then(() => reject(new Error('lock holder exited before locking')), reject);
  });
  return {
    gone,
    async release() {
      if (child.exitCode === null) child.stdin?.end('release\n');
      await gone;
    },
  };
}
