import type { AuditLog } from '../audit/types.js';
import type { GatewayConfig } from '../config/schema.js';
import { GatewayError } from '../errors.js';
import type { RetentionStore } from '../store/contracts.js';
import type { RecordDeletionCandidate } from '../store/types.js';
import { RETENTION_ACTOR } from './run.js';

const DAY_MS = 86_400_000;

export interface RecordDeletionRunOptions {
  store: RetentionStore;
  /** When given, every deleted message is appended (`retention.delete-records`, `message:<id>`): the tombstone the hash chain keeps. */
  audit?: AuditLog;
  cfg: Pick<GatewayConfig, 'retention'>;
  now: Date;
  /** List the candidates (one batch) only; nothing is changed. */
  dryRun: boolean;
}

export interface RecordDeletionRunResult {
  /** False when `retention.deleteRecordsAfterDays` is not set: nothing was looked at. */
  enabled: boolean;
  /** The Vorgänge deleted (or, in a dry run, that would be: the first batch). */
  candidates: RecordDeletionCandidate[];
  /** Messages deleted. */
  deleted: number;
  /** Vorgänge deleted (their case events went with them). */
  vorgaengeGone: number;
  /** Rows deleted over all tables, message rows included. */
  rows: number;
}

/**
 * The second retention stage (ADR 0049): deletes the records of every Vorgang whose messages'
 * payloads were all purged at least `retention.deleteRecordsAfterDays` before `now` (see
 * RetentionStore.deleteVorgangRecords),
 * batch by batch until no candidate is left. Called by `zsa-gateway retention run` after the
 * payload stage. Each deletion is its own savepoint with its tombstone in the retention log (a
 * batch shares the group commit's transaction and fsync), then an audit entry once it committed. A message deleted or changed by a concurrent run is skipped
 * (GW_NOT_FOUND, GW_STATE_CONFLICT); other errors stop the run.
 */
export async function runRecordDeletion(o: RecordDeletionRunOptions): Promise<RecordDeletionRunResult> {
  const result: RecordDeletionRunResult = { enabled: false, candidates: [], deleted: 0, vorgaengeGone: 0, rows: 0 };
  const days = o.cfg.retention.deleteRecordsAfterDays;
  if (days === undefined) return result;
  result.enabled = true;
  const purgedBefore = new Date(o.now.getTime() - days * DAY_MS);
  for (;;) {
    const batch = await o.store.recordDeletionCandidates(purgedBefore, o.cfg.retention.batchSize);
    if (o.dryRun) {
      result.candidates.push(...batch);
      return result;
    }
    // posted together: the store's group commit runs a batch in one transaction with one fsync
    const reason = (c: RecordDeletionCandidate) => `retention: records of Vorgang ${c.vorgangId}, payloads purged by ${c.lastPurgedAt}, kept ${days} days more`;
    const outcomes = await Promise.allSettled(batch.map((c) => o.store.deleteVorgangRecords(c.vorgangId, purgedBefore, reason(c))));
    let progress = 0;
    const appends: Array<Promise<unknown>> = [];
    for (const [i, outcome] of outcomes.entries()) {
      const c = batch[i]!;
      if (outcome.status === 'rejected') {
        const err: unknown = outcome.reason;
        if (err instanceof GatewayError && (err.code === 'GW_NOT_FOUND' || err.code === 'GW_STATE_CONFLICT')) continue;
        throw err;
      }
      const r = outcome.value;
      progress += 1;
      result.candidates.push(c);
      result.deleted += r.messageIds.length;
      result.vorgaengeGone += 1;
      result.rows += Object.values(r.rows).reduce((a, b) => a + b, 0);
      for (const id of r.messageIds) {
        const detail = { vorgang: c.vorgangId, payloadsPurgedBy: c.lastPurgedAt, vorgangRows: r.rows };
        // chained in call order, one batch
        if (o.audit) appends.push(o.audit.append({ actor: RETENTION_ACTOR, action: 'retention.delete-records', target: `message:${id}`, outcome: 'allowed', detail }));
      }
    }
    await Promise.all(appends);
    // a batch that deleted nothing would come back unchanged: stop (what was refused waits for the next run)
    if (progress === 0) return result;
  }
}

/** The summary line of the second stage: `retention records: vorgaenge N messages N rows N`, or that it is off. */
export function formatRecordDeletionSummary(r: RecordDeletionRunResult): string {
  if (!r.enabled) return 'retention records: off (retention.deleteRecordsAfterDays not set)';
  return `retention records: vorgaenge ${r.candidates.length} messages ${r.candidates.reduce((a, c) => a + c.messageIds.length, 0)} rows ${r.rows}`;
}
