/**
 * What the demo shows: every case, each of its hops as the receiving simulator sees it, and
 * whether it reached its final state. Simulators report; the demo prints and counts.
 */
import type { DemoService } from './participants.js';

export interface Hop {
  at: number;
  vorgangId: string;
  service: DemoService;
  municipality: string;
  from: string;
  to: string;
  messageType: string;
  /** Wire format as the receiver got it, e.g. `XZSA XML`, `HSTX 2.3 XML`, `form JSON`. */
  format: string;
  /** Milliseconds since the case's previous hop (0 for the submission). */
  tookMs: number;
}

export interface CaseRecord {
  vorgangId: string;
  service: DemoService;
  municipality: string;
  submittedAt: number;
  lastAt: number;
  hops: Hop[];
  nachforderungen: number;
  done: boolean;
  /** Why the case cannot finish (a refused submission); it counts as stuck. */
  failed?: string;
}

/** Human name of the form a receiver got (X-Message-Form, i.e. the mapping). */
export function formatOf(form: string | undefined, fallback = 'XZSA XML'): string {
  if (form === undefined) return fallback;
  if (form.includes('legacy-xml')) return 'HSTX 2.3 XML';
  if (form.includes('fv-csv')) return 'HST CSV file';
  if (form.includes('rest-json')) return 'REST JSON';
  return form;
}

export class Tracker {
  readonly cases = new Map<string, CaseRecord>();
  private readonly listeners: Array<(h: Hop) => void> = [];
  private readonly waiters: Array<() => void> = [];
  /** Hops reported for a Vorgang the demo did not open (none expected). */
  unknownHops = 0;

  onHop(listener: (h: Hop) => void): void {
    this.listeners.push(listener);
  }

  /** A new case, with its first hop: the EfA service's submission. */
  open(c: { vorgangId: string; service: DemoService; municipality: string; from: string; format: string }): void {
    const now = Date.now();
    this.cases.set(c.vorgangId, { vorgangId: c.vorgangId, service: c.service, municipality: c.municipality, submittedAt: now, lastAt: now, hops: [], nachforderungen: 0, done: false });
    this.emit(c.vorgangId, { from: c.from, to: 'gateway', messageType: c.service === 'hund' ? 'hund.anmeldung.0101' : 'wohngeld.antrag.0201', format: c.format }, now);
  }

  /** A message of the case reached a simulator. */
  hop(vorgangId: string, h: { from: string; to: string; messageType: string; format: string }): void {
    if (!this.cases.has(vorgangId)) {
      this.unknownHops += 1;
      return;
    }
    this.emit(vorgangId, h, Date.now());
  }

  nachforderung(vorgangId: string): void {
    const c = this.cases.get(vorgangId);
    if (c) c.nachforderungen += 1;
  }

  /** The case reached its final state. */
  finish(vorgangId: string): void {
    const c = this.cases.get(vorgangId);
    if (!c || c.done) return;
    c.done = true;
    this.wake();
  }

  fail(vorgangId: string, why: string): void {
    const c = this.cases.get(vorgangId);
    if (c) c.failed = why;
    this.wake();
  }

  /** Cases neither done nor failed. */
  pending(): number {
    let n = 0;
    for (const c of this.cases.values()) if (!c.done && c.failed === undefined) n += 1;
    return n;
  }

  /** Resolves when every case is done or failed, after `ms`, or on abort — whichever comes first. */
  async settle(ms: number, signal?: AbortSignal): Promise<void> {
    const until = Date.now() + ms;
    const wake = () => this.wake();
    signal?.addEventListener('abort', wake, { once: true });
    while (this.pending() > 0 && Date.now() < until && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(1000, until - Date.now()));
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
    signal?.removeEventListener('abort', wake);
  }

  private wake(): void {
    this.waiters.splice(0).forEach((w) => w());
  }

  private emit(vorgangId: string, h: { from: string; to: string; messageType: string; format: string }, at: number): void {
    const c = this.cases.get(vorgangId);
    if (!c) return;
    const hop: Hop = { ...h, at, vorgangId, service: c.service, municipality: c.municipality, tookMs: c.hops.length === 0 ? 0 : at - c.lastAt };
    c.hops.push(hop);
    c.lastAt = at;
    this.listeners.forEach((l) => l(hop));
  }
}
