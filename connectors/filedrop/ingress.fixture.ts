import { createHash, randomUUID } from 'node:crypto';
import { pino } from 'pino';
import type { InboundItem, IngressContext, IngressOutcome, IngressSink } from '../types.js';
import type { DropEntry, DropFs } from './fs.js';

/**
 * A sink that behaves like the gateway's: idempotent on the payload (standing in for author +
 * message UUID), `decide` picks what happens to each item.
 */
export class RecordingSink implements IngressSink {
  readonly submits: InboundItem[] = [];
  readonly outcomes: IngressOutcome[] = [];
  readonly stored = new Map<string, string>();
  decide: (item: InboundItem) => 'store' | 'refuse' | 'undecided' | Promise<'store' | 'refuse' | 'undecided'> = () => 'store';

  async submit(item: InboundItem): Promise<IngressOutcome> {
    this.submits.push(item);
    const decision = await this.decide(item);
    if (decision === 'undecided') throw new Error('store unavailable');
    let outcome: IngressOutcome;
    if (decision === 'refuse') outcome = { outcome: 'refused', code: 'GW_XSD_INVALID' };
    else {
      const key = createHash('sha512').update(item.payload).digest('hex');
      const known = this.stored.get(key);
      if (!this.stored.has(key)) this.stored.set(key, randomUUID());
      outcome = { outcome: known ? 'duplicate' : 'accepted', gatewayId: this.stored.get(key)! };
    }
    this.outcomes.push(outcome);
    return outcome;
  }
}

export function ingressContext(sink: IngressSink, id = `filedrop-in-${process.pid}`): IngressContext {
  return { connectorId: id, log: pino({ level: process.env['LOG_LEVEL'] ?? 'silent' }), sink };
}

/** A DropFs that counts scans and reads and can fail the next move into a directory (a crash between commit and move). */
export class WatchedFs implements DropFs {
  scans = 0;
  reads: string[] = [];
  failMovesInto: string | undefined;
  /** When set, the next list() reads the directory, calls `listed()`, and returns only once `release` resolves (a listing gone stale). */
  hold: { listed: () => void; release: Promise<void> } | undefined;

  constructor(private readonly inner: DropFs) {}
  get where(): string {
    return this.inner.where;
  }
  get durableWrites(): boolean {
    return this.inner.durableWrites;
  }
  connect(): Promise<void> {
    return this.inner.connect();
  }
  async list(dir: string): Promise<DropEntry[]> {
    const entries = await this.inner.list(dir);
    const hold = this.hold;
    if (hold) {
      this.hold = undefined;
      hold.listed();
      await hold.release;
    }
    this.scans++;
    return entries;
  }
  stat(path: string): Promise<DropEntry | undefined> {
    return this.inner.stat(path);
  }
  writeNew(path: string, data: Buffer): Promise<void> {
    return this.inner.writeNew(path, data);
  }
  renameNoReplace(from: string, to: string): Promise<void> {
    if (this.failMovesInto !== undefined && to.startsWith(`${this.failMovesInto}/`)) {
      this.failMovesInto = undefined;
      return Promise.reject(Object.assign(new Error('EIO: simulated crash before the move'), { code: 'EIO' }));
    }
    return this.inner.renameNoReplace(from, to);
  }
  read(path: string, maxBytes: number, onChunk: (chunk: Buffer) => void): Promise<void> {
    this.reads.push(path);
    return this.inner.read(path, maxBytes, onChunk);
  }
  remove(path: string): Promise<void> {
    return this.inner.remove(path);
  }
  mkdir(path: string): Promise<void> {
    return this.inner.mkdir(path);
  }
  syncDir(dir: string): Promise<void> {
    return this.inner.syncDir(dir);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** A gate: `passed` resolves once `open()` is called. */
export function gate(): { passed: Promise<void>; open: () => void } {
  let open!: () => void;
  const passed = new Promise<void>((r) => (open = r));
  return { passed, open };
}

/** Makes the sink store each item only once `g` is open (the gateway busy for a while). */
export function storeAfter(sink: RecordingSink, g: { passed: Promise<void> }): void {
  sink.decide = async (): Promise<'store'> => {
    await g.passed;
    return 'store';
  };
}

/** Waits until `cond()` holds; fails after `maxMs` (a deadline for a broken run, not a timing under test). */
export async function waitFor(cond: () => boolean, what: string, maxMs = 30_000): Promise<void> {
  const until = Date.now() + maxMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Waits until the ingress has listed the inbox `n` more times (so anything it would take, it has taken). */
export async function scansPass(fs: WatchedFs, n = 3): Promise<void> {
  const target = fs.scans + n;
  await waitFor(() => fs.scans >= target, `${n} more scans`);
}
