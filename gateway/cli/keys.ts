import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { GatewayConfig } from '../config/schema.js';
import { defaultAtRestKeyFile, loadAtRestRing } from '../crypto/config-keys.js';
import { GatewayError } from '../errors.js';
import { rewrapAttachmentFiles } from '../store/attachments-rewrap.js';
import { createStore } from '../store/index.js';

/** Payload rows and attachment files moved to the active at-rest key by one `keys rewrap`. */
export interface RewrapSummary {
  activeKeyId: string;
  payloads: { rewrapped: number; remaining: number };
  files: { rewrapped: number; current: number; clear: number };
}

/**
 * Moves everything sealed at rest under an older key to the active key of `crypto.atRest`
 * (key rotation step 2, docs/operations.md): message payloads and stored forms in batches of
 * `batch` through the store's `rewrapPayloads`, then the attachment files. Safe while the
 * gateway runs, like `retention run`; run again after a failure — it continues where it
 * stopped. When it returns with `payloads.remaining` 0, no payload names an older key.
 */
export async function rewrapAtRest(cfg: GatewayConfig, dataDir: string, batch = 500): Promise<RewrapSummary> {
  if (cfg.crypto.atRest === undefined && !existsSync(defaultAtRestKeyFile(dataDir))) {
    throw new GatewayError('GW_CONFIG_INVALID', `no at-rest keys: crypto.atRest is not configured and ${defaultAtRestKeyFile(dataDir)} does not exist`);
  }
  const ring = loadAtRestRing(cfg.crypto.atRest, dataDir, () => undefined);
  const store = await createStore({ kind: 'sqlite', path: join(dataDir, 'gateway.db'), atRest: ring });
  const payloads = { rewrapped: 0, remaining: 0 };
  try {
    for (;;) {
      const r = await store.rewrapPayloads(batch);
      payloads.rewrapped += r.rewrapped;
      payloads.remaining = r.remaining;
      if (r.remaining === 0 || r.rewrapped === 0) break; // 0 moved with some left: rows that changed under us; the next run takes them
    }
  } finally {
    await store.close();
  }
  const files = await rewrapAttachmentFiles(join(dataDir, 'attachments'), ring);
  return { activeKeyId: ring.activeKeyId, payloads, files };
}

/** `zsa-gateway keys rewrap`: prints one summary line; exit 0 when nothing sealed under an older key is left, else 1. */
export function registerKeysCommands(program: Command, loadConfig: (file?: string) => Promise<GatewayConfig>): void {
  const keys = program.command('keys').description('at-rest key rotation (crypto.atRest)');
  keys
    .command('rewrap')
    .description('re-seal payloads, stored forms and attachment files under the active at-rest key, so older keys can be retired')
    .option('-c, --config <file>', 'YAML configuration file (default $ZSA_CONFIG or the demo)')
    .option('--data-dir <dir>', 'data folder of the gateway (default store.dataDir of the config)')
    .option('--batch <n>', 'payload rows per transaction', '500')
    .action(async (o: { config?: string; dataDir?: string; batch: string }) => {
      const cfg = await loadConfig(o.config);
      const batch = Number(o.batch);
      if (!Number.isInteger(batch) || batch < 1) throw new GatewayError('GW_BAD_REQUEST', `--batch is not a positive integer: ${o.batch}`);
      const s = await rewrapAtRest(cfg, resolve(o.dataDir ?? cfg.store.dataDir), batch);
      console.log(
        `active key ${s.activeKeyId}: payloads rewrapped ${s.payloads.rewrapped}, remaining ${s.payloads.remaining}; ` +
          `attachment files rewrapped ${s.files.rewrapped}, already current ${s.files.current}, not sealed ${s.files.clear}`,
      );
      process.exitCode = s.payloads.remaining === 0 ? 0 : 1;
    });
}
