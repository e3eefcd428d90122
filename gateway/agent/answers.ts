import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import type { Logger } from 'pino';
import { FormData } from 'undici';
import { z } from 'zod';
import { backoffDelay } from '../outbox/backoff.js';
import type { AgentConfig } from './config.js';
import { moveDurably, writeFileDurably } from '../files/durable.js';
import { GatewayRequestError, type GatewayClient } from './gateway-client.js';
import { sleep } from './sleep.js';
import type { StatusFile } from './status.js';

/** File name extension → the media type the answer is sent as (the gateway's ingress decides what it accepts). */
const MEDIA_TYPES: Readonly<Record<string, string>> = { '.xml': 'application/xml', '.json': 'application/json', '.csv': 'text/csv', '.jwe': 'application/jose' };
const EXTENSION_OF: Readonly<Record<string, string>> = { 'application/xml': '.xml', 'text/xml': '.xml', 'application/json': '.json', 'text/csv': '.csv', 'application/jose': '.jwe' };
const MAX_ANSWER_BYTES = 20 * 1024 * 1024;

type AnswersConfig = NonNullable<AgentConfig['answers']>;

/**
 * The Fachverfahren's answers: files in the outbox folder (written by the Fachverfahren as
 * `.name.part` + rename, or by the local listener below) are sent oldest name first as
 * `POST /api/v1/messages`. A file moves to `sent/` only after the gateway stored it (202) or
 * said it has it already (200 duplicate); a refusal (4xx other than 408/429) moves it to
 * `failed/` with `<name>.problem.json` (the gateway's problem: code and paths, no content);
 * a network error, 408, 429 or 5xx leaves it in place and the scan tries again after a backoff.
 * A crash between the gateway's answer and the move sends the file again: the gateway answers
 * 200 duplicate (same author, same message UUID), and it moves then.
 */
export class AnswerOutbox {
  private readonly sentDir: string;
  private readonly failedDir: string;
  private server: Server | null = null;
  private wake: (() => void) | null = null;
  private failures = 0;

  constructor(
    private readonly cfg: AnswersConfig & { folder: string },
    private readonly client: GatewayClient,
    private readonly status: StatusFile,
    private readonly log: Logger,
    private readonly backoff: AgentConfig['backoff'],
  ) {
    this.sentDir = join(cfg.folder, 'sent');
    this.failedDir = join(cfg.folder, 'failed');
    for (const d of [this.sentDir, this.failedDir]) if (!existsSync(d)) mkdirSync(d, { mode: 0o750 });
  }

  /** Scans until `signal` aborts; resolves then. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let retryLater = false;
      try {
        retryLater = await this.scanOnce(signal);
      } catch (err) {
        if (signal.aborted) break;
        retryLater = true;
        this.status.error('answers', `outbox scan failed: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
        await this.status.save();
      }
      this.failures = retryLater ? this.failures + 1 : 0;
      const delay = retryLater ? backoffDelay({ ...this.backoff, multiplier: 2, jitter: 0.2 }, this.failures) : this.cfg.pollMs;
      await new Promise<void>((ok) => {
        this.wake = ok;
        void sleep(delay, signal).then(ok);
      });
      this.wake = null;
    }
  }

  /** Sends every waiting answer once; true when one should be tried again later (gateway not reachable or busy). */
  async scanOnce(signal: AbortSignal): Promise<boolean> {
    const names = (await readdir(this.cfg.folder)).filter((n) => !n.startsWith('.') && !n.endsWith('.part')).sort();
    for (const name of names) {
      if (signal.aborted) return false;
      const file = join(this.cfg.folder, name);
      const kind = await lstat(file);
      if (kind.isDirectory() && (name === 'sent' || name === 'failed')) continue;
      if (!kind.isFile() && !kind.isDirectory()) continue;
      let body: { data: Buffer | FormData; type: string | undefined };
      try {
        body = kind.isDirectory() ? { data: await answerForm(file), type: undefined } : { data: await readFile(file), type: mediaTypeOf(name) };
      } catch (err) {
        if (!(err instanceof AnswerRefusal)) throw err;
        await this.fail(name, { code: err.code, detail: err.message });
        continue;
      }
      try {
        const answer = await this.client.submit(body.data, body.type, signal);
        await moveDurably(file, this.sentDir, await freeName(this.sentDir, name));
        this.status.count('answersSent');
        await this.status.save();
        this.log.info({ answer: name, status: answer.status, gatewayId: answer.gatewayId, duplicate: answer.duplicate }, 'answer sent');
      } catch (err) {
        if (signal.aborted) return false;
        if (err instanceof GatewayRequestError && !err.retryable) {
          await this.fail(name, { status: err.status, ...err.problem });
          continue;
        }
        this.status.error('answers', err instanceof Error ? err.message : String(err));
        await this.status.save();
        this.log.warn({ answer: name, err: err instanceof Error ? err.message : String(err) }, 'answer not sent; trying again later');
        return true;
      }
    }
    return false;
  }

  private async fail(name: string, problem: Record<string, unknown>): Promise<void> {
    const to = await freeName(this.failedDir, name);
    await writeFileDurably(join(this.failedDir, `${to}.problem.json`), `${JSON.stringify(problem, null, 2)}\n`);
    await moveDurably(join(this.cfg.folder, name), this.failedDir, to);
    this.status.count('answersFailed');
    this.status.error('answers', `answer ${name} refused: ${String(problem['code'] ?? problem['status'] ?? '')}`);
    await this.status.save();
    this.log.warn({ answer: name, code: problem['code'], status: problem['status'] }, 'answer refused by the gateway; moved to failed/');
  }

