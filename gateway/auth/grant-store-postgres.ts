import type pg from 'pg';
import { openMigratedPool, type PgMigration } from '../state/backend.js';
import { GRANT_COLUMNS, grantParams, IN_FORCE, INSERT_GRANT, type BreakGlassGrant, type GrantStore } from './grant-store.js';

const MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: 'break-glass grants',
    sql: `
CREATE TABLE break_glass_grants (
  seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id          text NOT NULL UNIQUE,
  granted_by  text NOT NULL,
  grantee     text,
  reason      text NOT NULL,
  message_id  text,
  vorgang_id  text,
  granted_at  text NOT NULL,
  expires_at  text COLLATE "C" NOT NULL
);
CREATE INDEX break_glass_grants_message ON break_glass_grants (message_id, expires_at);
CREATE INDEX break_glass_grants_vorgang ON break_glass_grants (vorgang_id, expires_at);
`,
  },
];

/**
 * Break-glass grants in the store's PostgreSQL database (ADR 0043), shared by every gateway
 * instance; migrations recorded in `break_glass_migrations`. Each read is a query (an index
 * lookup by message or Vorgang), never a cache.
 */
export class PostgresGrantStore implements GrantStore {
  private closing: Promise<void> | undefined;

  private constructor(private readonly pool: pg.Pool) {}

  static async open(url: string): Promise<PostgresGrantStore> {
    return new PostgresGrantStore(await openMigratedPool(url, 'break_glass', MIGRATIONS, 2));
  }

  async insert(g: BreakGlassGrant): Promise<void> {
    await this.pool.query(INSERT_GRANT, grantParams(g));
  }

  async all(): Promise<BreakGlassGrant[]> {
    return (await this.pool.query<BreakGlassGrant>(`SELECT ${GRANT_COLUMNS} FROM break_glass_grants ORDER BY seq DESC`)).rows;
  }

  async findInForce(participantId: string, messageId: string, vorgangId: string, now: string): Promise<BreakGlassGrant | undefined> {
    return (await this.pool.query<BreakGlassGrant>(`SELECT ${GRANT_COLUMNS} FROM break_glass_grants WHERE ${IN_FORCE} ORDER BY seq LIMIT 1`, [participantId, messageId, vorgangId, now])).rows[0];
  }

  close(): Promise<void> {
    return (this.closing ??= this.pool.end());
  }
}
