import type { Command } from 'commander';
import { join, relative, resolve } from 'node:path';
import { CONNECTORS } from '../../connectors/index.js';
import { DEV_LABEL, generateDevPki, revoke, type DevParticipant } from '../../certs-dev/generate.js';
import { DEMO_CONFIG_PATH, loadConfigFile } from '../config/load.js';
import { PACKAGE_ROOT } from '../paths.js';

/**
 * `zsa-gateway certs …`: the development PKI (certs-dev/README.md, ADR 0008).
 * Local commands: they write files and never talk to a running gateway.
 */

/** Default output folder: `$ZSA_CERTS_DIR`, else `certs-dev/out` of the package (git-ignored). */
export function defaultCertsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['ZSA_CERTS_DIR'] ?? join(PACKAGE_ROOT, 'certs-dev', 'out');
}

/** The participants of a configuration file (default: --config, `$ZSA_CONFIG`, the demo). Throws GW_CONFIG_INVALID like `serve`. */
export function participantsOf(configFile?: string, env: NodeJS.ProcessEnv = process.env): { configFile: string; participants: DevParticipant[] } {
  const file = configFile ?? env['ZSA_CONFIG'] ?? DEMO_CONFIG_PATH;
  const cfg = loadConfigFile(file, CONNECTORS, env);
  return { configFile: file, participants: cfg.participants.map((p) => ({ id: p.id, kind: p.kind, kennung: p.kennung })) };
}

const warning = () => `WARNING: ${DEV_LABEL}. These keys are unencrypted development keys: never use them for real data or on a production host.`;

export function registerCertsCommands(program: Command): void {
  const certs = program.command('certs').description(`development PKI: CA, server and client certificates, encryption keys (${DEV_LABEL})`);

  certs
    .command('init')
    .description('generate the development PKI for every participant of the configuration')
    .option('--out <dir>', 'output folder (default $ZSA_CERTS_DIR or certs-dev/out)')
    .option('-c, --config <file>', 'configuration whose participants get certificates (default $ZSA_CONFIG or the demo)')
    .option('--force', 'replace an existing development PKI in the output folder')
    .option('--days <n>', 'certificate lifetime in days', '365')
    .action(async (o: { out?: string; config?: string; force?: boolean; days: string }) => {
      const outDir = resolve(o.out ?? defaultCertsDir());
      const { configFile, participants } = participantsOf(o.config);
      const r = await generateDevPki({ outDir, participants, force: o.force ?? false, validityDays: Number(o.days) });
      const shown = relative(process.cwd(), configFile);
      console.log(`development PKI for ${participants.length} participants of ${shown.startsWith('..') || shown === '' ? configFile : shown} → ${outDir}`);
      for (const f of r.files) console.log(`  wrote ${f}`);
      console.log(`${r.timings.keyCount} RSA keys in ${r.timings.keysMs} ms, certificates and JWKs in ${r.timings.certsMs} ms, total ${r.timings.totalMs} ms`);
      console.log(warning());
    });

  certs
    .command('revoke <participant>')
    .description("put a participant's client certificate on the CRL (the gateway applies it after reloading the CRL)")
    .option('--out <dir>', 'PKI folder (default $ZSA_CERTS_DIR or certs-dev/out)')
    .action((participant: string, o: { out?: string }) => {
      const r = revoke(resolve(o.out ?? defaultCertsDir()), participant);
      console.log(
        r.added
          ? `revoked ${r.participant} (serial ${r.serial}); ${r.crlFile} is now CRL number ${r.crlNumber}`
          : `${r.participant} (serial ${r.serial}) was already revoked; ${r.crlFile} unchanged (CRL number ${r.crlNumber})`,
      );
      console.log(warning());
    });
}
