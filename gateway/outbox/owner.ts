import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/** The owner id of an embedded store: one process owns the SQLite file. */
export const EMBEDDED_OWNER = 'embedded';

/**
 * The outbox lease owner of this gateway process (ADR 0011, ADR 0043), chosen once at start.
 * An embedded SQLite file belongs to one process, so its owner is the constant `embedded` and
 * the start releases every lease a crashed predecessor left. A shared store (PostgreSQL) gets
 * `<host>:<pid>:<random>`, new on every start: releasing it at start frees nothing of the
 * other live instances, and the leases of an instance that died are taken over by whoever
 * claims after their `lease_until`.
 */
export function outboxOwnerId(storeKind: string, host: string = hostname(), pid: number = process.pid): string {
  return storeKind === 'sqlite' ? EMBEDDED_OWNER : `${host}:${pid}:${randomUUID().slice(0, 8)}`;
}
