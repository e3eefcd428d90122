import { GatewayError } from '../errors.js';
import type { AttachmentStore } from './attachments.js';

/**
 * How many attachment bytes one uploader may store per time window, in memory per gateway
 * instance (like the token lockout, ADR 0016). Attachments are stored before any message
 * refers to them (POST /api/v1/attachments), so without a budget an authenticated
 * participant could fill the disk. The check runs before an upload starts; its bytes are
 * counted once stored, so a burst overshoots by at most one attachment (`maxAttachmentBytes`).
 */
export class UploadBudget {
  private readonly used = new Map<string, Array<{ at: number; bytes: number }>>();

  constructor(
    private readonly bytesPerWindow: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxUploaders = 100_000,
  ) {}

  /** Bytes the uploader stored within the window ending now (old entries are dropped). */
  usage(uploader: string): number {
    const cutoff = this.now() - this.windowMs;
    const list = (this.used.get(uploader) ?? []).filter((e) => e.at > cutoff);
    if (list.length === 0) this.used.delete(uploader);
    else this.used.set(uploader, list);
    return list.reduce((n, e) => n + e.bytes, 0);
  }

  /** Throws GW_UPLOAD_BUDGET_EXCEEDED (429, extra.retryAfterSeconds) when the uploader's budget is spent. */
  check(uploader: string): void {
    if (this.usage(uploader) < this.bytesPerWindow) return;
    const oldest = this.used.get(uploader)![0]!.at;
    const retryAfterSeconds = Math.max(1, Math.ceil((oldest + this.windowMs - this.now()) / 1000));
    throw new GatewayError('GW_UPLOAD_BUDGET_EXCEEDED', `the uploader stored ${this.bytesPerWindow} bytes of attachments within ${Math.round(this.windowMs / 60_000)} min; try again in ${retryAfterSeconds} s`, {
      extra: { retryAfterSeconds },
      issues: [{ message: 'attachment upload budget spent', path: 'attachment', rule: 'upload.budget' }],
    });
  }

  add(uploader: string, bytes: number): void {
    const list = this.used.get(uploader) ?? [];
    list.push({ at: this.now(), bytes });
    this.used.delete(uploader); // re-insert: the map's order is least recently used first
    this.used.set(uploader, list);
    while (this.used.size > this.maxUploaders) this.used.delete(this.used.keys().next().value!);
  }
}

/** An attachment store whose uploads are charged to their uploader's budget (uploads without an uploader are not charged). */
export function withUploadBudget(inner: AttachmentStore, budget: UploadBudget): AttachmentStore {
  return {
    ...inner,
    putStream: async (source, opts) => {
      if (opts.uploader !== undefined) budget.check(opts.uploader);
      const stored = await inner.putStream(source, opts);
      if (opts.uploader !== undefined) budget.add(opts.uploader, stored.size);
      return stored;
    },
  };
}
