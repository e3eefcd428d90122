import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { auditDbPath, SqliteAuditLog } from '../audit/sqlite.js';
import type { GatewayConfig } from '../config/schema.js';
import { GatewayError } from '../errors.js';
import { formatRecordDeletionSummary, runRecordDeletion } from '../retention/records.js';
import { formatRetentionItem, formatRetentionSummary, runRetention } from '../retention/run.js';
import { createFsAttachmentStore } from '../store/attachments.js';
import { createStore } from '../store/index.js';

/**
 * `zsa-gateway retention run [--dry-run]`: deletes payloads and attachment files of closed
 * Vorgänge on the data folder directly (ADR 0013), like `audit verify`, then — with
 * `retention.deleteRecordsAfterDays` set — the records of Vorgänge purged that long ago (ADR 0049). Safe while the
 * gateway runs: SQLite WAL lets this second process write, waiting for the gateway's write
 * lock up to the busy timeout. No at-rest key is needed (nothing is decrypted).
 * Prints one line per message and a summary line per stage; exit 0, or 2 on errors.
 */
export function registerRetentionCommands(program: Command, loadConfig: (file?: string) => Promise<GatewayConfig>): void {
  const retention = program.command('retention').description('DSGVO retention: delete payloads of closed Vorgänge (metadata, receipts and audit stay)');
  retention
    .command('run')
    .description('purge payloads and attachment files whose Vorgang is closed longer than the service\'s deleteAfterDays')
    .option('--dry-run', 'only list what would be purged')
    .option('-c, --config <file>', 'YAML configuration file (default $ZSA_CONFIG or the demo)')
    .option('--data-dir <dir>', 'data folder of the gateway (default store.dataDir of the config)')
    .option('--now <iso>', 'the time retention counts from (default: now)')
    .action(async (o: { dryRun?: boolean; config?: string; dataDir?: string; now?: string }) => {
      const cfg = await loadConfig(o.config);
      const now = o.now === undefined ? new Date() : new Date(o.now);
      if (Number.isNaN(now.getTime())) throw new GatewayError('GW_BAD_REQUEST', `--now is not an ISO time: ${o.now}`);
      const dataDir = resolve(o.dataDir ?? cfg.store.dataDir);
      const dryRun = o.dryRun === true;
      const store = await createStore({ kind: 'sqlite', path: join(dataDir, 'gateway.db') });
      const audit = dryRun ? undefined : SqliteAuditLog.open(auditDbPath(dataDir));
      try {
        const result = await runRetention({ store, attachments: createFsAttachmentStore(dataDir), cfg, now, dryRun, ...(audit ? { audit } : {}) });
        for (const item of result.candidates) console.log(formatRetentionItem(item, dryRun));
        console.log(formatRetentionSummary(result));
        // second stage (ADR 0049): after the payloads, the records of messages purged long enough ago
        const records = await runRecordDeletion({ store, cfg, now, dryRun, ...(audit ? { audit } : {}) });
        for (const c of records.candidates) console.log(`${dryRun ? 'would delete' : 'deleted'} records of vorgang ${c.vorgangId} messages ${c.messageIds.length} payloads purged by ${c.lastPurgedAt}`);
        console.log(formatRecordDeletionSummary(records));
      } finally {
        await audit?.close();
        await store.close();
      }
    });
}
