#!/usr/bin/env node
import { Command, Option } from 'commander';
import { readFile } from 'node:fs/promises';
import type { GatewayConfig } from '../config/schema.js';
import { GatewayError, toProblem } from '../errors.js';
import { api, ApiError, gatewayUrl, messageTypeOf, multipartBody } from './client.js';
import type { Answer } from '../api/contract-types.js';
import { addCredentialOptions, registerAuthCommands } from './auth.js';
import { formatIssue, headerSummary, printMessage, printMessages, printDelegations, printExplain } from './print.js';

const program = new Command();
program.name('zsa-gateway').description('XÖV interoperability gateway: EfA services ↔ ZSA ↔ municipal Fachverfahren').showHelpAfterError();
const urlOption = () => new Option('--url <url>', 'gateway base URL (default $ZSA_GATEWAY_URL or http://127.0.0.1:$PORT|8080)');
const jsonOption = () => new Option('--json', 'print JSON instead of text');
addCredentialOptions(program);
registerAuthCommands(program);

/**
 * Reads and validates the configuration (--config, else $ZSA_CONFIG, else the demo). The
 * connectors and the config loader are imported here, not at the top, so the commands that
 * only talk to a running gateway start quickly. Throws GW_CONFIG_INVALID listing every problem.
 */
async function loadConfig(explicit?: string): Promise<GatewayConfig> {
  const [{ CONNECTORS }, { DEMO_CONFIG_PATH, loadConfigFile }] = await Promise.all([import('../../connectors/index.js'), import('../config/load.js')]);
  return loadConfigFile(explicit ?? process.env['ZSA_CONFIG'] ?? DEMO_CONFIG_PATH, CONNECTORS);
}

