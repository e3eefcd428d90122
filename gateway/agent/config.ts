import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { substituteEnv } from '../config/load.js';
import { GatewayError, type Issue } from '../errors.js';

const MAILBOX = /^[a-z0-9][a-z0-9._-]*$/;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

const messageTypes = z
  .array(z.string().min(1))
  .min(1)
  .optional()
  .describe('Message types (e.g. `hund.anmeldung.0101`) this target takes; absent: every type. The first matching target of a mailbox takes a message.');

/** A local target: where the agent hands a fetched message inside the municipality's network. */
const targetSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('http').describe('POST the payload to a local URL (with attachments: one multipart/form-data POST with manifest, message and attachments); any 2xx answer means accepted.'),
      messageTypes,
      url: z.url().describe('Local URL of the Fachverfahren\'s inbox (http or https).'),
      timeoutMs: z.number().int().min(100).max(600_000).default(30_000).describe('Time for the whole POST; a timeout counts as not accepted.'),
      headers: z.record(z.string(), z.string()).default({}).describe('Extra request headers (e.g. a static API key of the local system).'),
    })
    .strict(),
  z
    .object({
      kind: z.literal('folder').describe('Write the payload into a directory: `.<name>.part`, fsync, rename, fsync of the directory; attachments first, as the folder `<name>.attachments/` with `manifest.json`, placed whole.'),
      messageTypes,
      dir: z.string().min(1).describe('Directory the Fachverfahren imports from (must exist).'),
    })
    .strict(),
  z
    .object({
      kind: z.literal('command').describe('Run a program with the payload on stdin (attachments and `manifest.json` in the temporary folder `ZSA_ATTACHMENTS_DIR`, removed afterwards); exit code 0 means accepted. No shell is involved.'),
      messageTypes,
      program: z.string().min(1).describe('Program to run (absolute path or a name on PATH), started without a shell.'),
      args: z.array(z.string()).default([]).describe('Fixed arguments from this file. Message data never becomes an argument; it is in stdin and the ZSA_* environment variables.'),
      timeoutMs: z.number().int().min(100).max(3_600_000).default(60_000).describe('The program is killed (SIGKILL) after this time; that counts as not accepted.'),
    })
    .strict(),
]);