  /**
   * Starts the local answer endpoint on 127.0.0.1 (never another address): `POST /answers`
   * with the answer as body and its media type; 202 `{"file"}` once written durably into the
   * outbox folder, 415 for another media type, 413 over 20 MiB. Resolves with the bound port.
   */
  async listen(port: number): Promise<number> {
    const server = createServer((req, res) => void this.take(req, res));
    this.server = server;
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(port, '127.0.0.1', () => ok());
    });
    const addr = server.address();
    return typeof addr === 'object' && addr ? addr.port : port;
  }

  private async take(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const answer = (status: number, body: Record<string, unknown>) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || req.url !== '/answers') return answer(404, { error: 'POST /answers only' });
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const ext = EXTENSION_OF[type];
    if (ext === undefined) return answer(415, { error: 'content-type must be application/xml, application/json, text/csv or application/jose' });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req as AsyncIterable<Buffer>) {
      size += c.length;
      if (size > MAX_ANSWER_BYTES) return answer(413, { error: `at most ${MAX_ANSWER_BYTES} bytes` });
      chunks.push(c);
    }
    const name = `answer-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID()}${ext}`;
    try {
      await writeFileDurably(join(this.cfg.folder, name), Buffer.concat(chunks), 0o640);
    } catch (err) {
      this.log.error({ code: (err as NodeJS.ErrnoException).code }, 'answer could not be written into the outbox folder');
      return answer(503, { error: 'could not store the answer' });
    }
    answer(202, { file: name });
    this.wake?.();
  }

  /** Stops the local endpoint (if any); the same promise on every call. */
  close(): Promise<void> {
    return (this.closing ??= new Promise<void>((ok) => (this.server ? this.server.close(() => ok()) : ok())));
  }
  private closing: Promise<void> | null = null;
}

/** Why an answer in the outbox cannot be sent as it is: it goes to failed/ with `code` and the text (names and reasons, never content). */
class AnswerRefusal extends Error {
  constructor(readonly code: 'AGENT_UNKNOWN_EXTENSION' | 'AGENT_MANIFEST_INVALID', message: string) {
    super(message);
    this.name = 'AnswerRefusal';
  }
}

function mediaTypeOf(name: string): string {
  const mediaType = MEDIA_TYPES[extname(name).toLowerCase()];
  if (mediaType === undefined) throw new AnswerRefusal('AGENT_UNKNOWN_EXTENSION', `answers are .xml, .json, .csv or .jwe files; ${extname(name) || 'no extension'} is none of them`);
  return mediaType;
}

/** A plain file name inside the answer folder: no path, no leading dot. */
const FILE_NAME = z.string().min(1).max(255).regex(/^[^/\\.][^/\\]*$/, 'a file name inside the answer folder (no path, no leading dot)');

/** `manifest.json` of an answer folder (docs/agent.md "Answers with attachments"). */
const answerManifest = z
  .object({
    message: FILE_NAME,
    attachments: z
      .array(
        z
          .object({
            file: FILE_NAME,
            name: z.string().min(1).max(255).optional(),
            mediaType: z.string().regex(/^[\w.+-]+\/[\w.+-]+$/, 'a media type such as application/pdf').default('application/octet-stream'),
            sha512: z.string().regex(/^[0-9a-fA-F]{128}$/, '128 hex digits').optional(),
          })
          .strict(),
      )
      .max(100)
      .default([]),
  })
  .strict();

/**
 * Reads an answer folder — `manifest.json` naming the message file and its attachment files —
 * into the multipart form of `POST /api/v1/messages` (part `message`, parts `attachment`, as the
 * gateway's own form). Every file must be a regular file of the folder (no symlink), an attachment
 * with a `sha512` in the manifest must have it. AnswerRefusal otherwise.
 */
async function answerForm(folder: string): Promise<FormData> {
  let manifest: z.infer<typeof answerManifest>;
  try {
    manifest = answerManifest.parse(JSON.parse(await readFile(join(folder, 'manifest.json'), 'utf8')));
  } catch (err) {
    const where = err instanceof z.ZodError ? err.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') : (err as NodeJS.ErrnoException).code ?? 'not JSON';
    throw new AnswerRefusal('AGENT_MANIFEST_INVALID', `manifest.json of the answer folder: ${where}`);
  }
  const read = async (file: string, what: string): Promise<Buffer> => {
    const s = await lstat(join(folder, file)).catch(() => null);
    if (s === null || !s.isFile()) throw new AnswerRefusal('AGENT_MANIFEST_INVALID', `${what} ${file} is not a file of the answer folder`);
    return readFile(join(folder, file));
  };
  const form = new FormData();
  form.append('message', new Blob([new Uint8Array(await read(manifest.message, 'message'))], { type: mediaTypeOf(manifest.message) }), manifest.message);
  for (const [i, a] of manifest.attachments.entries()) {
    const data = await read(a.file, `attachments[${i}]`);
    if (a.sha512 !== undefined && createHash('sha512').update(data).digest('hex') !== a.sha512.toLowerCase()) {
      throw new AnswerRefusal('AGENT_MANIFEST_INVALID', `attachments[${i}] ${a.file}: its sha512 is not the one in manifest.json`);
    }
    form.append('attachment', new Blob([new Uint8Array(data)], { type: a.mediaType }), a.name ?? a.file);
  }
  return form;
}

/** `name`, or `<time>-name` when `dir` already holds a file of that name (a Fachverfahren reusing names). */
async function freeName(dir: string, name: string): Promise<string> {
  return existsSync(join(dir, name)) ? `${Date.now()}-${name}` : name;
}
