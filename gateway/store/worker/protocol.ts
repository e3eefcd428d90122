import { GatewayError, type ErrorCode, type Issue } from '../../errors.js';
import type { CloneableKeyRing } from '../../crypto/at-rest.js';

/**
 * The messages between the main thread's store proxy (proxy.ts) and the store worker
 * (store-worker.ts). Values cross by structured clone: Dates stay Dates, Buffers arrive as
 * plain Uint8Arrays (restored by `restoreBuffers`), errors are sent as `WireError`.
 */

/**
 * What a hosted store is: the message store (gateway/store/sqlite) or the audit log
 * (gateway/audit/sqlite.ts, its own file and group commit).
 */
export type HostedBackend = 'messages' | 'audit';

/** Opens one store in the worker (a thread may host several: a test process opens many; the gateway its message store and audit log). */
export interface OpenRequest {
  kind: 'open';
  storeId: number;
  backend: HostedBackend;
  path: string;
  atRest?: CloneableKeyRing;
  /** The durability trace's shared clock, when tracing (gateway/store/durability-trace.ts). */
  traceClock?: SharedArrayBuffer;
}

/** One method call: `path` is the method name, or `['fitConnect', name]` for the FIT-Connect port. */
export interface CallRequest {
  kind: 'call';
  storeId: number;
  id: number;
  path: readonly string[];
  args: unknown[];
}

export interface WireError {
  name: string;
  message: string;
  code?: string;
  issues?: Issue[];
  extra?: Record<string, unknown>;
  gateway: boolean;
}

export type WorkerRequest = OpenRequest | CallRequest;

export type WorkerReply =
  | { kind: 'result'; storeId: number; id: number; value: unknown }
  | { kind: 'error'; storeId: number; id: number; error: WireError }
  /** After every committed batch: duration from BEGIN to the end of COMMIT, number of writes. */
  | { kind: 'commit'; storeId: number; ms: number; operations: number; committed: boolean }
  /** Durability trace: a batch's COMMIT returned at `tick` of the shared clock, holding these accepted message ids. */
  | { kind: 'trace'; storeId: number; tick: number; messageIds: string[]; synchronous: number };

/**
 * The methods of MessageStore, FitConnectStore and AuditLog that write (run in a group commit);
 * the proxy counts them for `pressure()`. A method missing here still works, it is only
 * not counted as a pending write.
 */
export const WRITE_METHODS: ReadonlySet<string> = new Set([
  'accept', 'recordRejection', 'claimDue', 'markDelivered', 'markInMailbox', 'markRetrying', 'markDead', 'release', 'releaseOwner',
  'replay', 'replayAllDead', 'putForm', 'mailboxPut', 'mailboxFetch', 'mailboxAck', 'xtaFetch', 'setDelegation', 'rewrapPayloads', 'purgePayload', 'deleteVorgangRecords',
  'recordUpload', 'recordVorgangEvent', 'migrate',
  'fitConnect.create', 'fitConnect.putAttachment', 'fitConnect.transition', 'fitConnect.addEventOnce', 'fitConnect.ensureReply', 'fitConnect.acceptReply',
  // the audit log's one write
  'append',
]);

/** Errors as they cross the thread boundary: a GatewayError keeps code, issues and extra; others their name, message and code. */
export function toWireError(err: unknown): WireError {
  if (err instanceof GatewayError) return { gateway: true, name: err.name, message: err.message, code: err.code, issues: err.issues, extra: err.extra };
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { gateway: false, name: err.name, message: err.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { gateway: false, name: 'Error', message: String(err) };
}

/** The error the caller on the main thread sees, as if the store had thrown it there. */
export function fromWireError(w: WireError): Error {
  if (w.gateway && w.code !== undefined) return new GatewayError(w.code as ErrorCode, w.message, { issues: w.issues ?? [], extra: w.extra ?? {} });
  const err = new Error(w.message) as Error & { code?: string };
  err.name = w.name;
  if (w.code !== undefined) err.code = w.code;
  return err;
}

/** Turns every Uint8Array in a cloned value back into a Buffer (same memory, no copy); Dates and other values stay. */
export function restoreBuffers(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = restoreBuffers(value[i]);
    return value;
  }
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const o = value as Record<string, unknown>;
    for (const k of Object.keys(o)) o[k] = restoreBuffers(o[k]);
  }
  return value;
}
