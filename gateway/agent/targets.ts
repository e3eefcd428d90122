import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetch, FormData } from 'undici';
import { dropFileName } from '../../connectors/filedrop/index.js';
import { writeFileDurably } from '../files/durable.js';
import { manifestOf, placeAttachmentSet, writeAttachmentSet, type LocalAttachment } from './attachments.js';
import type { TargetConfig } from './config.js';

/** A message as the agent hands it to a local target: opened (no JWE any more) and with its routing facts. */
export interface LocalMessage {
  gatewayId: string;
  messageUuid: string;
  messageType: string;
  vorgangId: string;
  mailbox: string;
  form?: string;
  /** Media type of `payload` (`application/xml`, or a mapped form's type). */
  contentType: string;
  payload: Buffer;
  /** The message's attachments, fetched and checked (sha512, size); empty for most messages. */
  attachments: LocalAttachment[];
}

/**
 * Why a local target did not accept a message. The text names the target and the reason
 * (status code, exit code, errno), never message content; the agent logs it, does not
 * acknowledge, and tries again.
 */
export class LocalRefusal extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LocalRefusal';
  }
}

/** The first target of a mailbox that takes this message type, or undefined when none does. */
export function targetFor(targets: readonly TargetConfig[], messageType: string): TargetConfig | undefined {
  return targets.find((t) => t.messageTypes === undefined || t.messageTypes.includes(messageType));
}

/**
 * Hands `msg` to a local target and resolves only when the target accepted it: HTTP 2xx, the
 * file durably renamed into the folder, the program exited 0. Anything else rejects with
 * LocalRefusal. Returns a short detail for the log (status, file name, exit code).
 */
export async function deliverLocally(target: TargetConfig, msg: LocalMessage, signal: AbortSignal): Promise<string> {
  switch (target.kind) {
    case 'http':
      return postToUrl(target, msg, signal);
    case 'folder':
      return writeIntoFolder(target.dir, msg);
    case 'command':
      return runProgram(target, msg, signal);
  }
}

/** The message's facts as HTTP headers (the same names the gateway's own deliveries and mailbox fetches use). */
function factHeaders(msg: LocalMessage): Record<string, string> {
  return {
    'x-gateway-id': msg.gatewayId,
    'x-message-uuid': msg.messageUuid,
    'x-message-type': msg.messageType,
    'x-vorgang-id': msg.vorgangId,
    'x-mailbox': msg.mailbox,
    ...(msg.form !== undefined && { 'x-message-form': msg.form }),
  };
}

async function postToUrl(target: Extract<TargetConfig, { kind: 'http' }>, msg: LocalMessage, signal: AbortSignal): Promise<string> {
  let status: number;
  // with attachments: a multipart form as the gateway's POST /api/v1/messages takes it (docs/agent.md)
  const form = msg.attachments.length > 0 ? multipartOf(msg) : undefined;
  try {
    const res = await fetch(target.url, {
      method: 'POST',
      headers: { ...target.headers, ...factHeaders(msg), ...(form === undefined && { 'content-type': msg.contentType }) },
      body: form ?? msg.payload,
      redirect: 'manual',
      signal: AbortSignal.any([signal, AbortSignal.timeout(target.timeoutMs)]),
    });
    status = res.status;
    await res.body?.cancel();
  } catch (cause) {
    throw new LocalRefusal(`http target ${new URL(target.url).origin}: ${errorName(cause)}`, { cause });
  }
  if (status < 200 || status > 299) throw new LocalRefusal(`http target ${new URL(target.url).origin}: answered ${status}`);
  return `http ${status}`;
}

/**
 * The form the http target gets for a message with attachments: part `manifest` (JSON: gateway id,
 * message type, per attachment file, name, media type, sha512, size), part `message` (the payload
 * with its media type), then one part `attachment` per attachment (file name = its name, its media
 * type) in the order of the manifest.
 */
