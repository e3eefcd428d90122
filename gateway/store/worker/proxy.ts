import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { KeyRing } from '../../crypto/at-rest.js';
import { GatewayError } from '../../errors.js';
import type { DurabilityTrace } from '../durability-trace.js';
import type { MessageStore, OutboxItem, StorePressure } from '../types.js';
import { checkNewEntry } from '../../audit/chain.js';
import type { AuditEntry, AuditHead, AuditLog, AuditVerifyResult } from '../../audit/types.js';
import { fromWireError, restoreBuffers, WRITE_METHODS, type CallRequest, type HostedBackend, type OpenRequest, type WorkerReply } from './protocol.js';

export interface WorkerStoreOptions {
  path: string;
  atRest?: KeyRing;
  /** Called after every batch (seconds, operations, committed), as SqliteStoreOptions.onCommit. */
  onCommit?: (seconds: number, operations: number, committed: boolean) => void;
  /** Test aid: records each batch's COMMIT on the shared clock (gateway/store/durability-trace.ts). */
  trace?: DurabilityTrace;
}

interface Outstanding {
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  /** performance.now() when posted; only for writes (pressure). */
  writeSince?: number;
}

/** The outbox marks need the item's ids and lease, not its payload: it is not copied back to the worker. */
const MARKS: ReadonlySet<string> = new Set(['markDelivered', 'markInMailbox', 'markRetrying', 'markDead', 'release']);

/**
 * The store worker thread of this process and the stores it hosts. One thread serves every
 * store the process opens (the gateway its message store and audit log; a test process many, which would
 * otherwise pay a thread start each); it is started on the first open and, idle, does not
 * keep the process alive. If it dies, every store on it fails (see WorkerStoreClient) and
 * the next open starts a new thread.
 */
class StoreHost {
  private static current: StoreHost | undefined;
  readonly clients = new Map<number, WorkerStoreClient>();
  private nextStoreId = 1;
  private busy = 0;

  private constructor(readonly worker: Worker) {
    worker.unref();
    worker.on('message', (reply: WorkerReply) => this.clients.get(reply.storeId)?.onReply(reply));
    worker.on('error', (err) => this.die(new GatewayError('GW_INTERNAL', `The message store worker failed: ${err.message}`, { cause: err })));
    worker.on('exit', (code) => this.die(new GatewayError('GW_INTERNAL', `The message store worker stopped (exit code ${code}).`)));
  }

  static get(): StoreHost {
    StoreHost.current ??= new StoreHost(new Worker(workerEntry()));
    return StoreHost.current;
  }

  open(backend: HostedBackend, opts: WorkerStoreOptions): WorkerStoreClient {
    const storeId = this.nextStoreId++;
    const client = new WorkerStoreClient(this, storeId, opts);
    this.clients.set(storeId, client);
    this.worker.postMessage({
      kind: 'open',
      storeId,
      backend,
      path: opts.path,
      ...(opts.atRest ? { atRest: opts.atRest.toCloneable() } : {}),
      ...(opts.trace ? { traceClock: opts.trace.clock } : {}),
    } satisfies OpenRequest);
    return client;
  }

  /** A call is outstanding: an answer to wait for keeps the process alive, an idle thread does not. */
  hold(delta: 1 | -1): void {
    this.busy += delta;
    if (delta === 1 && this.busy === 1) this.worker.ref();
    if (delta === -1 && this.busy === 0) this.worker.unref();
  }

  private die(err: GatewayError): void {
    if (StoreHost.current === this) StoreHost.current = undefined;
    for (const c of this.clients.values()) c.fail(err);
    this.clients.clear();
  }
}

/**
 * MessageStore on the main thread whose every call runs in the store worker thread
 * (store-worker.ts, ADR 0034): the SQLite connection, group commit, fsync, at-rest sealing
 * and row mapping all stay off the event loop. A call's promise settles when the worker
 * answers it, which for a write is after the COMMIT of its batch returned (fsync'd), so the
 * MessageStore guarantee holds unchanged. Calls are posted in call order and the worker
 * runs them in that order.
 *
 * If the worker dies, every outstanding call fails with GW_INTERNAL and every later call
 * with GW_NOT_READY: nothing is answered as stored that was not.
 */
