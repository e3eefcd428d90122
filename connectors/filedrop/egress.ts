import type { ConnectorHealth, DeliveryReceipt, Egress, OutboundMessage } from '../types.js';
import { NotConnectedError, PermanentError, RetryableError } from '../errors.js';
import { EgressLifecycle } from '../lifecycle.js';
import type { FiledropConfig } from './config.js';
import { errorCode, isTransportLoss, writeError, type DropFs } from './fs.js';
import { markerName, writeMarker } from './marker.js';

const EXTENSIONS: ReadonlyArray<[RegExp, string]> = [[/^application\/(.+\+)?xml/, 'xml'], [/^application\/(.+\+)?json/, 'json'], [/^text\/csv/, 'csv'], [/^application\/jose/, 'jwe']];
/** How many `~n` names `onExisting: new-name` tries before it gives up (retryable). */
const MAX_NEW_NAMES = 100;

const safe = (s: string, keep: RegExp, max: number): string => s.replace(keep, '_').replace(/^\.+/, '_').slice(0, max);

/**
 * The file name of a message: `<messageType>-<gatewayId>-<messageUuid>.<ext>`. Unique per message
 * (the gateway id is), the same on every attempt, and safe: only letters, digits, `.`, `_`, `-`,
 * never a leading dot and never a path separator, whatever the header says.
 */
export function dropFileName(msg: Pick<OutboundMessage, 'messageType' | 'gatewayId' | 'messageUuid' | 'contentType'>, extension?: string): string {
  const ext = extension ?? EXTENSIONS.find(([re]) => re.test(msg.contentType))?.[1] ?? 'bin';
  return `${safe(msg.messageType, /[^A-Za-z0-9._-]/g, 80)}-${safe(msg.gatewayId, /[^A-Za-z0-9-]/g, 64)}-${safe(msg.messageUuid, /[^A-Za-z0-9-]/g, 64)}.${ext}`;
}

/** `<stem>~<n>.<ext>`: the n-th alternative name under `onExisting: new-name`. */
export function alternativeName(name: string, n: number): string {
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? `${name}~${n}` : `${name.slice(0, dot)}~${n}${name.slice(dot)}`;
}

/**
 * Egress into a drop directory, local or over SFTP (DropFs). deliver() writes `.<name>.part`
 * exclusively, flushes it (fsync; over SFTP fsync@openssh.com where offered), renames it to
 * `<name>` without ever replacing a file, makes the rename durable (local directory fsync) and
 * then writes the completion marker if configured. A receiver never sees a half-written file:
 * the `.part` is a dot file and the marker comes last. See README.md.
 */
export class FileEgress implements Egress {
  private readonly life = new EgressLifecycle();
  private notedNoFsync = false;
  private closed: Promise<void> | undefined;

  constructor(private readonly config: FiledropConfig, private readonly fs: DropFs) {}

  /** Checks that the directory exists (opening the SFTP session first); throws while it cannot (the core retries), NotConnectedError after close(). */
  async connect(signal: AbortSignal): Promise<void> {
    if (this.life.closing) throw new NotConnectedError(`file drop ${this.fs.where} is closed`);
    signal.throwIfAborted();
    try {
      await this.fs.connect();
    } catch (err) {
      this.life.setStatus('down', `file drop ${this.fs.where}: ${errorCode(err) || 'unreachable'}`);
      throw err;
    }
    if (this.life.closing) {
      await this.fs.close();
      throw new NotConnectedError(`file drop ${this.fs.where} was closed while connecting`);
    }
    this.life.connected = true;
    if (this.life.health().status !== 'up') this.life.setStatus('up', `file drop ${this.fs.where}`);
  }

  deliver(msg: OutboundMessage, signal: AbortSignal): Promise<DeliveryReceipt> {
    if (this.life.closing || !this.life.connected || signal.aborted) {
      const why = this.life.closing ? 'is closed' : !this.life.connected ? 'is not connected' : 'delivery aborted before start';
      return Promise.reject(new NotConnectedError(`file drop ${this.fs.where} ${why}`));
    }
    const write = this.write(msg).then(
      ({ name, existed }): DeliveryReceipt => ({
        outcome: 'delivered',
        detail: existed ? `${name} was already there (an earlier attempt of this message); kept, not overwritten` : `written to ${name}`,
      }),
      (err: unknown) => {
        if (err instanceof PermanentError || err instanceof RetryableError) throw err;
        const mapped = writeError(this.fs.where, err);
        if (isTransportLoss(err) && !this.life.closing) {
          this.life.connected = false;
          this.life.setStatus('down', mapped.message);
        }
        throw mapped;
      },
    );
    return this.life.track(write);
  }

  private async write(msg: OutboundMessage): Promise<{ name: string; existed: boolean }> {
    const name = dropFileName(msg, this.config.extension);
    const part = `.${name}.part`;
    await this.fs.remove(part); // a leftover of a crashed attempt; never truncated in place (it may be a hard link of <name>)
    try {
      await this.fs.writeNew(part, msg.payload);
    } catch (err) {
      await this.fs.remove(part).catch(() => undefined);
      throw err;
    }
    const placed = await this.place(part, name);
    await this.fs.syncDir('.');
    if (this.config.marker !== 'none' && !(await this.fs.stat(markerName(this.config.marker, placed.name)))) {
      await writeMarker(this.fs, this.config.marker, placed.name, placed.existed ? undefined : msg.payload);
    }
    if (!this.fs.durableWrites && !this.notedNoFsync) {
      this.notedNoFsync = true;
      this.life.setStatus('up', `file drop ${this.fs.where} (the server offers no fsync@openssh.com: files are as durable as its close)`);
    }
    return placed;
  }

  /** Renames the `.part` to `name` (or an alternative) without replacing anything, as `onExisting` says. */
  private async place(part: string, name: string): Promise<{ name: string; existed: boolean }> {
    for (let n = 1; n <= MAX_NEW_NAMES; n++) {
      const target = n === 1 ? name : alternativeName(name, n);
      try {
        await this.fs.renameNoReplace(part, target);
        return { name: target, existed: false };
      } catch (err) {
        if (errorCode(err) !== 'EEXIST') {
          await this.fs.remove(part).catch(() => undefined);
          throw err;
        }
        if (this.config.onExisting === 'new-name') continue;
        await this.fs.remove(part);
        if (this.config.onExisting === 'keep') {
          const kind = (await this.fs.stat(target))?.kind;
          if (kind !== 'file') throw new RetryableError(`file drop ${this.fs.where}: a ${kind ?? 'vanishing entry'} is in the way of ${target}`, { retryAfterMs: 60_000 });
          return { name: target, existed: true };
        }
        throw new PermanentError(`file drop ${this.fs.where}: ${target} already exists (onExisting: error); nothing overwritten`);
      }
    }
    await this.fs.remove(part);
    throw new RetryableError(`file drop ${this.fs.where}: ${name} and ${MAX_NEW_NAMES - 1} alternative names already exist`, { retryAfterMs: 60_000 });
  }

  health(): ConnectorHealth {
    return this.life.health();
  }

  /** Lets running writes finish, closes the SFTP session, then reports `closed`; the same promise on every call. */
  close(): Promise<void> {
    this.closed ??= this.life.close().then(() => this.fs.close());
    return this.closed;
  }
}
