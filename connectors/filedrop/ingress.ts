import { posix } from 'node:path';
import type { ConnectorHealth, Ingress, IngressContext, IngressOutcome } from '../types.js';
import { NotConnectedError } from '../errors.js';
import { globRegExp, type FiledropConfig } from './config.js';
import { alternativeName } from './egress.js';
import { errorCode, isTransportLoss, readAll, type DropEntry, type DropFs } from './fs.js';
import { isMarkerName, markerName, readVerified } from './marker.js';

/** The error code written to `.reason` for a file over `inbox.maxBytes` (the gateway's own code for it). */
export const TOO_LARGE_CODE = 'GW_PAYLOAD_TOO_LARGE';
const MAX_ALTERNATIVES = 100;
const never = new AbortController().signal;

/** A name the ingress may touch: one plain path segment (an SFTP server can send anything in READDIR). */
export function isSafeName(name: string): boolean {
  return name.length > 0 && name.length <= 255 && name !== '.' && name !== '..' && !/[/\\\0-\x1f\x7f]/.test(name);
}

/**
 * Polls an inbox directory (local or SFTP) and hands each complete file that matches a
 * pattern to the IngressSink. A file is moved only after the sink decided: to `processed/`
 * when stored (or stored before), to `rejected/` with `<name>.reason` when refused; when the
 * sink could not decide it stays and is offered again after a growing pause. A crash between
 * the sink's commit and the move offers the file again, and the sink answers `duplicate`:
 * exactly one stored message per file. Ignored: dot files, `.part` files, markers, files
 * without their marker (when markers are on), symlinks, anything that is not a regular file,
 * names that are not one plain path segment. See README.md.
 */
export class FileIngress implements Ingress {
  private readonly patterns: Array<{ re: RegExp; contentType: string }>;
  private readonly inbox: FiledropConfig['inbox'];
  private health_: ConnectorHealth = { status: 'connecting', detail: 'not started', since: new Date().toISOString() };
  private connected = false;
  private timer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> = Promise.resolve();
  private closed: Promise<void> | undefined;
  private readonly running = new Map<string, Promise<void>>();
  private readonly backoff = new Map<string, { failures: number; notBefore: number }>();
  private readonly warned = new Set<string>();
  /** Listings started so far, and for each file whose take ended, the listing running then: a listing older than that end is stale for it. */
  private listings = 0;
  private readonly endedDuring = new Map<string, number>();

  constructor(private readonly config: FiledropConfig, private readonly ctx: IngressContext, private readonly fs: DropFs) {
    this.inbox = config.inbox;
    this.patterns = config.inbox.patterns.map((p) => ({ re: globRegExp(p.glob), contentType: p.contentType }));
  }

  /** Connects, creates `processed/` and `rejected/` if missing, and starts polling; throws while the inbox cannot be reached (the core retries). */
  async start(signal: AbortSignal): Promise<void> {
    if (this.closed) throw new NotConnectedError(`file inbox ${this.fs.where} is closed`);
    signal.throwIfAborted();
    await this.prepare();
    if (this.closed) {
      await this.closed;
      await this.fs.close(); // the session opened after close() released everything
      throw new NotConnectedError(`file inbox ${this.fs.where} was closed while starting`);
    }
    if (this.timer === undefined) this.schedule(0);
  }