export const agentConfigSchema = z
  .object({
    gateway: z
      .object({
        url: z.url().describe('Base URL of the gateway (`https://…`; plain http only to a loopback address, for a local demo).'),
        ca: z.string().min(1).optional().describe('PEM file of the CA that issued the gateway\'s server certificate (default: the system\'s CAs).'),
        clientCert: z
          .object({
            cert: z.string().min(1).describe('PEM file of the participant\'s client certificate (certs-dev: `<participant>.crt`).'),
            key: z.string().min(1).describe('PEM file of its private key.'),
          })
          .strict()
          .optional()
          .describe('mTLS: the client certificate the gateway knows the participant by.'),
        oauth: z
          .object({
            clientId: z.string().min(1).describe('OAuth2 client id of the participant.'),
            clientSecretFile: z.string().min(1).describe('File holding the client secret (first line); keep it readable by the agent\'s user only.'),
          })
          .strict()
          .optional()
          .describe('OAuth2 client credentials: the agent fetches a token at `POST /token` and renews it before it expires.'),
        anonymous: z.boolean().default(false).describe('Send no credentials at all: only for a gateway with `auth.mode: off` (the local demo).'),
        waitSeconds: z.number().int().min(0).max(30).default(25).describe('Long-poll time per fetch (`?wait=`, at most 30 s); 0 (or a gateway without the long poll) polls an empty mailbox once a second.'),
        timeoutMs: z.number().int().min(1000).max(600_000).default(30_000).describe('Time for one request to the gateway, on top of the long-poll wait.'),
      })
      .strict()
      .describe('The gateway and how the agent proves who it is (the participant whose mailboxes it polls).'),
    decryptionKey: z.string().min(1).optional().describe('JWK file (JSON) with the participant\'s private RSA encryption key: payloads the gateway sends as JWE are opened with it. Without it a JWE payload is not delivered (and not acknowledged).'),
    stateDir: z.string().min(1).describe('Directory of the agent\'s journal of locally accepted messages (`accepted.journal`) and of its status file (`status.json`, read by `agent status`); created with mode 0700. One agent per state directory.'),
    mailboxes: z
      .array(
        z
          .object({
            mailbox: z.string().regex(MAILBOX, 'mailbox names are lower-case letters, digits, ".", "_" and "-"').describe('Mailbox to poll (the participant\'s endpoint id in the gateway configuration).'),
            targets: z.array(targetSchema).min(1).describe('Local targets, tried in order: the first whose `messageTypes` match takes the message.'),
          })
          .strict(),
      )
      .min(1)
      .describe('Mailboxes to poll, one loop each; a mailbox\'s messages are handed on one at a time, in order.'),
    answers: z
      .object({
        folder: z.string().min(1).optional().describe('Outbox folder the Fachverfahren writes answers into (`.xml`, `.json`, `.csv`, `.jwe` files, or a folder with the message, its attachments and `manifest.json`; names starting with `.` or ending in `.part` are ignored). Sent answers move to `sent/`, refused ones to `failed/` with `<name>.problem.json` beside them.'),
        pollMs: z.number().int().min(100).max(600_000).default(1000).describe('How often the outbox folder is scanned.'),
        listenPort: z.number().int().min(0).max(65535).optional().describe('Also accept answers by `POST /answers` on this port of 127.0.0.1 (never another address; 0 picks a free port); each is written durably into the outbox folder before the 202.'),
      })
      .strict()
      .refine((a) => a.listenPort === undefined || a.folder !== undefined, { message: 'listenPort needs folder (answers are written there first)', path: ['listenPort'] })
      .optional()
      .describe('Answers of the Fachverfahren, sent to the gateway as `POST /api/v1/messages`.'),
    backoff: z
      .object({
        initialMs: z.number().int().min(10).default(500).describe('First delay.'),
        maxMs: z.number().int().min(10).default(30_000).describe('Longest delay.'),
      })
      .strict()
      .default({ initialMs: 500, maxMs: 30_000 })
      .describe('Retry delays (doubling, with jitter) after a failed poll, a refused local delivery or a failed answer.'),
    log: z
      .object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level; lines go to stdout as JSON and carry ids, codes and counts, never message content.') })
      .strict()
      .default({ level: 'info' }),
  })
  .strict();

export type AgentConfig = z.output<typeof agentConfigSchema>;
export type TargetConfig = z.output<typeof targetSchema>;

type Loose = { [key: string]: Loose } | undefined;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/**
 * The checks a schema cannot make: auth given, transport encrypted, files and folders present.
 * Run on the raw tree as well when the schema failed, so one run lists every problem; each
 * check reads only what is there.
 */