function multipartOf(msg: LocalMessage): FormData {
  const form = new FormData();
  form.append('manifest', new Blob([JSON.stringify(manifestOf(msg.gatewayId, msg.messageType, msg.attachments))], { type: 'application/json' }), 'manifest.json');
  form.append('message', new Blob([new Uint8Array(msg.payload)], { type: msg.contentType }), dropFileName(msg));
  for (const a of msg.attachments) form.append('attachment', new Blob([new Uint8Array(a.data)], { type: a.mediaType }), a.name);
  return form;
}

/**
 * The message file `<messageType>-<gatewayId>.<ext>`; with attachments, first the folder
 * `<that name>.attachments/` with the files and `manifest.json` (placed whole by a rename), so
 * when the message file appears its attachments are complete.
 */
async function writeIntoFolder(dir: string, msg: LocalMessage): Promise<string> {
  const name = dropFileName(msg);
  try {
    if (msg.attachments.length > 0) await placeAttachmentSet(dir, `${name}.attachments`, manifestOf(msg.gatewayId, msg.messageType, msg.attachments), msg.attachments);
    await writeFileDurably(join(dir, name), msg.payload, 0o640);
  } catch (cause) {
    throw new LocalRefusal(`folder target: ${errorName(cause)}`, { cause });
  }
  return msg.attachments.length > 0 ? `file ${name} with ${msg.attachments.length} attachment(s)` : `file ${name}`;
}

/**
 * Runs the program without a shell (`spawn` with an argument vector): the payload goes to
 * stdin, the facts into ZSA_* environment variables, nothing of the message into the
 * command line. Killed with SIGKILL after `timeoutMs`.
 */
async function runProgram(target: Extract<TargetConfig, { kind: 'command' }>, msg: LocalMessage, signal: AbortSignal): Promise<string> {
  if (msg.attachments.length === 0) return spawnProgram(target, msg, undefined, signal);
  // attachments: a private temporary folder (0700) named by ZSA_ATTACHMENTS_DIR, removed when the program ended
  let temp: string;
  try {
    temp = await mkdtemp(join(tmpdir(), 'zsa-agent-command-'));
    await writeAttachmentSet(join(temp, 'attachments'), manifestOf(msg.gatewayId, msg.messageType, msg.attachments), msg.attachments);
  } catch (cause) {
    throw new LocalRefusal(`command target ${target.program}: attachments not written (${errorName(cause)})`, { cause });
  }
  try {
    return await spawnProgram(target, msg, join(temp, 'attachments'), signal);
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

function spawnProgram(target: Extract<TargetConfig, { kind: 'command' }>, msg: LocalMessage, attachmentsDir: string | undefined, signal: AbortSignal): Promise<string> {
  return new Promise((accepted, refused) => {
    const child = spawn(target.program, target.args, {
      shell: false,
      stdio: ['pipe', 'ignore', 'ignore'],
      timeout: target.timeoutMs,
      killSignal: 'SIGKILL',
      signal,
      env: {
        ...process.env,
        ZSA_GATEWAY_ID: msg.gatewayId,
        ZSA_MESSAGE_UUID: msg.messageUuid,
        ZSA_MESSAGE_TYPE: msg.messageType,
        ZSA_VORGANG_ID: msg.vorgangId,
        ZSA_MAILBOX: msg.mailbox,
        ZSA_CONTENT_TYPE: msg.contentType,
        ...(msg.form !== undefined && { ZSA_MESSAGE_FORM: msg.form }),
        ...(attachmentsDir !== undefined && { ZSA_ATTACHMENTS_DIR: attachmentsDir }),
      },
    });
    child.once('error', (err) => refused(new LocalRefusal(`command target ${target.program}: ${errorName(err)}`, { cause: err })));
    child.stdin.once('error', () => undefined); // a program that does not read stdin is judged by its exit code
    child.stdin.end(msg.payload);
    child.once('close', (code, sig) => {
      if (code === 0) accepted('exit 0');
      else refused(new LocalRefusal(`command target ${target.program}: ${sig ? `killed by ${sig}` : `exit ${code}`}`));
    });
  });
}

/** An error's code or class, never its message alone (which may quote a file or a URL with data in it). */
function errorName(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown; cause?: { code?: unknown } };
  return String(e?.code ?? e?.cause?.code ?? e?.name ?? 'error');
}
