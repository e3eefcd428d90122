import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
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
  const owner = store.kind === 'sqlite' ? 'embedded' : `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const released = await store.releaseOwner(owner);
  if (released > 0) o.log.warn({ released }, 'released outbox leases left by an earlier run');
  return { store, attachments, owner, part };
}

/** Opens the audit log: in the store worker thread beside the message store (ADR 0034), its group commit and hash chain off the event loop. */
export async function buildAudit(dataDir: string, own: (p: Part) => void): Promise<{ audit: AuditLog; part: Part }> {
  const audit = await openAuditLog({ path: auditDbPath(dataDir), thread: 'worker' });
  const part: Part = { name: 'audit log', close: () => audit.close() };
  own(part);
  return { audit, part };
}