function crossCheck(raw: unknown, baseDir: string): Issue[] {
  const cfg = raw as Loose;
  const issues: Issue[] = [];
  const problem = (path: string, message: string) => issues.push({ path, message, layer: 'config' });
  const g = cfg?.['gateway'];
  const at = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const file = (path: string, f: unknown) => {
    const name = str(f);
    if (name !== undefined && !(existsSync(at(name)) && statSync(at(name)).isFile())) problem(path, 'file not found');
  };
  const folder = (path: string, d: unknown) => {
    const name = str(d);
    if (name !== undefined && !(existsSync(at(name)) && statSync(at(name)).isDirectory())) problem(path, 'directory not found');
  };
  let url: URL | undefined;
  try {
    url = new URL(str(g?.['url']) ?? '');
  } catch {
    url = undefined; // the schema reports it
  }
  if (url && url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) problem('gateway.url', 'must be https (plain http only to 127.0.0.1, localhost or [::1])');
  const anonymous = (g?.['anonymous'] as unknown) === true;
  if (anonymous && (g?.['clientCert'] || g?.['oauth'])) problem('gateway.anonymous', 'anonymous excludes clientCert and oauth');
  if (g && !anonymous && !g['clientCert'] && !g['oauth']) problem('gateway', 'name clientCert (mTLS) or oauth, or set anonymous: true for a demo gateway without authentication');
  if (g?.['clientCert'] && url && url.protocol !== 'https:') problem('gateway.clientCert', 'a client certificate needs an https gateway URL');
  file('gateway.ca', g?.['ca']);
  file('gateway.clientCert.cert', g?.['clientCert']?.['cert']);
  file('gateway.clientCert.key', g?.['clientCert']?.['key']);
  file('gateway.oauth.clientSecretFile', g?.['oauth']?.['clientSecretFile']);
  file('decryptionKey', cfg?.['decryptionKey']);
  folder('answers.folder', cfg?.['answers']?.['folder']);
  const seen = new Set<string>();
  const mailboxes = cfg?.['mailboxes'];
  if (Array.isArray(mailboxes)) {
    mailboxes.forEach((m: Loose, i) => {
      const name = str(m?.['mailbox']);
      if (name !== undefined && seen.has(name)) problem(`mailboxes.${i}.mailbox`, `mailbox "${name}" is named twice`);
      if (name !== undefined) seen.add(name);
      const targets = m?.['targets'];
      if (!Array.isArray(targets)) return;
      targets.forEach((t: Loose, j) => {
        const kind = t?.['kind'] as unknown;
        if (kind === 'folder') folder(`mailboxes.${i}.targets.${j}.dir`, t?.['dir']);
        const program = str(t?.['program']);
        if (kind === 'command' && program !== undefined && /[/\\]/.test(program)) file(`mailboxes.${i}.targets.${j}.program`, program);
      });
    });
  }
  return issues;
}

/** Relative file names in the config are taken relative to the config file's folder. */
function anchorPaths(cfg: AgentConfig, base: string): AgentConfig {
  const at = <T extends string | undefined>(p: T): T => (p === undefined || isAbsolute(p) ? p : (resolve(base, p) as T));
  const g = cfg.gateway;
  return {
    ...cfg,
    gateway: {
      ...g,
      ca: at(g.ca),
      ...(g.clientCert && { clientCert: { cert: at(g.clientCert.cert), key: at(g.clientCert.key) } }),
      ...(g.oauth && { oauth: { ...g.oauth, clientSecretFile: at(g.oauth.clientSecretFile) } }),
    },
    decryptionKey: at(cfg.decryptionKey),
    stateDir: at(cfg.stateDir),
    mailboxes: cfg.mailboxes.map((m) => ({ ...m, targets: m.targets.map((t) => (t.kind === 'folder' ? { ...t, dir: at(t.dir) } : t.kind === 'command' && t.program.includes('/') ? { ...t, program: at(t.program) } : t)) })),
    ...(cfg.answers && { answers: { ...cfg.answers, folder: at(cfg.answers.folder) } }),
  };
}

/**
 * Validates a parsed agent configuration (`${VAR}` placeholders already replaced). Relative
 * paths are resolved against `baseDir`. Throws GW_CONFIG_INVALID listing every problem —
 * schema, auth, transport, files and folders — not only the first.
 */
export function validateAgentConfig(raw: unknown, baseDir: string): AgentConfig {
  const parsed = agentConfigSchema.safeParse(raw);
  const issues = [
    ...(parsed.success ? [] : parsed.error.issues.map((i) => ({ message: i.message, path: i.path.map(String).join('.'), layer: 'config' }))),
    ...crossCheck(raw, baseDir),
  ];
  if (issues.length > 0 || !parsed.success) throw new GatewayError('GW_CONFIG_INVALID', `agent configuration has ${issues.length} problem(s)`, { issues });
  return anchorPaths(parsed.data, baseDir);
}

/** Reads and validates the agent's YAML file (environment placeholders `${VAR}` / `${VAR:-default}` allowed). */
export function loadAgentConfig(file: string): AgentConfig {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? { line: err.linePos[0].line, column: err.linePos[0].col } : {};
    throw new GatewayError('GW_CONFIG_INVALID', `cannot read agent configuration ${file}`, { cause: err, issues: [{ message: err instanceof Error ? err.message.split('\n')[0]! : String(err), ...where, layer: 'config' }] });
  }
  return validateAgentConfig(substituteEnv(raw, process.env), dirname(resolve(file)));
}
