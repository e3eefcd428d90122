import { openWorkerAudit } from '../store/worker/proxy.js';
import { SqliteAuditLog } from './sqlite.js';
import type { AuditLog } from './types.js';

export interface AuditLogOptions {
  /** The audit database, e.g. `auditDbPath(dataDir)`. */
  path: string;
  /**
   * `worker` (default): the audit log runs in the store worker thread beside the message
   * store (ADR 0034), so its fsync and hash chain stay off the caller's event loop.
   * `inline`: on the caller's thread (one-shot CLI commands, tests that open the file twice).
   */
  thread?: 'worker' | 'inline';
}

/**
 * Opens (creating and migrating) the audit log. Resolves once it is open and its head read,
 * so an unreadable or foreign file fails here, at start, for either thread. A log whose chain
 * or triggers were tampered with still opens: its appends refuse with GW_AUDIT_CHAIN_BROKEN.
 */
export async function openAuditLog(opts: AuditLogOptions): Promise<AuditLog> {
  if (opts.thread === 'inline') return SqliteAuditLog.open(opts.path);
  const audit = openWorkerAudit(opts.path);
  try {
    await audit.head();
  } catch (err) {
    await audit.close();
    throw err;
  }
  return audit;
}
