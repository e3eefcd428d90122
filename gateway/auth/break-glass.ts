import { randomUUID } from 'node:crypto';

/** One recorded permission for operators to read payloads of one message or Vorgang for a while. */
export interface BreakGlassGrant {
  id: string;
  grantedBy: string;
  /** Participant id of the operator it is for; null = every operator. */
  grantee: string | null;
  reason: string;
  messageId: string | null;
  vorgangId: string | null;
  grantedAt: string;
  expiresAt: string;
}

/**
 * Break-glass grants (ADR 0012): recorded by an admin with a reason, listed for everyone
 * with operator or admin role, expiring on their own. Grants live in the process: a
 * restart revokes them all, which errs on the safe side; every grant and every use is
 * logged (warn) so the record survives in the log.
 */
export class BreakGlassGrants {
  private readonly grants: BreakGlassGrant[] = [];

  constructor(private readonly clock: () => Date = () => new Date()) {}

  add(g: Omit<BreakGlassGrant, 'id' | 'grantedAt' | 'expiresAt'>, minutes: number): BreakGlassGrant {
    const now = this.clock();
    const grant: BreakGlassGrant = { ...g, id: randomUUID(), grantedAt: now.toISOString(), expiresAt: new Date(now.getTime() + minutes * 60_000).toISOString() };
    this.grants.push(grant);
    return grant;
  }

  /** Every grant recorded since start, newest first, with whether it is still in force. */
  list(): Array<BreakGlassGrant & { active: boolean }> {
    const now = this.clock().toISOString();
    return [...this.grants].reverse().map((g) => ({ ...g, active: g.expiresAt > now }));
  }

  /** The grant in force that lets `participantId` read the payload of this message (by id or by its Vorgang), if any. */
  find(participantId: string, messageId: string, vorgangId: string): BreakGlassGrant | undefined {
    const now = this.clock().toISOString();
    return this.grants.find((g) => g.expiresAt > now && (g.grantee === null || g.grantee === participantId) && (g.messageId === messageId || g.vorgangId === vorgangId));
  }
}
