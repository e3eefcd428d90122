import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { GatewayError } from '../errors.js';
import { verifyDatabase } from './sqlite.js';
import type { AuditVerifyOptions, AuditVerifyResult } from './types.js';

/**
 * `zsa-gateway audit verify [--anchor <seq>:<hash>]`: verifies the audit database at `path`
 * without changing it (a read-only connection; safe while the gateway runs — it sees the
 * last committed state). Throws GW_NOT_FOUND when the file does not exist or holds no audit
 * log. The CLI prints the result and exits non-zero when `ok` is false or warnings exist.
 */
export function verifyAuditFile(path: string, opts: AuditVerifyOptions = {}): AuditVerifyResult {
  if (!existsSync(path)) throw new GatewayError('GW_NOT_FOUND', `No audit database at ${path}.`);
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (cause) {
    throw new GatewayError('GW_NOT_FOUND', `Cannot open the audit database at ${path}: ${(cause as Error).message}`, { cause });
  }
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('audit_log', 'audit_head')").all();
    if (tables.length !== 2) throw new GatewayError('GW_NOT_FOUND', `${path} is not an audit database (no audit_log/audit_head tables).`);
    return verifyDatabase(db, opts);
  } finally {
    db.close();
  }
}

/** Parses `<seq>:<64 hex>` as given to `--anchor`. Throws GW_BAD_REQUEST. */
export function parseAnchor(text: string): { seq: number; hash: string } {
  const m = /^(\d{1,15}):([0-9a-f]{64})$/.exec(text.trim());
  if (m === null) throw new GatewayError('GW_BAD_REQUEST', 'An anchor is written <seq>:<sha256 hex>, e.g. 1042:9f86d0….');
  return { seq: Number(m[1]), hash: m[2]! };
}

/** One line per finding, for the CLI. */
export function formatVerifyResult(r: AuditVerifyResult): string {
  const lines = r.ok
    ? [`audit: ok, ${r.entries} entries, head ${r.head.seq}:${r.head.hash}`]
    : [`audit: BROKEN at entry ${r.firstBadSeq} (${r.reason}) after checking ${r.entries} entries: ${r.detail}`];
  return [...lines, ...r.warnings.map((w) => `audit: warning: ${w}`)].join('\n');
}
