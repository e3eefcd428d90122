/**
 * The tally every fault test ends with: what the gateway answered 2xx for (accepted) against
 * what reached the destination, both by message UUID. `lost` is accepted but never received;
 * `duplicates` counts receptions beyond the first of a UUID (allowed: delivery is
 * at-least-once). Messages received that were never accepted (a 2xx lost to the fault) are
 * not counted as delivered.
 */
export interface FaultTally {
  accepted: number;
  delivered: number;
  duplicates: number;
  lost: number;
  /** Accepted UUIDs never received (for the failure message; empty when lost is 0). */
  missing: string[];
}

export function tallyFault(accepted: ReadonlySet<string>, received: Iterable<string>): FaultTally {
  const seen = new Map<string, number>();
  for (const uuid of received) seen.set(uuid, (seen.get(uuid) ?? 0) + 1);
  const missing = [...accepted].filter((u) => !seen.has(u));
  let duplicates = 0;
  for (const [uuid, n] of seen) if (accepted.has(uuid)) duplicates += n - 1;
  return { accepted: accepted.size, delivered: accepted.size - missing.length, duplicates, lost: missing.length, missing };
}

/** The one line each fault test prints: `fault <name>: accepted N delivered N duplicates N lost N`. */
export function faultLine(name: string, t: FaultTally): string {
  return `fault ${name}: accepted ${t.accepted} delivered ${t.delivered} duplicates ${t.duplicates} lost ${t.lost}`;
}
