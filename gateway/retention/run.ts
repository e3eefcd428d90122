import type { AuditLog } from '../audit/types.js';
import type { GatewayConfig } from '../config/schema.js';
import { GatewayError } from '../errors.js';
import type { AttachmentStore } from '../store/attachments.js';
import type { RetentionStore } from '../store/contracts.js';
import type { RetentionCandidate, RetentionRule } from '../store/types.js';

/** Who retention acts as in the audit log. */
export const RETENTION_ACTOR = 'system:retention';

export interface RetentionRunOptions {
  store: RetentionStore;
  attachments: AttachmentStore;
  /** When given, every purge is appended (`retention.purge`, `message:<id>`). */
  audit?: AuditLog;
  cfg: Pick<GatewayConfig, 'services'>;
  now: Date;
  /** List the candidates only; nothing is changed. */
  dryRun: boolean;
}

/** One message retention handled (or would handle, in a dry run). */
export interface RetentionItem extends RetentionCandidate {
  /** False in a dry run, and when another run purged it meanwhile. */
  purged: boolean;
  bytes: number;
  attachmentsDeleted: string[];
}

export interface RetentionRunResult {
  candidates: RetentionItem[];
  purged: number;
  /** Payload bytes deleted (plaintext), plus the plaintext size of attachment files deleted. */
  bytes: number;
  attachmentsDeleted: number;
}

/** The retention rules of every service that configures `retention` (ADR 0013). */
export function retentionRules(cfg: Pick<GatewayConfig, 'services'>): RetentionRule[] {
  return cfg.services.flatMap((s) =>
    s.retention === undefined ? [] : [{ service: s.id, leika: [...s.leika], closedBy: [...s.retention.closedBy], deleteAfterDays: s.retention.deleteAfterDays }],
  );
}

/**
 * Deletes the payloads (and attachment files no unpurged message refers to) of every
 * message whose Vorgang was closed longer than its service's `deleteAfterDays` before
 * `now`. Called by `zsa-gateway retention run` (and the admin API in dry-run form).
 * Metadata, history, receipts and the audit log stay. Each purge is one store
 * transaction with its retention log row; files are deleted after that commit, so a crash
 * in between leaves an orphaned file, never a message pointing at a missing one.
 * A message purged by a concurrent run is skipped (GW_PAYLOAD_PURGED). Other errors stop the run.
 */
export async function runRetention(o: RetentionRunOptions): Promise<RetentionRunResult> {
  const rules = retentionRules(o.cfg);
  const found = rules.length === 0 ? [] : await o.store.retentionCandidates(o.now, rules);
  const result: RetentionRunResult = { candidates: [], purged: 0, bytes: 0, attachmentsDeleted: 0 };
  for (const c of found) {
    const item: RetentionItem = { ...c, purged: false, bytes: 0, attachmentsDeleted: [] };
    result.candidates.push(item);
    if (o.dryRun) continue;
    const reason = `retention: ${c.service} Vorgang ${c.vorgangId} closed at ${c.closedAt}`;
    let purge;
    try {
      purge = await o.store.purgePayload(c.messageId, reason);
    } catch (err) {
      if (err instanceof GatewayError && err.code === 'GW_PAYLOAD_PURGED') continue;
      throw err;
    }
    item.purged = true;
    item.bytes = purge.bytes;
    for (const sha512 of purge.attachmentsRemoved) {
      const size = c.attachments.find((a) => a.sha512 === sha512)?.size ?? 0;
      if (await o.attachments.remove(sha512)) {
        item.attachmentsDeleted.push(sha512);
        item.bytes += size;
      }
    }
    result.purged += 1;
    result.bytes += item.bytes;
    result.attachmentsDeleted += item.attachmentsDeleted.length;
    await o.audit?.append({
      actor: RETENTION_ACTOR,
      action: 'retention.purge',
      target: `message:${c.messageId}`,
      outcome: 'allowed',
      detail: { vorgang: c.vorgangId, service: c.service, closedAt: c.closedAt, bytes: item.bytes, attachmentsDeleted: item.attachmentsDeleted },
    });
  }
  return result;
}

/** One line per message, for the CLI. */
export function formatRetentionItem(i: RetentionItem, dryRun: boolean): string {
  const verb = dryRun ? 'would purge' : i.purged ? 'purged' : 'skipped';
  const bytes = dryRun ? i.size : i.bytes;
  return `${verb} message ${i.messageId} ${i.messageType} vorgang ${i.vorgangId} service ${i.service} closed ${i.closedAt} bytes ${bytes} attachments ${dryRun ? i.attachments.length : i.attachmentsDeleted.length}`;
}

/** The summary line: `retention: candidates N purged N bytes N attachments N`. */
export function formatRetentionSummary(r: RetentionRunResult): string {
  return `retention: candidates ${r.candidates.length} purged ${r.purged} bytes ${r.bytes} attachments ${r.attachmentsDeleted}`;
}
