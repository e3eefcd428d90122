import type { Command } from 'commander';
import { resolve } from 'node:path';
import { auditDbPath } from '../audit/sqlite.js';
import { formatVerifyResult, parseAnchor, verifyAuditFile } from '../audit/verify-file.js';
import { verifyAuditDatabase } from '../audit/postgres.js';

/**
 * `zsa-gateway audit verify`: checks the hash chain of the audit log offline (read-only,
 * safe while the gateway runs), in the SQLite file of the embedded mode or, with
 * `--database-url` (or `DATABASE_URL`), in the PostgreSQL database the instances share. Exit 0 when intact, 1 when an entry was altered, removed
 * or reordered (or the check has warnings), 2 on errors (no such file).
 */
export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('the append-only, hash-chained audit log');
  audit
    .command('verify')
    .description('verify every entry of the audit log chain; names the first bad entry')
    .option('--data-dir <dir>', 'data folder of the gateway (default $ZSA_DATA_DIR or ./data)')
    .option('--file <path>', 'the audit database itself (default <data-dir>/audit.db)')
    .option('--database-url <url>', 'the PostgreSQL database of a production deployment (default $DATABASE_URL when no --file/--data-dir is given)')
    .option('--anchor <seq:hash>', 'a head published earlier (e.g. in an audit-checkpoint SET): the chain must still contain it')
    .action(async (o: { dataDir?: string; file?: string; databaseUrl?: string; anchor?: string }) => {
      const opts = o.anchor ? { anchor: parseAnchor(o.anchor) } : {};
      const url = o.databaseUrl ?? (o.file === undefined && o.dataDir === undefined ? process.env['DATABASE_URL'] : undefined);
      const file = o.file ?? auditDbPath(resolve(o.dataDir ?? process.env['ZSA_DATA_DIR'] ?? './data'));
      const result = url ? await verifyAuditDatabase(url, opts) : verifyAuditFile(file, opts);
      console.log(formatVerifyResult(result));
      process.exitCode = result.ok && result.warnings.length === 0 ? 0 : 1;
    });
}
