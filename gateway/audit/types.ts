/**
 * The audit log (ADR 0010): an append-only, hash-chained record of every access and
 * change — who (`actor`), what (`action`), when (`at`), on what (`target`), and whether it
 * was allowed or refused. Entry n carries the hash of entry n-1, so removing, altering or
 * reordering entries breaks the chain; `verify` finds the first break.
 */
export type AuditOutcome = 'allowed' | 'refused';

/** What a caller records. `at` defaults to now. */
export interface NewAuditEntry {
  /** Who acted: `participant:<id>`, `operator:<name>`, `admin:<name>`, `system`. */
  actor: string;
  /** Dotted verb, e.g. `message.submit`, `payload.read`, `draft.release`, `delegation.set`. */
  action: string;
  /** What it was about: `message:<gateway id>`, `vorgang:<id>`, `route:<name>`, `participant:<id>`, `ags:<ags>`. */
  target: string;
  outcome: AuditOutcome;
  /** Extra facts as plain JSON (reason, problem code, remote address, …) — never payload content. */
  detail?: Record<string, unknown>;
  at?: Date;
}

export interface AuditEntry {
  seq: number;
  /** ISO 8601 UTC with milliseconds, as hashed. */
  at: string;
  actor: string;
  action: string;
  target: string;
  outcome: AuditOutcome;
  detail: Record<string, unknown>;
  /** Hash of entry seq-1; 64 zeros for entry 1. */
  prevHash: string;
  /** sha256 (hex) of the canonical serialization of all fields above (chain.ts). */
  hash: string;
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  target?: string;
  /** Targets starting with this, e.g. `vorgang:` or `message:`. */
  targetPrefix?: string;
  outcome?: AuditOutcome;
  /** Entries with seq greater than this (paging forward). */
  afterSeq?: number;
  since?: Date;
  until?: Date;
  /** Default 100, at most 1000. */
  limit?: number;
  /** Default `asc` (oldest first). */
  order?: 'asc' | 'desc';
}

/** The newest entry as the log records it: the checkpoint, and what an external anchor holds. */
export interface AuditHead {
  seq: number;
  hash: string;
}

export type AuditBreak = 'altered' | 'removed' | 'reordered';

export type AuditVerifyResult =
  | { ok: true; entries: number; head: AuditHead; warnings: string[] }
  | { ok: false; entries: number; firstBadSeq: number; reason: AuditBreak; detail: string; warnings: string[] };

export interface AuditVerifyOptions {
  /**
   * A head recorded outside the database earlier (e.g. a signed audit-checkpoint SET):
   * the entry at `anchor.seq` must still exist with `anchor.hash`. This is what detects a
   * rewrite by someone who recomputed every hash (ADR 0010).
   */
  anchor?: AuditHead;
}

export interface AuditLog {
  /** Appends one entry; resolves once it is durable. Throws GW_AUDIT_CHAIN_BROKEN when the database no longer continues its own chain. */
  append(entry: NewAuditEntry): Promise<AuditEntry>;
  list(filter?: AuditFilter): Promise<AuditEntry[]>;
  head(): Promise<AuditHead>;
  verify(opts?: AuditVerifyOptions): Promise<AuditVerifyResult>;
  /** Flushes pending appends and closes. Idempotent. */
  close(): Promise<void>;
}
