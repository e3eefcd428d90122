/**
 * The leases of running fetches. XTA's `close` names only the XTAMessageID, the mailbox's
 * acknowledgement needs the lease token of the fetch: the token is remembered here from
 * getMessage to close, in memory. After a restart the token is gone, close answers
 * InvalidMessageIDException and the message reappears when its lease ends — it is fetched
 * again, never lost (at-least-once, docs/xta.md).
 */
export interface FetchLease {
  itemId: number;
  leaseToken: string;
  /** Epoch ms; kept a while after it ends so that a repeated close after success stays a no-op. */
  until: number;
}

const KEEP_AFTER_MS = 60 * 60 * 1000;
const MAX_ENTRIES = 100_000;

export class FetchLeases {
  private readonly leases = new Map<string, FetchLease>();

  private static key(mailbox: string, xtaId: string): string {
    return `${mailbox}\u0000${xtaId.toLowerCase()}`;
  }

  remember(mailbox: string, xtaId: string, lease: FetchLease, now = Date.now()): void {
    this.prune(now);
    if (this.leases.size >= MAX_ENTRIES) this.leases.delete(this.leases.keys().next().value as string);
    this.leases.set(FetchLeases.key(mailbox, xtaId), lease);
  }

  get(mailbox: string, xtaId: string): FetchLease | undefined {
    return this.leases.get(FetchLeases.key(mailbox, xtaId));
  }

  private prune(now: number): void {
    for (const [k, l] of this.leases) if (l.until + KEEP_AFTER_MS < now) this.leases.delete(k);
  }
}