class WorkerStoreClient {
  private readonly outstanding = new Map<number, Outstanding>();
  private nextId = 1;
  private writes = 0;
  private lastCommitMs = 0;
  private failure: GatewayError | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly host: StoreHost,
    private readonly storeId: number,
    private readonly opts: WorkerStoreOptions,
  ) {}

  call(path: readonly string[], args: unknown[]): Promise<unknown> {
    if (this.failure !== undefined) return Promise.reject(new GatewayError('GW_NOT_READY', 'The message store is not available.', { cause: this.failure }));
    if (this.closing !== undefined) return Promise.reject(new GatewayError('GW_NOT_READY', 'The message store is closed.'));
    const id = this.nextId++;
    const name = path.join('.');
    const request: CallRequest = { kind: 'call', storeId: this.storeId, id, path, args: MARKS.has(name) ? [withoutPayload(args[0] as OutboxItem), ...args.slice(1)] : args };
    return new Promise((resolve, reject) => {
      const entry: Outstanding = { resolve, reject };
      if (WRITE_METHODS.has(name)) {
        entry.writeSince = performance.now();
        this.writes++;
      }
      this.outstanding.set(id, entry);
      this.host.hold(1);
      try {
        this.host.worker.postMessage(request);
      } catch (err) {
        this.settle(id);
        reject(err);
      }
    });
  }

  /** Flushes and closes the store in the worker; idempotent. */
  close(): Promise<void> {
    if (this.closing === undefined) {
      const closed = this.failure === undefined ? this.call(['close'], []) : Promise.resolve();
      this.closing = closed.then(() => {
        this.host.clients.delete(this.storeId);
      });
    }
    return this.closing;
  }

  pressure(): StorePressure {
    let oldest: number | undefined;
    if (this.writes > 0) {
      // Map iteration is in insertion (call) order: the first write found is the oldest.
      for (const o of this.outstanding.values()) {
        if (o.writeSince !== undefined) {
          oldest = o.writeSince;
          break;
        }
      }
    }
    return { pendingWrites: this.writes, oldestPendingMs: oldest === undefined ? 0 : Math.max(0, performance.now() - oldest), lastCommitMs: this.lastCommitMs };
  }

  onReply(reply: WorkerReply): void {
    switch (reply.kind) {
      case 'commit':
        this.lastCommitMs = reply.ms;
        this.opts.onCommit?.(reply.ms / 1000, reply.operations, reply.committed);
        return;
      case 'trace':
        this.opts.trace?.commits.push({ tick: reply.tick, messageIds: reply.messageIds, synchronous: reply.synchronous });
        return;
      case 'result':
        this.settle(reply.id)?.resolve(restoreBuffers(reply.value));
        return;
      case 'error':
        this.settle(reply.id)?.reject(fromWireError(reply.error));
        return;
    }
  }

  /** The worker died: every outstanding call fails, later calls are refused. */
  fail(err: GatewayError): void {
    this.failure ??= err;
    const pending = [...this.outstanding.values()];
    this.outstanding.clear();
    this.writes = 0;
    for (const p of pending) {
      this.host.hold(-1);
      p.reject(err);
    }
  }

  private settle(id: number): Outstanding | undefined {
    const entry = this.outstanding.get(id);
    if (entry === undefined) return undefined;
    this.outstanding.delete(id);
    this.host.hold(-1);
    if (entry.writeSince !== undefined) this.writes--;
    return entry;
  }
}

const NOT_FORWARDED: ReadonlySet<string> = new Set(['then', 'toJSON']);

function withoutPayload(item: OutboxItem): OutboxItem {
  return { ...item, payload: Buffer.alloc(0) };
}

/** The worker's entry: the compiled .js next to this file, or under tsx the .ts source with tsx registered first. */
function workerEntry(): URL {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new URL('./store-worker.js', self);
  // Node 20 loads a worker's entry before `--import tsx` applies there: a data: URL registers tsx, then loads the source.
  const source = new URL('./store-worker.ts', self).href;
  const tsxApi = tsxEsmApi(self);
  const boot = `import { register } from ${JSON.stringify(tsxApi)}; register(); await import(${JSON.stringify(source)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(boot)}`);
}

/**
 * The ESM entry of `tsx/esm/api`, taken from tsx's export map (`import` condition). Under
 * mocha this file may be loaded as CommonJS, where neither import.meta.resolve nor the
 * `require` condition (whose register() loads a sibling by a relative path) serves.
 */
function tsxEsmApi(from: string): string {
  const pkgFile = createRequire(from).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  return pathToFileURL(join(dirname(pkgFile), pkg.exports['./esm/api']!.import.default)).href;
}

/**
 * Opens a store on `opts.path` in the store worker thread (started on first use) and returns the MessageStore proxy (not yet
 * migrated: createStore calls `migrate()`). Every MessageStore method (and every method of
 * its `fitConnect` port) is forwarded by name; `kind`, `pressure` and `close` are local.
 */
export function openWorkerStore(opts: WorkerStoreOptions): MessageStore {
  const client = StoreHost.get().open('messages', opts);
  const forward = (prefix: readonly string[]) => (_target: object, prop: string | symbol) => {
    // `then` must stay undefined, or `await store` would treat the proxy as a promise; `toJSON` and Object's own names are not store methods.
    if (typeof prop !== 'string' || NOT_FORWARDED.has(prop) || prop in Object.prototype) return undefined;
    return (...args: unknown[]) => client.call([...prefix, prop], args);
  };
  const fitConnect = new Proxy({}, { get: forward(['fitConnect']) });
  const local: Record<string, unknown> = {
    kind: 'sqlite',
    fitConnect,
    pressure: () => client.pressure(),
    close: () => client.close(),
  };
  const remote = forward([]);
  return new Proxy(local, { get: (target, prop) => (typeof prop === 'string' && Object.hasOwn(local, prop) ? local[prop] : remote(target, prop)) }) as unknown as MessageStore;
}

/**
 * Opens the audit log at `path` (gateway/audit/sqlite.ts) in the store worker thread, beside
 * the message store (ADR 0034): its group commit, fsync and hash-chain step run off the event
 * loop. `append` resolves after the worker's COMMIT of the batch holding the entry returned,
 * as SqliteAuditLog's does; appends are chained in call order. An entry is checked here
 * first, so a bad one fails with the same GW_BAD_REQUEST as inline (and values structured
 * clone cannot carry never reach the thread). Not yet opened: `openAuditLog` answers a
 * failed open (a broken file) at once.
 */
export function openWorkerAudit(path: string): AuditLog {
  const client = StoreHost.get().open('audit', { path });
  return {
    append: (entry) => {
      try {
        checkNewEntry(entry);
      } catch (err) {
        return Promise.reject(err);
      }
      return client.call(['append'], [entry]) as Promise<AuditEntry>;
    },
    list: (filter) => client.call(['list'], filter === undefined ? [] : [filter]) as Promise<AuditEntry[]>,
    head: () => client.call(['head'], []) as Promise<AuditHead>,
    verify: (opts) => client.call(['verify'], opts === undefined ? [] : [opts]) as Promise<AuditVerifyResult>,
    close: () => client.close(),
  };
}
