import { constants } from 'node:fs';
import { access, open, rename, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import type { ConnectorContext, ConnectorHealth, ConnectorSpec, DeliveryReceipt, Egress, OutboundMessage } from '../types.js';
import { NotConnectedError, PermanentError, RetryableError } from '../errors.js';
import { EgressLifecycle } from '../lifecycle.js';

export const filedropConfigSchema = z
  .object({
    dir: z.string().min(1).describe('Drop directory the receiver imports from; a relative path is taken from the working directory. It must exist and be writable: the connector does not create it (a missing directory is a receiver that is down).'),
    extension: z
      .string()
      .regex(/^[a-z0-9]{1,8}$/, 'extension: 1-8 lower-case letters or digits, without the dot')
      .optional()
      .describe('File name extension. Default from the content type: `xml`, `json`, `csv`, `jwe` (compact JWE), else `bin`.'),
  })
  .strict();

export type FiledropConfig = z.output<typeof filedropConfigSchema>;

const EXTENSIONS: ReadonlyArray<[RegExp, string]> = [[/^application\/(.+\+)?xml/, 'xml'], [/^application\/(.+\+)?json/, 'json'], [/^text\/csv/, 'csv'], [/^application\/jose/, 'jwe']];

/** The file name of a message: `<messageType>-<gatewayId>.<ext>` — unique per message, the same on every attempt. */
export function dropFileName(msg: Pick<OutboundMessage, 'messageType' | 'gatewayId' | 'contentType'>, extension?: string): string {
  const ext = extension ?? EXTENSIONS.find(([re]) => re.test(msg.contentType))?.[1] ?? 'bin';
  return `${msg.messageType.replace(/[^A-Za-z0-9._-]/g, '_')}-${msg.gatewayId.replace(/[^A-Za-z0-9-]/g, '_')}.${ext}`;
}

/**
 * The contract's error for a failed write: the drop directory gone (ENOENT, ENOTDIR) is a
 * receiver that is down (NotConnectedError: reconnect, no attempt counted); a file the file
 * system can never take (ENAMETOOLONG, EFBIG) is permanent; anything else (ENOSPC, EACCES,
 * EIO, EMFILE, a directory in the way) may pass once an operator acts (RetryableError).
 */
export function writeError(dir: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? '';
  const text = `file drop ${dir}: ${code || (err instanceof Error ? err.message : String(err))}`;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new NotConnectedError(`${text}: the drop directory is missing`, { cause: err });
  if (code === 'ENAMETOOLONG' || code === 'EFBIG') return new PermanentError(`${text}: the file system cannot take this file`, { cause: err });
  return new RetryableError(`${text}: write failed`, { cause: err, retryAfterMs: 1000 });
}

/**
 * Egress into a local (or mounted) drop directory for receivers whose only interface is an
 * import folder. deliver() writes `.<name>.part`, fsyncs it, renames it to `<name>` and fsyncs
 * the directory: a receiver never sees a half-written file, and a resolved delivery survives a
 * crash. A redelivery of the same message writes the same name again (atomic replace with the
 * same bytes). See README.md.
 */
class FiledropEgress implements Egress {
  private readonly life = new EgressLifecycle();
  private readonly dir: string;

  constructor(private readonly config: FiledropConfig, _ctx: ConnectorContext) {
    this.dir = isAbsolute(config.dir) ? config.dir : resolve(config.dir);
  }

  /** Checks that the directory exists and is writable; throws while it is not (the core retries), NotConnectedError after close(). */
  async connect(signal: AbortSignal): Promise<void> {
    if (this.life.closing) throw new NotConnectedError(`file drop ${this.dir} is closed`);
    signal.throwIfAborted();
    try {
      if (!(await stat(this.dir)).isDirectory()) throw new Error(`${this.dir} is not a directory`);
      await access(this.dir, constants.W_OK);
    } catch (err) {
      this.life.setStatus('down', `file drop ${this.dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      throw err;
    }
    if (this.life.closing) throw new NotConnectedError(`file drop ${this.dir} was closed while connecting`);
    this.life.connected = true;
    if (this.life.health().status !== 'up') this.life.setStatus('up', `file drop ${this.dir}`);
  }

  deliver(msg: OutboundMessage, signal: AbortSignal): Promise<DeliveryReceipt> {
    if (this.life.closing || !this.life.connected || signal.aborted) {
      const why = this.life.closing ? 'is closed' : !this.life.connected ? 'is not connected' : 'delivery aborted before start';
      return Promise.reject(new NotConnectedError(`file drop ${this.dir} ${why}`));
    }
    const write = this.write(msg).then(
      (name): DeliveryReceipt => ({ outcome: 'delivered', detail: `written to ${name}` }),
      (err: unknown) => {
        const mapped = writeError(this.dir, err);
        if (mapped instanceof NotConnectedError && !this.life.closing) {
          this.life.connected = false;
          this.life.setStatus('down', mapped.message);
        }
        throw mapped;
      },
    );
    return this.life.track(write);
  }

  private async write(msg: OutboundMessage): Promise<string> {
    const name = dropFileName(msg, this.config.extension);
    const part = join(this.dir, `.${name}.part`);
    const fh = await open(part, 'w', 0o640);
    try {
      await fh.writeFile(msg.payload);
      await fh.sync();
    } catch (err) {
      await fh.close().catch(() => undefined);
      await rm(part, { force: true }).catch(() => undefined);
      throw err;
    }
    await fh.close();
    await rename(part, join(this.dir, name));
    const dh = await open(this.dir, 'r');
    try {
      await dh.sync(); // the rename itself is durable
    } finally {
      await dh.close();
    }
    return name;
  }

  health(): ConnectorHealth {
    return this.life.health();
  }

  /** Lets running writes finish, then reports `closed`; the same promise on every call. */
  close(): Promise<void> {
    return this.life.close();
  }
}

/** A local or mounted import directory (file drop): `.part`, fsync, rename. See README.md. */
export const filedropConnector = {
  name: 'filedrop',
  direction: 'egress',
  summary: 'Local or mounted drop directory: each message one file, written as .<name>.part, fsynced, renamed.',
  configSchema: filedropConfigSchema,
  maxInFlight: 16,
  create(config, ctx): Egress {
    return new FiledropEgress(config, ctx);
  },
} satisfies ConnectorSpec<typeof filedropConfigSchema>;
