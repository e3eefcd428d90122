import { openWorkerAudit } from '../store/worker/proxy.js';
import { PostgresAuditLog } from './postgres.js';
import { SqliteAuditLog } from './sqlite.js';
import type { AuditLog } from './types.js';

export type AuditLogOptions =
  | {
      /** The audit database, e.g. `auditDbPath(dataDir)`. */
      path: string;
      /**
       * `worker` (default): the audit log runs in the store worker thread beside the message
       * store (ADR 0034), so its fsync and hash chain stay off the caller's event loop.
       * `inline`: on the caller's thread (one-shot CLI commands, tests that open the file twice).
       */
      thread?: 'worker' | 'inline';
    }
  | {
      /** The store's PostgreSQL database: one chain shared by every gateway instance (ADR 0043). */
      postgresUrl: string;
    };

/**
 * Opens (creating and migrating) the audit log. Resolves once it is open and its head read,
 * so an unreadable or foreign file (or an unreachable database) fails here, at start. A log
 * whose chain or triggers were tampered with still opens: its appends refuse with
 * GW_AUDIT_CHAIN_BROKEN.
 */
export async function openAuditLog(opts: AuditLogOptions): Promise<AuditLog> {
  if ('postgresUrl' in opts) return PostgresAuditLog.open(opts.postgresUrl);
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
