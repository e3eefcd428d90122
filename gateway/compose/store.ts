import { join } from 'node:path';
import type { Logger } from 'pino';
import { openAuditLog } from '../audit/open.js';
import { auditDbPath } from '../audit/sqlite.js';
import type { AuditLog } from '../audit/types.js';
import type { GatewayConfig } from '../config/schema.js';
import type { KeyRing } from '../crypto/at-rest.js';
import { createFsAttachmentStore, withUploaders, type AttachmentStore } from '../store/attachments.js';
import { createStore, type DurabilityTrace, type MessageStore } from '../store/index.js';
import { UploadBudget, withUploadBudget } from '../store/upload-budget.js';
import { openGrantStore, type GrantStore } from '../auth/break-glass.js';
import { outboxOwnerId } from '../outbox/owner.js';
import type { StateBackend } from '../state/backend.js';
import type { Part } from './parts.js';

export interface Stores {
  store: MessageStore;
  attachments: AttachmentStore;
  /** Lease owner id of this process in the outbox (ADR 0011). */
  owner: string;
  /** Closes the message store (after the audit log, before the FIT-Connect destinations). */
  part: Part;
}

export interface StoreBuildOptions {
  cfg: GatewayConfig;
  dataDir: string;
  atRest: KeyRing;
  /** The state backend chosen by buildKeys; the store must be of the same kind (ADR 0043). */
  state: StateBackend;
  log: Logger;
  /** Called with the duration in seconds of each committed write batch (store commit metrics, ADR 0029). */
  onCommitted: (seconds: number) => void;
  durabilityTrace?: DurabilityTrace;
}

/**
 * Opens the message store (migrated) and the attachment store, and releases outbox leases a
 * crashed predecessor left (one process owns an embedded SQLite file; with a shared database
 * each process has its own owner id, ADR 0011).
 */
export async function buildStore(o: StoreBuildOptions, own: (p: Part) => void): Promise<Stores> {
  // The store runs in its worker thread (ADR 0034): no SQLite work, fsync or at-rest sealing on this event loop.
  const store = await createStore({
    kind: 'sqlite',
    thread: 'worker',
    path: join(o.dataDir, 'gateway.db'),
    atRest: o.atRest,
    onCommit: (seconds, _operations, committed) => {
      if (committed) o.onCommitted(seconds);
    },
    ...(o.durabilityTrace ? { trace: o.durabilityTrace } : {}),
  });
  const part: Part = { name: 'message store', close: () => store.close() };
  own(part);
  await store.migrate();
  const attachments = withUploadBudget(withUploaders(createFsAttachmentStore(o.dataDir, o.atRest), store), new UploadBudget(o.cfg.server.uploadBudgetBytesPerHour, 3_600_000));
  // the state follows the store (ADR 0043): one setting selects both, so they never disagree
  if (store.kind !== o.state.kind) throw new Error(`the message store is ${store.kind} but the audit log, grants and callbacks would be in ${o.state.kind}`);
  // 'embedded' for SQLite (leases of a crashed predecessor released at once); a fresh id per process on a shared store (ADR 0011, ADR 0043).
  const owner = outboxOwnerId(store.kind);
  const released = await store.releaseOwner(owner);
  if (released > 0) o.log.warn({ released }, 'released outbox leases left by an earlier run');
  return { store, attachments, owner, part };
}

/**
 * Opens the audit log of the state backend (ADR 0043): SQLite in the store worker thread beside
 * the message store (ADR 0034), its group commit and hash chain off the event loop; or the
 * PostgreSQL database every instance shares, one chain for all of them.
 */
export async function buildAudit(state: StateBackend, dataDir: string, own: (p: Part) => void): Promise<{ audit: AuditLog; part: Part }> {
  const audit = await openAuditLog(state.kind === 'postgres' ? { postgresUrl: state.url } : { path: auditDbPath(dataDir), thread: 'worker' });
  const part: Part = { name: 'audit log', close: () => audit.close() };
  own(part);
  return { audit, part };
}

/** Opens where break-glass grants are kept (ADR 0043): read through on every check, so a grant made on one instance is in force on all. */
export async function buildGrants(state: StateBackend, own: (p: Part) => void): Promise<{ grants: GrantStore; part: Part }> {
  const grants = await openGrantStore(state);
  const part: Part = { name: 'break-glass grants', close: () => grants.close() };
  own(part);
  return { grants, part };
}
