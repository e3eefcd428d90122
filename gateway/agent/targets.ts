import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fetch } from 'undici';
import { dropFileName } from '../../connectors/filedrop/index.js';
import type { TargetConfig } from './config.js';
import { writeFileDurably } from '../files/durable.js';

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
  try {
    const res = await fetch(target.url, {
      method: 'POST',
      headers: { ...target.headers, ...factHeaders(msg), 'content-type': msg.contentType },
      body: msg.payload,
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

async function writeIntoFolder(dir: string, msg: LocalMessage): Promise<string> {
  const name = dropFileName(msg);
  try {
    await writeFileDurably(join(dir, name), msg.payload, 0o640);
  } catch (cause) {
    throw new LocalRefusal(`folder target: ${errorName(cause)}`, { cause });
  }
  return `file ${name}`;
}

/**
 * Runs the program without a shell (`spawn` with an argument vector): the payload goes to
 * stdin, the facts into ZSA_* environment variables, nothing of the message into the
 * command line. Killed with SIGKILL after `timeoutMs`.
 */
function runProgram(target: Extract<TargetConfig, { kind: 'command' }>, msg: LocalMessage, signal: AbortSignal): Promise<string> {
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
