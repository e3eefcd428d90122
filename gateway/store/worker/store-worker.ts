import { parentPort } from 'node:worker_threads';
import { SqliteAuditLog } from '../../audit/sqlite.js';
import { KeyRing } from '../../crypto/at-rest.js';
import { GatewayError } from '../../errors.js';
import { tick } from '../durability-trace.js';
import { SqliteMessageStore } from '../sqlite/store.js';
import { restoreBuffers, toWireError, type CallRequest, type OpenRequest, type WorkerReply, type WorkerRequest } from './protocol.js';

/**
 * The store worker thread (ADR 0034): owns the SQLite connections, the group commits, the
 * at-rest sealing and the row mapping, i.e. SqliteMessageStore unchanged, and the audit log
 * (SqliteAuditLog unchanged: its group commit, fsync and hash chain), and answers the
 * calls of the main thread's proxies (proxy.ts). Calls arrive in the order the main thread
 * made them; every write that arrives while a batch commits joins the next batch (one
 * transaction, one fsync), and its answer is posted only after that batch's COMMIT returned.
 */
const port = parentPort;
if (port === null) throw new Error('store-worker.ts runs only as a worker thread');
const post = (reply: WorkerReply): void => port.postMessage(reply);
const stores = new Map<number, SqliteMessageStore | SqliteAuditLog>();
/** Stores whose open threw: the error answers their first call. */
const failedOpens = new Map<number, unknown>();

port.on('message', (req: WorkerRequest) => {
  if (req.kind === 'open') {
    open(req);
    return;
  }
  let result: Promise<unknown>;
  try {
    result = Promise.resolve(invoke(req));
  } catch (err) {
    result = Promise.reject(err);
  }
  result.then(
    (value) => post({ kind: 'result', storeId: req.storeId, id: req.id, value }),
    (err: unknown) => post({ kind: 'error', storeId: req.storeId, id: req.id, error: toWireError(err) }),
  );
});

/** Opens a store; a failure to open is answered to the store's first call (migrate). */
function open(req: OpenRequest): void {
  const { storeId, traceClock } = req;
  try {
    if (req.backend === 'audit') {
      stores.set(storeId, SqliteAuditLog.open(req.path));
      return;
    }
    stores.set(
      storeId,
      new SqliteMessageStore({
        path: req.path,
        ...(req.atRest ? { atRest: KeyRing.fromCloneable(req.atRest) } : {}),
        onCommit: (seconds, operations, committed) => post({ kind: 'commit', storeId, ms: seconds * 1000, operations, committed }),
        ...(traceClock ? { onBatchCommitted: (messageIds: string[], synchronous: number) => post({ kind: 'trace', storeId, tick: tick(traceClock), messageIds, synchronous }) } : {}),
      }),
    );
  } catch (err) {
    failedOpens.set(storeId, err);
  }
}

/** Calls the named method of the store or audit log (or of the message store's FIT-Connect port); an unknown name is a GW_INTERNAL error. */
function invoke(req: CallRequest): unknown {
  const store = stores.get(req.storeId);
  // closing a store that never opened (or closed already) is a no-op, so its open error stays the one reported
  if (store === undefined && req.path.length === 1 && req.path[0] === 'close') return undefined;
  if (store === undefined) {
    const failed = failedOpens.get(req.storeId);
    failedOpens.delete(req.storeId);
    throw failed ?? new GatewayError('GW_NOT_READY', 'The message store is closed.');
  }
  const [first, second] = req.path;
  const onPort = req.path.length === 2 && first === 'fitConnect' && store instanceof SqliteMessageStore;
  const target = (onPort ? store.fitConnect : store) as unknown as Record<string, unknown>;
  const name = onPort ? second : req.path.length === 1 ? first : undefined;
  const fn = name === undefined || name in Object.prototype ? undefined : target[name];
  if (typeof fn !== 'function') throw new GatewayError('GW_INTERNAL', `The message store has no method ${req.path.join('.')}.`);
  const result = (fn as (...a: unknown[]) => unknown).apply(target, restoreBuffers(req.args) as unknown[]);
  if (name === 'close' && !onPort) stores.delete(req.storeId);
  return result;
}