  private async prepare(): Promise<void> {
    try {
      await this.fs.connect();
      await this.fs.mkdir(this.inbox.processedDir);
      await this.fs.mkdir(this.inbox.rejectedDir);
    } catch (err) {
      this.setStatus('down', `file inbox ${this.fs.where}: ${errorCode(err) || 'unreachable'}`);
      throw err;
    }
    this.connected = true;
    if (this.health_.status !== 'up') this.setStatus('up', `file inbox ${this.fs.where}`);
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      this.scanning = this.scan()
        .catch((err: unknown) => this.ctx.log.error({ connector: this.ctx.connectorId, code: errorCode(err) }, 'file inbox: scan failed'))
        .finally(() => {
          if (!this.closed) this.schedule(this.inbox.pollIntervalMs);
        });
    }, ms);
  }

  /** One pass over the inbox: starts a take for each eligible file while fewer than `maxInFlight` run. */
  private async scan(): Promise<void> {
    if (!this.connected) {
      await this.prepare().catch(() => undefined);
      if (!this.connected) return;
    }
    const listing = ++this.listings;
    let entries: DropEntry[];
    try {
      entries = await this.fs.list('.');
    } catch (err) {
      this.lost(err);
      return;
    }
    for (const [name, ended] of this.endedDuring) if (ended < listing) this.endedDuring.delete(name);
    const present = new Set(entries.map((e) => e.name));
    for (const name of this.backoff.keys()) if (!present.has(name)) this.backoff.delete(name); // taken away by someone else
    for (const name of this.warned) if (!present.has(name)) this.warned.delete(name);
    const now = Date.now();
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (this.closed || this.running.size >= this.inbox.maxInFlight) return;
      if (this.running.has(entry.name) || (this.endedDuring.get(entry.name) ?? 0) >= listing || (this.backoff.get(entry.name)?.notBefore ?? 0) > now) continue;
      const contentType = this.eligible(entry, present);
      if (contentType === undefined) continue;
      const take = this.take(entry, contentType).finally(() => {
        this.running.delete(entry.name);
        this.endedDuring.set(entry.name, this.listings); // a listing already under way may still show the file it moved
      });
      this.running.set(entry.name, take);
    }
  }

  /** The media type for a file to take now, or undefined when it is not (yet) one. */
  private eligible(entry: DropEntry, present: Set<string>): string | undefined {
    if (!isSafeName(entry.name)) return this.warnOnce(entry.name, 'a name that is not one plain path segment: refused');
    if (entry.name.startsWith('.') || entry.name.endsWith('.part') || isMarkerName(this.config.marker, entry.name)) return undefined;
    const contentType = this.patterns.find((p) => p.re.test(entry.name))?.contentType;
    if (contentType === undefined) return undefined;
    if (entry.kind === 'symlink') return this.warnOnce(entry.name, 'a symlink: not followed, left alone');
    if (entry.kind !== 'file') return undefined;
    if (this.config.marker !== 'none' && !present.has(markerName(this.config.marker, entry.name))) return undefined;
    return contentType;
  }

  private warnOnce(name: string, what: string): undefined {
    if (!this.warned.has(name)) {
      this.warned.add(name);
      this.ctx.log.warn({ connector: this.ctx.connectorId, file: JSON.stringify(name).slice(0, 300) }, `file inbox: ${what}`);
    }
    return undefined;
  }

  /** Reads one file, submits it, and moves it as the sink decided; any failure leaves the file for a later pass. */
  private async take(entry: DropEntry, contentType: string): Promise<void> {
    const name = entry.name;
    const log = { connector: this.ctx.connectorId, file: name };
    try {
      if (entry.size > this.inbox.maxBytes) {
        await this.finish(name, { outcome: 'refused', code: TOO_LARGE_CODE });
        this.ctx.log.warn({ ...log, size: entry.size }, 'file inbox: file over maxBytes, moved to rejected without reading it');
        return;
      }
      let payload: Buffer;
      if (this.config.marker === 'manifest') {
        const read = await readVerified(this.fs, name, this.inbox.maxBytes);
        if ('mismatch' in read) {
          this.failed(name);
          this.ctx.log.warn({ ...log, mismatch: read.mismatch }, 'file inbox: file does not match its manifest; left for a later pass');
          return;
        }
        payload = read.payload;
      } else {
        payload = await readAll(this.fs, name, this.inbox.maxBytes);
      }
      const outcome = await this.ctx.sink.submit({ payload, contentType, remote: `filedrop:${this.ctx.connectorId}/${name}` }, never);
      await this.finish(name, outcome);
      this.backoff.delete(name);
    } catch (err) {
      if (errorCode(err) === 'EFBIG') {
        await this.finish(name, { outcome: 'refused', code: TOO_LARGE_CODE }).catch((e: unknown) => this.leave(name, e));
        return;
      }
      this.leave(name, err);
    }
  }

  /** The file stays where it is; it is offered again after the backoff. */
  private leave(name: string, err: unknown): void {
    this.failed(name);
    if (isTransportLoss(err)) this.lost(err);
    this.ctx.log.warn({ connector: this.ctx.connectorId, file: name, code: errorCode(err) || (err instanceof Error ? err.name : 'error') }, 'file inbox: not decided now, file left for a later pass');
  }

  private failed(name: string): void {
    const failures = (this.backoff.get(name)?.failures ?? 0) + 1;
    const pause = Math.min(this.inbox.retryBaseMs * 2 ** Math.min(failures - 1, 30), this.inbox.retryMaxMs);
    this.backoff.set(name, { failures, notBefore: Date.now() + pause });
  }

  private lost(err: unknown): void {
    if (!isTransportLoss(err) || !this.connected) return;
    this.connected = false;
    this.setStatus('down', `file inbox ${this.fs.where}: ${errorCode(err)}`);
    void this.fs.close().catch(() => undefined);
  }

  /** Moves a decided file (and its marker) to processed/ or rejected/, never replacing anything there. */
  private async finish(name: string, outcome: IngressOutcome): Promise<void> {
    const dir = outcome.outcome === 'refused' ? this.inbox.rejectedDir : this.inbox.processedDir;
    const target = await this.freeName(dir, name);
    if (outcome.outcome === 'refused') {
      const reason = posix.join(dir, `${target}.reason`);
      await this.fs.remove(reason);
      await this.fs.writeNew(reason, Buffer.from(`${outcome.code.replace(/[^A-Z0-9_]/g, '_').slice(0, 64)}\n`, 'ascii'));
    }
    await this.fs.renameNoReplace(name, posix.join(dir, target));
    if (this.config.marker !== 'none') {
      await this.fs.renameNoReplace(markerName(this.config.marker, name), posix.join(dir, markerName(this.config.marker, target))).catch((err: unknown) => {
        if (errorCode(err) !== 'ENOENT' && errorCode(err) !== 'EEXIST') throw err;
      });
    }
    await this.fs.syncDir(dir);
    await this.fs.syncDir('.');
  }

  /** `name`, or `name~2` … when a file of that name was taken before (a Fachverfahren reusing names). */
  private async freeName(dir: string, name: string): Promise<string> {
    for (let n = 1; n <= MAX_ALTERNATIVES; n++) {
      const candidate = n === 1 ? name : alternativeName(name, n);
      if (!(await this.fs.stat(posix.join(dir, candidate)))) return candidate;
    }
    throw Object.assign(new Error(`${dir}/${name}: ${MAX_ALTERNATIVES} files of this name already there`), { code: 'EEXIST' });
  }

  /** Once `closed`, always `closed`: a start or scan finishing late does not revive the health. */
  private setStatus(status: ConnectorHealth['status'], detail?: string): void {
    if (this.health_.status === 'closed') return;
    this.health_ = detail === undefined ? { status, since: new Date().toISOString() } : { status, detail, since: new Date().toISOString() };
  }

  health(): ConnectorHealth {
    return this.health_;
  }

  /** Stops polling, lets running submits and moves finish, closes the SFTP session; the same promise on every call. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      clearTimeout(this.timer);
      await this.scanning;
      await Promise.allSettled([...this.running.values()]);
      await this.fs.close();
      this.connected = false;
      this.setStatus('closed');
    })();
    return this.closed;
  }
}
