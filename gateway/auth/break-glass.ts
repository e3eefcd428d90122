import { randomUUID } from 'node:crypto';
import type { StateBackend } from '../state/backend.js';
import { PostgresGrantStore } from './grant-store-postgres.js';
import { SqliteGrantStore, type BreakGlassGrant, type GrantStore } from './grant-store.js';

export type { BreakGlassGrant, GrantStore } from './grant-store.js';

/**
 * Break-glass grants (ADR 0012): recorded by an admin with a reason, listed for everyone
 * with operator or admin role, expiring on their own. Kept in a GrantStore (ADR 0043): a
 * SQLite file in the data folder, or the PostgreSQL database every instance shares — a
 * grant is durable before `add` resolves and in force on every instance from then on, until
 * `expiresAt` by each instance's clock (kept in sync by NTP). Every grant request and every
 * use is also in the audit log and the warn log.
 */
export class BreakGlassGrants {
  constructor(
    private readonly store: GrantStore,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async add(g: Omit<BreakGlassGrant, 'id' | 'grantedAt' | 'expiresAt'>, minutes: number): Promise<BreakGlassGrant> {
    const now = this.clock();
    const grant: BreakGlassGrant = { ...g, id: randomUUID(), grantedAt: now.toISOString(), expiresAt: new Date(now.getTime() + minutes * 60_000).toISOString() };
    await this.store.insert(grant);
    return grant;
  }

  /** Every grant recorded, newest first, with whether it is still in force. */
  async list(): Promise<Array<BreakGlassGrant & { active: boolean }>> {
    const now = this.clock().toISOString();
    return (await this.store.all()).map((g) => ({ ...g, active: g.expiresAt > now }));
  }

  /** The grant in force that lets `participantId` read the payload of this message (by id or by its Vorgang), if any. */
  find(participantId: string, messageId: string, vorgangId: string): Promise<BreakGlassGrant | undefined> {
    return this.store.findInForce(participantId, messageId, vorgangId, this.clock().toISOString());
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

/** The grant store of a state backend (gateway/server.ts, at start): connects and migrates for PostgreSQL; SQLite opens on first use. */
export async function openGrantStore(backend: StateBackend): Promise<GrantStore> {
  return backend.kind === 'postgres' ? PostgresGrantStore.open(backend.url) : new SqliteGrantStore(backend.dataDir);
}