program
  .command('serve')
  .description('start the gateway (embedded defaults and demo participants unless --config/ZSA_CONFIG)')
  .option('-c, --config <file>', 'YAML configuration file')
  .option('-p, --port <port>', 'listen port (default $PORT or server.port)')
  .action(async (o: { config?: string; port?: string }) => {
    const { startGateway } = await import('../server.js');
    const cfg = await loadConfig(o.config);
    const port = o.port ?? process.env['PORT'];
    const gw = await startGateway(cfg, port === undefined ? {} : { port: Number(port) });
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      gw.services.log.info({ signal }, 'stopping');
      gw.close().then(
        () => process.exit(0),
        (err: unknown) => {
          gw.services.log.error({ err: String(err) }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });

program
  .command('config-check')
  .description('validate a configuration file and list every problem')
  .option('-c, --config <file>', 'YAML configuration file')
  .action(async (o: { config?: string }) => {
    const cfg = await loadConfig(o.config);
    console.log(`ok: ${cfg.participants.length} participants, ${cfg.endpoints.length} endpoints, ${cfg.municipalities.length} municipalities, ${cfg.routes.length} routes`);
  });

/** Commander argument parser for a repeatable option: each occurrence adds one value. */
const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

program
  .command('validate <files...>')
  .description('check XÖV messages offline through every validation layer (exit 1 if any is invalid)')
  .option('--schemas <dir>', 'schema root; repeat for several (default: schemas.roots of --config, else the bundled schemas-xoev)', collect)
  .option('-c, --config <file>', 'take the schema roots from this configuration (schemas.roots), as `serve` does')
  .addOption(jsonOption())
  .action(async (files: string[], o: { schemas?: string[]; config?: string; json?: boolean }) => {
    const { loadValidator } = await import('../validation/index.js');
    const { schemaRootPath } = await import('../paths.js');
    const roots = o.schemas ?? (o.config ? (await loadConfig(o.config)).schemas.roots : ['./schemas-xoev']);
    const validator = await loadValidator(roots.map(schemaRootPath));
    let bad = 0;
    for (const f of files) {
      try {
        const { header, warnings } = validator.check(await readFile(f));
        if (o.json) console.log(JSON.stringify({ file: f, valid: true, header, warnings }));
        else console.log(`${f}: valid ${headerSummary(header)}${warnings.length ? `, warnings: ${warnings.join('; ')}` : ''}`);
      } catch (err) {
        if (!(err instanceof GatewayError)) throw err;
        bad += 1;
        const p = toProblem(err);
        if (o.json) console.log(JSON.stringify({ file: f, valid: false, problem: p }));
        else {
          console.log(`${f}: INVALID ${p.code}: ${p.detail}`);
          for (const i of p.errors ?? []) console.log(`  ${formatIssue(i)}`);
        }
      }
    }
    validator.close();
    process.exitCode = bad > 0 ? 1 : 0;
  });

program
  .command('send <file>')
  .description('submit an XÖV message, or a document an ingress mapping takes (.json, .csv: form data, a Fachverfahren\'s dialect), with attachments, to the running gateway')
  .option('-a, --attachment <files...>', 'attachments (evidence PDFs, scans)')
  .addOption(urlOption())
  .action(async (file: string, o: { attachment?: string[]; url?: string }) => {
    const base = gatewayUrl(o.url);
    const res = o.attachment?.length
      ? await api<Answer<'submitMessage', 202>>(base, 'POST', '/api/v1/messages', { type: 'multipart/form-data', data: await multipartBody(file, o.attachment) }, {})
      : await api<Answer<'submitMessage', 202>>(base, 'POST', '/api/v1/messages', { type: messageTypeOf(file), data: await readFile(file) });
    console.log(JSON.stringify(res.body, null, 2));
  });

const routes = program.command('routes').description('routing');
routes
  .command('explain <file>')
  .description('print where the running gateway would send a message, and why (exit 1 if it would not route it)')
  .addOption(urlOption())
  .addOption(jsonOption())
  .action(async (file: string, o: { url?: string; json?: boolean }) => {
    const res = await api<Answer<'explainRoute'>>(gatewayUrl(o.url), 'POST', '/api/v1/routes/explain', { type: 'application/xml', data: await readFile(file) });
    if (o.json) console.log(JSON.stringify(res.body, null, 2));
    else printExplain(res.body);
    process.exitCode = res.body.routed ? 0 : 1;
  });

const messages = program.command('messages').description('stored messages');
messages
  .command('list')
  .option('--state <state>')
  .option('--endpoint <id>')
  .option('--vorgang <id>')
  .option('--limit <n>', 'at most n (default 50)', '50')
  .addOption(urlOption())
  .addOption(jsonOption())
  .action(async (o: { state?: string; endpoint?: string; vorgang?: string; limit: string; url?: string; json?: boolean }) => {
    const q = new URLSearchParams({ limit: o.limit });
    if (o.state) q.set('state', o.state);
    if (o.endpoint) q.set('endpoint', o.endpoint);
    if (o.vorgang) q.set('vorgang', o.vorgang);
    const res = await api<Answer<'listMessages'>>(gatewayUrl(o.url), 'GET', `/api/v1/messages?${q}`);
    if (o.json) console.log(JSON.stringify(res.body.items, null, 2));
    else printMessages(res.body.items);
  });
messages
  .command('show <id>')
  .addOption(urlOption())
  .addOption(jsonOption())
  .action(async (id: string, o: { url?: string; json?: boolean }) => {
    const res = await api<Answer<'getMessage'>>(gatewayUrl(o.url), 'GET', `/api/v1/messages/${encodeURIComponent(id)}`);
    if (o.json) console.log(JSON.stringify(res.body, null, 2));
    else printMessage(res.body);
  });

program
  .command('replay [id]')
  .description('send a dead message again (or every dead message with --all)')
  .option('--all', 'replay every dead message')
  .option('--endpoint <id>', 'with --all: only this endpoint')
  .addOption(urlOption())
  .action(async (id: string | undefined, o: { all?: boolean; endpoint?: string; url?: string }) => {
    if (!id && !o.all) throw new GatewayError('GW_BAD_REQUEST', 'name a message id or use --all');
    const path = id ? `/api/v1/messages/${encodeURIComponent(id)}/replay` : `/api/v1/replay${o.endpoint ? `?endpoint=${encodeURIComponent(o.endpoint)}` : ''}`;
    const res = await api<Answer<'replayAll'>>(gatewayUrl(o.url), 'POST', path);
    console.log(`replayed ${res.body.replayed.length}${res.body.replayed.length ? `: ${res.body.replayed.join(' ')}` : ''}`);
  });

const delegation = program.command('delegation').description('which municipality delegated which service to the ZSA');
delegation
  .command('list')
  .addOption(urlOption())
  .addOption(jsonOption())
  .action(async (o: { url?: string; json?: boolean }) => {
    const res = await api<Answer<'listMunicipalities'>>(gatewayUrl(o.url), 'GET', '/api/v1/admin/municipalities');
    if (o.json) console.log(JSON.stringify(res.body.items, null, 2));
    else printDelegations(res.body.items);
  });
delegation
  .command('set <ags> <service> <mode>')
  .description('switch a delegation at runtime: <ags> is the AGS or the 12-digit ARS; mode none | e2e | backoffice | prozessschritt:<step>')
  .requiredOption('--reason <text>', 'why (recorded)')
  .addOption(urlOption())
  .action(async (ags: string, service: string, mode: string, o: { reason: string; url?: string }) => {
    const res = await api<Answer<'setDelegation'>>(gatewayUrl(o.url), 'PUT', `/api/v1/admin/municipalities/${encodeURIComponent(ags)}/delegations/${encodeURIComponent(service)}`, {
      type: 'application/json',
      data: JSON.stringify({ mode, reason: o.reason }),
    });
    console.log(`${res.body.ags}/${service}: ${res.body.previous ?? '?'} → ${res.body.mode} (recorded ${res.body.at})`); // the AGS, also when an ARS was given
  });

/**
 * Command groups whose modules are heavy to load (key generation, schema compilation) are
 * registered only when the command line names them or asks for help, so every other
 * command starts fast.
 */
async function registerOptionalGroups(argv: string[]): Promise<void> {
  const words = argv.slice(2);
  const wants = (name: string) => words.length === 0 || words.includes(name) || words.some((w) => w === '--help' || w === '-h' || w === 'help');
  if (wants('certs')) (await import('./certs.js')).registerCertsCommands(program);
  if (wants('standards')) (await import('./standards.js')).registerStandardsCommands(program);
  if (wants('audit')) (await import('./audit.js')).registerAuditCommands(program);
  if (wants('report') || wants('proof')) (await import('./report.js')).registerReportCommands(program);
  if (wants('retention')) (await import('./retention.js')).registerRetentionCommands(program, loadConfig);
  if (wants('keys')) (await import('./keys.js')).registerKeysCommands(program, loadConfig);
  if (wants('demo')) (await import('../demo/command.js')).registerDemoCommand(program);
  if (wants('efa')) (await import('./efa.js')).registerEfaCommands(program);
  if (wants('agent')) (await import('./agent.js')).registerAgentCommands(program);
}

registerOptionalGroups(process.argv).then(() => program.parseAsync(process.argv)).catch((err: unknown) => {
  if (err instanceof ApiError && err.problem) {
    console.error(`error: ${err.message}`);
    for (const i of err.problem.errors ?? []) console.error(`  ${formatIssue(i)}`);
  } else if (err instanceof GatewayError) {
    console.error(`error: ${err.code}: ${err.message}`);
    for (const i of err.issues) console.error(`  ${formatIssue(i)}`);
  } else {
    console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  }
  process.exitCode = 2;
});
