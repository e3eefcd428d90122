import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

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
 * with operator or admin role, expiring on their own. With a `file` (the gateway's data
 * folder) every grant is appended as one JSON line and fsync'd before it takes effect, and
 * read back at start, so grants and their record survive a restart; every grant request
 * and every use is also in the audit log and the warn log.
 */
export class BreakGlassGrants {
  private readonly grants: BreakGlassGrant[] = [];

  constructor(
    private readonly clock: () => Date = () => new Date(),
    private readonly file?: string,
  ) {
    if (file && existsSync(file)) {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        try {
          this.grants.push(JSON.parse(line) as BreakGlassGrant);
        } catch {
          // a torn last line after a crash: that grant never took effect (add() fsyncs before returning)
        }
      }
    }
  }

  add(g: Omit<BreakGlassGrant, 'id' | 'grantedAt' | 'expiresAt'>, minutes: number): BreakGlassGrant {
    const now = this.clock();
    const grant: BreakGlassGrant = { ...g, id: randomUUID(), grantedAt: now.toISOString(), expiresAt: new Date(now.getTime() + minutes * 60_000).toISOString() };
    if (this.file) {
      mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
      const fd = openSync(this.file, 'a', 0o600);
      try {
        writeSync(fd, `${JSON.stringify(grant)}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    this.grants.push(grant);
    return grant;
  }

  /** Every grant recorded (since the file was started), newest first, with whether it is still in force. */
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
